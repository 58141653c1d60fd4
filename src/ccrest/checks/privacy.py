"""The card UID stays hidden when the REST interface is enabled without UID."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ccrest.checks.common import fail, not_tested, text
from ccrest.exchange import Exchange
from ccrest.findings import Finding, show

MASK = set("*xX#-. 0")  # placeholders that show no UID: '', '****', '0000', '--'

Observation = tuple[str, Mapping[str, object], Exchange | None]  # where, values, exchange


def uid_hidden(observations: Iterable[Observation]) -> list[Finding]:
    """Every auth_uid seen must be empty or masked; if no card was ever presented, an empty
    auth_uid proves nothing and the check is not tested."""
    seen = list(observations)
    shown = []
    authorized = False
    for where, values, exchange in seen:
        uid = text(values, "auth_uid")
        authorized |= (
            text(values, "auth_state") == "authorized_for_charging"
            and text(values, "free_charging") != "on"  # free charging needs no card
        )
        if uid and not set(uid) <= MASK:
            shown.append(
                fail(
                    "privacy.uid-hidden",
                    f"auth_uid = {show(uid)} in {where}: a card UID is shown although the "
                    "REST interface is expected to be enabled without UID",
                    key="auth_uid",
                    observed=uid,
                    allowed="'' (or a mask)",
                    exchange=exchange,
                )
            )
    if shown:
        return shown
    if not authorized:
        return [
            not_tested(
                "privacy.uid-hidden",
                "no card was presented while the suite watched (auth_state was never "
                f"authorized_for_charging in {len(seen)} observations), so a hidden UID "
                "cannot be told from an absent one",
                key="auth_uid",
            )
        ]
    return []

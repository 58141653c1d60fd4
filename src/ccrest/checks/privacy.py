"""The card UID stays hidden when the REST interface is enabled without UID."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ccrest.checks.common import fail, not_tested, text
from ccrest.exchange import Exchange
from ccrest.findings import Finding, show

MASK = set("*xX#-. 0")  # placeholders that show no UID: '', '****', '0000', '--'
MIN_UID = 8  # a known UID shorter than this could match by chance

Observation = tuple[str, Mapping[str, object], Exchange | None]  # where, values, exchange


def uid_hidden(observations: Iterable[Observation], known: Iterable[str] = ()) -> list[Finding]:
    """Every auth_uid seen must be empty or masked, and no other key may show a card UID the
    suite knows was presented (``known``: display_text greeting the card, say); if no card
    was ever presented, an empty auth_uid proves nothing and the check is not tested."""
    seen = list(observations)
    uids = {u.lower() for u in known if len(u) >= MIN_UID}
    shown = []
    reported: set[tuple[str, str]] = set()  # each key's value once, however often it was seen
    authorized = False
    for where, values, exchange in seen:
        for key, value in values.items():
            if key == "auth_uid" or not isinstance(value, str):
                continue
            hit = next((u for u in uids if u in value.lower()), None)
            if hit is not None and (key, value) not in reported:
                reported.add((key, value))
                shown.append(
                    fail(
                        "privacy.uid-hidden",
                        f"{key} = {show(value)} in {where} shows the card UID {hit} although "
                        "the REST interface is expected to be enabled without UID",
                        key=key,
                        observed=value,
                        allowed="no card UID in any key",
                        exchange=exchange,
                    )
                )
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

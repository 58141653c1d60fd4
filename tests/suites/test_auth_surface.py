"""The authentication surface, both ways, on a device no model of ours built (``tests.hostile``):
each hole in the protection is caught by its check on its key, and what RFC 9110 allows (a
refusal by 403) passes. The probes with wrong credentials stay few."""

from __future__ import annotations

import pytest

from ccrest.selfcheck import failing_by_key
from tests.artifacts import strict_json
from tests.hostile import Script, conformant_pairs, hostile
from tests.suites.conftest import PASSWORD, SUITES

PAIRS = conformant_pairs()


def run_auth(run_suite, pytester, **holes) -> tuple[int, dict[str, list[str]], Script]:
    script = Script(PAIRS, PASSWORD, **holes)
    with hostile(script) as dev:
        result = run_suite(
            "--controller-url", dev.url, "--password", PASSWORD, "-m", "auth or http", reports=True
        )
    data = strict_json(pytester.path / "reports" / "conformance.json")
    assert isinstance(data, dict)
    return result.ret, failing_by_key(data), script


@pytest.mark.parametrize(
    ("holes", "check", "key"),
    [
        ({"open_keys": frozenset({"meter_wh"})}, "auth.no-credentials-refused", "meter_wh"),
        ({"open_keys": frozenset({"wlan_state"})}, "auth.no-credentials-refused", "wlan_state"),
        ({"open_variants": True}, "auth.no-credentials-refused", "-"),
        ({"any_basic": True}, "auth.wrong-password-refused", "-"),
        ({"empty_password": True}, "auth.wrong-password-refused", "-"),
        ({"challenge": False}, "auth.challenge", "-"),
        ({"refusal_echo": True}, "auth.refusal-discloses-nothing", "-"),
        ({"head_body": True}, "http.head-agrees", "-"),
        ({"schemes": ("basic",)}, "auth.scheme-works", "-"),
    ],
    ids=[
        "a-key-open",
        "the-last-key-open",
        "path-variants-open",
        "any-basic-credentials",
        "an-empty-password",
        "a-401-without-challenge",
        "a-refusal-repeats-the-password",
        "head-with-a-body",
        "the-documented-headers-refused",
    ],
)
def test_a_hole_is_caught_on_its_key(run_suite, pytester, holes, check, key) -> None:
    code, failing, _ = run_auth(run_suite, pytester, **holes)
    assert code == 1 and key in failing.get(check, []), failing


def test_basic_refused_where_the_headers_open_it_passes(run_suite, pytester) -> None:
    """The specification documents the Username and Password headers only: a device that
    refuses Basic (--auth-scheme basic) conforms, and the run goes on with the headers."""
    script = Script(PAIRS, PASSWORD, schemes=("doc-headers",))
    with hostile(script) as dev:
        result = run_suite(
            "--controller-url",
            dev.url,
            "--password",
            PASSWORD,
            "--auth-scheme",
            "basic",
            "-m",
            "auth or schema",
            reports=True,
        )
    data = strict_json(pytester.path / "reports" / "conformance.json")
    assert isinstance(data, dict)
    assert result.ret == 0 and failing_by_key(data) == {}, failing_by_key(data)
    said = [f["message"] for t in data["tests"] for f in t["findings"]]
    assert any("the run went on with doc-headers" in m for m in said), said


def test_a_device_without_holes_passes(run_suite, pytester) -> None:
    code, failing, script = run_auth(run_suite, pytester)
    assert code == 0 and failing == {}, failing
    tried = [credentials(h) for h in script.seen]
    wrong = [c for c in tried if c is not None and c != ("operator", PASSWORD)]
    assert len(wrong) == login_attempts() == 6, "attempts with wrong credentials stay few"


def credentials(headers: dict[str, str]) -> tuple[str, str] | None:
    """The credentials a request sent, in either scheme; None for none."""
    import base64

    auth = headers.get("authorization", "")
    if auth.startswith("Basic ") and auth != "Basic Auth":
        user, _, password = base64.b64decode(auth[6:]).decode("utf-8").partition(":")
        return user, password
    if "username" in headers or "password" in headers:
        return headers.get("username", ""), headers.get("password", "")
    return None


def login_attempts() -> int:
    """The number the auth family's docstring promises (suites/test_auth.py)."""
    import re

    text = (SUITES / "test_auth.py").read_text()
    match = re.search(r"^LOGIN_ATTEMPTS = (\d+)", text, re.M)
    assert match
    return int(match.group(1))


def test_a_refusal_by_403_passes(run_suite, pytester) -> None:
    """RFC 9110 15.5.4: a server may refuse with 403; that is a refusal, and it needs no
    challenge (only a 401 does)."""
    code, failing, _ = run_auth(run_suite, pytester, refusal=403)
    assert code == 0 and failing == {}, failing


def test_anonymous_reads_declared_in_a_profile_or_an_inventory(
    run_suite, pytester, monkeypatch
) -> None:
    """Field devices answer without credentials, and every public client reads them so: a
    profile (or a lab's inventory) may declare it, as --allow-anonymous does; undeclared, it
    fails."""
    from ccrest.spec import catalogue

    everything = frozenset(["full_state", *catalogue().keys])
    script = Script(PAIRS, PASSWORD, open_keys=everything, open_variants=True)
    profile = pytester.path / "open.toml"
    profile.write_text('[profile]\nname = "open"\nallow_anonymous = true\n')
    inventory = pytester.path / "lab.toml"
    monkeypatch.setenv("LAB_PW", PASSWORD)
    with hostile(script) as dev:
        args = ("--controller-url", dev.url, "--password", PASSWORD, "-m", "auth")
        assert run_suite(*args).ret == 1, "undeclared: anyone can read it"
        assert run_suite(*args, f"--profile={profile}").ret == 0, "declared in the profile"
        inventory.write_text(
            f"[controllers.open]\nurl = '{dev.url}'\npassword_env = 'LAB_PW'\n"
            "allow_anonymous = true\n"
        )
        assert run_suite(f"--inventory={inventory}", "-m", "auth").ret == 0, "in the inventory"

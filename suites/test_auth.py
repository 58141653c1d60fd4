"""Credentials: the configured scheme opens the API; nothing else opens any of it.

Without credentials, every endpoint the suite reads (full_state and each key) and other
spellings of full_state's path are asked once: a request without credentials is no login
attempt. Attempts with wrong credentials are few, since a real device may lock an account
out after several: six in all (a wrong and an empty password in each scheme, an unknown
user, the other role's name), each on full_state. A refusal is 401 or 403 (RFC 9110 15.5.2,
15.5.4), or 404 hiding the resource (15.5.5); a 401 names how to authenticate, and no refusal
repeats the password or shows the state."""

import pytest

from ccrest.checks import auth, declared
from ccrest.client import AUTH_SCHEMES
from ccrest.spec import catalogue

pytestmark = pytest.mark.auth
FULL_STATE = "/rest/full_state"
ENDPOINTS = ["full_state", *catalogue().keys]
WRONG_PASSWORD = "ccrest-wrong-password"
UNKNOWN_USER = "ccrest-unknown-user"
OTHER_ROLE = {"operator": "manufacturer", "manufacturer": "operator"}
LOGIN_ATTEMPTS = 6  # requests with wrong credentials in this family (a self-test counts them)


@pytest.mark.check("auth.scheme-works")
def test_configured_scheme_opens_full_state(full_state, settings, controller, verdict):
    verdict(
        auth.scheme_works(
            full_state.exchange, settings.scheme, settings.username, controller.refused
        )
    )


@pytest.mark.check("auth.no-credentials-refused")
@pytest.mark.parametrize("key", ENDPOINTS)
def test_no_credentials_refused(key, client, settings, verdict):
    answer = client.get(f"/rest/{key}", credentials=None)
    verdict(
        auth.refused(
            "auth.no-credentials-refused",
            answer,
            f"/rest/{key} without credentials",
            settings.allow_anonymous,
            key=None if key == "full_state" else key,
        )
    )


@pytest.mark.check("decl.credentials")
def test_as_declared_without_credentials(cat, client, declaration, verdict):
    answer = client.get(FULL_STATE, credentials=None)
    verdict(declared.open_as_declared(cat, answer, declaration))


@pytest.mark.check("auth.no-credentials-refused")
@pytest.mark.parametrize("variant", list(auth.PATH_SPELLINGS))
def test_no_other_spelling_of_the_path_opens_it(variant, cat, client, settings, verdict):
    path = auth.PATH_SPELLINGS[variant]
    answer = client.raw("GET", path, credentials=None)  # the path exactly as spelled here
    verdict(
        auth.variant_closed(cat, answer, f"{path} without credentials", settings.allow_anonymous)
    )


@pytest.mark.check("auth.wrong-password-refused")
@pytest.mark.parametrize("password", ["wrong", "empty"])
@pytest.mark.parametrize("scheme", ["configured", "other"])
def test_wrong_password_refused(scheme, password, client, settings, verdict):
    """In the configured scheme and in the other one: a device must not open to Basic
    credentials of any kind while it is set up for its headers, nor the other way round."""
    used = (
        settings.scheme
        if scheme == "configured"
        else next(s for s in AUTH_SCHEMES if s != settings.scheme)
    )
    given = WRONG_PASSWORD if password == "wrong" else ""
    answer = client.get(FULL_STATE, credentials=(settings.username, given), scheme=used)
    verdict(
        auth.refused(
            "auth.wrong-password-refused",
            answer,
            f"{settings.username!r} with {'a wrong' if given else 'an empty'} password "
            f"({used} scheme)",
            settings.allow_anonymous,
        )
    )


@pytest.mark.check("auth.unknown-user-refused")
def test_unknown_user_refused(client, settings, verdict):
    answer = client.get(FULL_STATE, credentials=(UNKNOWN_USER, settings.password))
    verdict(
        auth.refused(
            "auth.unknown-user-refused",
            answer,
            f"the unknown user {UNKNOWN_USER!r}",
            settings.allow_anonymous,
        )
    )


@pytest.mark.check("auth.other-role-refused")
def test_other_role_refused_with_this_password(client, settings, verdict):
    other = OTHER_ROLE.get(settings.username, "operator")
    answer = client.get(FULL_STATE, credentials=(other, settings.password))
    verdict(
        auth.refused(
            "auth.other-role-refused",
            answer,
            f"{other!r} with the {settings.username}'s password",
            settings.allow_anonymous,
        )
    )


def _refusals(client):
    """Every refusal of the run so far (this family's probes ran before: tests run in order)."""
    return [ex for ex in client.history if ex.status in auth.REFUSALS]


@pytest.mark.check("auth.challenge")
def test_a_refusal_names_how_to_authenticate(client, verdict):
    verdict(auth.challenged(_refusals(client)))


@pytest.mark.check("auth.refusal-discloses-nothing")
def test_a_refusal_gives_nothing_away(cat, client, verdict):
    verdict(auth.discloses_nothing(cat, _refusals(client)))

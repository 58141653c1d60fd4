"""Credentials: the configured scheme opens the API; none, a wrong password, an unknown user or
the other role's name do not. Deliberate bad attempts are few (eight), since a real device may
lock an account."""

import pytest

from ccrest.checks import auth

pytestmark = pytest.mark.auth
PATHS = {"full_state": "/rest/full_state", "per_key": "/rest/conn_state"}
WRONG_PASSWORD = "ccrest-wrong-password"
UNKNOWN_USER = "ccrest-unknown-user"
OTHER_ROLE = {"operator": "manufacturer", "manufacturer": "operator"}


@pytest.mark.check("auth.scheme-works")
def test_configured_scheme_opens_full_state(full_state, settings, verdict):
    verdict(auth.scheme_works(full_state.exchange, settings.scheme, settings.username))


@pytest.mark.check("auth.no-credentials-refused")
@pytest.mark.parametrize("where", list(PATHS))
def test_no_credentials_refused(where, client, settings, verdict):
    answer = client.get(PATHS[where], credentials=None)
    verdict(
        auth.refused(
            "auth.no-credentials-refused",
            answer,
            "a request without credentials",
            settings.allow_anonymous,
        )
    )


@pytest.mark.check("auth.wrong-password-refused")
@pytest.mark.parametrize("where", list(PATHS))
def test_wrong_password_refused(where, client, settings, verdict):
    answer = client.get(PATHS[where], credentials=(settings.username, WRONG_PASSWORD))
    verdict(
        auth.refused(
            "auth.wrong-password-refused",
            answer,
            f"{settings.username!r} with a wrong password",
            settings.allow_anonymous,
        )
    )


@pytest.mark.check("auth.unknown-user-refused")
@pytest.mark.parametrize("where", list(PATHS))
def test_unknown_user_refused(where, client, settings, verdict):
    answer = client.get(PATHS[where], credentials=(UNKNOWN_USER, settings.password))
    verdict(
        auth.refused(
            "auth.unknown-user-refused",
            answer,
            f"the unknown user {UNKNOWN_USER!r}",
            settings.allow_anonymous,
        )
    )


@pytest.mark.check("auth.other-role-refused")
@pytest.mark.parametrize("where", list(PATHS))
def test_other_role_refused_with_this_password(where, client, settings, verdict):
    other = OTHER_ROLE.get(settings.username, "operator")
    answer = client.get(PATHS[where], credentials=(other, settings.password))
    verdict(
        auth.refused(
            "auth.other-role-refused",
            answer,
            f"{other!r} with the {settings.username}'s password",
            settings.allow_anonymous,
        )
    )

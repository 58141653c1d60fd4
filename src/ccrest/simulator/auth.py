"""Credentials as the controller checks them: the specification's header scheme and RFC 7617.

The specification's curl example sends ``Authorization: Basic Auth`` with the user and password
in ``Username:`` and ``Password:`` headers; clients that speak HTTP properly send RFC 7617 Basic
credentials. Both are accepted. Passwords are compared in constant time, and every role is
compared on every attempt, so timing tells nothing about which part was wrong.
"""

from __future__ import annotations

import base64
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass

from ccrest.simulator.head import Fields

ROLES = ("operator", "manufacturer")
DEFAULT_PASSWORDS = {"operator": "operator-pw", "manufacturer": "manufacturer-pw"}
PASSWORD_ENV = {
    "operator": "CCREST_OPERATOR_PASSWORD",
    "manufacturer": "CCREST_MANUFACTURER_PASSWORD",
}


@dataclass(frozen=True)
class Credentials:
    """The password of each role."""

    operator: str = DEFAULT_PASSWORDS["operator"]
    manufacturer: str = DEFAULT_PASSWORDS["manufacturer"]

    def __repr__(self) -> str:  # never print a password by accident
        return "Credentials(operator=***, manufacturer=***)"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ, **given: str | None) -> Credentials:
        """Passwords from explicit values first, then the environment, then the defaults."""
        chosen = {
            role: given.get(role) or environ.get(PASSWORD_ENV[role]) or DEFAULT_PASSWORDS[role]
            for role in ROLES
        }
        return cls(**chosen)

    def role_for(self, username: str, password: str) -> str | None:
        """The role these credentials open, or None. Constant time in the secrets."""
        match = None
        for role in ROLES:
            user_ok = hmac.compare_digest(username.encode(), role.encode())
            pass_ok = hmac.compare_digest(password.encode(), getattr(self, role).encode())
            if user_ok and pass_ok:
                match = role
        return match


class BadCredentials(ValueError):
    """Credentials that cannot even be read (bad base64, no colon)."""


def presented(headers: Mapping[str, str] | Fields) -> tuple[str, str] | None:
    """The (username, password) a request presents, in either scheme, or None if it has none."""
    authorization = (headers.get("Authorization") or "").strip()
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() == "basic" and token and token.lower() != "auth":
        try:
            decoded = base64.b64decode(token, validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError) as exc:  # binascii.Error is a ValueError
            raise BadCredentials("Basic credentials are not valid base64 of UTF-8 text") from exc
        username, colon, password = decoded.partition(":")
        if not colon:
            raise BadCredentials("Basic credentials have no colon between user and password")
        return username, password
    user, secret = headers.get("Username"), headers.get("Password")
    if user is None or secret is None:
        return None
    return user, secret

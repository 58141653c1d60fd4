"""The one HTTP client the suite talks to a controller through.

Controllers are small embedded boxes: one keep-alive session, a polite timeout, bounded reads
(a 10 MB answer is cut at ``max_body``, a byte-a-second answer at the deadline), and after a few
transport errors in a row the device is taken to be gone and nothing more is sent, so the
remaining checks are reported as not tested instead of each failing on its own. Every exchange
is recorded, with the credentials redacted, for the report.
"""

from __future__ import annotations

import base64
import time
from urllib.parse import urlsplit

import requests
import urllib3

from ccrest.exchange import Exchange, redact_bytes, redact_headers, redact_text

AUTH_SCHEMES = ("doc-headers", "basic")
DEFAULT_TIMEOUT_S = 5.0
DEFAULT_MAX_BODY = 1 << 20
GIVE_UP_AFTER = 3
CHUNK = 8192
CONFIGURED = "configured"

Credentials = tuple[str, str] | None


class ClientError(ValueError):
    """A client set up wrongly (bad URL, unknown scheme): a usage error, not a device fault."""


def check_url(url: str) -> str:
    """The controller's base URL, checked: http(s), a host, no credentials, no path."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ClientError(f"controller URL {url!r} must look like http://HOST[:PORT]")
    if parts.username or parts.password:
        raise ClientError(
            "the controller URL must not carry credentials; "
            "give them with --username/--password or CC_USERNAME/CC_PASSWORD"
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ClientError(
            f"controller URL {url!r} must not have a path: give http://HOST[:PORT], "
            "the suite adds /rest/..."
        )
    try:
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as exc:
        raise ClientError(f"controller URL {url!r}: {exc}") from None
    return f"{parts.scheme}://{parts.netloc}"


def auth_headers(scheme: str, username: str, password: str) -> dict[str, str]:
    """Credentials as the scheme sends them: the specification's headers, or RFC 7617."""
    if scheme == "doc-headers":
        return {"Authorization": "Basic Auth", "Username": username, "Password": password}
    if scheme == "basic":
        token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
        return {"Authorization": f"Basic {token}"}
    raise ClientError(f"auth scheme must be one of {', '.join(AUTH_SCHEMES)}, not {scheme!r}")


class Client:
    """Talks to one controller; counts and records every exchange."""

    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        scheme: str = "doc-headers",
        timeout: float = DEFAULT_TIMEOUT_S,
        max_body: int = DEFAULT_MAX_BODY,
        give_up_after: int = GIVE_UP_AFTER,
    ) -> None:
        if timeout <= 0:
            raise ClientError(f"timeout must be more than 0 seconds, not {timeout}")
        self.base_url = check_url(base_url)
        self.username = username
        self.scheme = scheme
        self.timeout = timeout
        self.max_body = max_body
        self.give_up_after = give_up_after
        self._auth = auth_headers(scheme, username, password)
        self._secrets: tuple[str, ...] = tuple(
            s for s in {password, *self._basic_forms(username, password)} if s
        )
        self.session = requests.Session()
        self.session.trust_env = False  # no proxy or .netrc credentials from the environment
        self.requests = 0
        self.history: list[Exchange] = []
        self._failures_in_a_row = 0
        self.gone: str | None = None

    def __repr__(self) -> str:
        return f"Client({self.base_url!r}, user={self.username!r}, scheme={self.scheme!r})"

    @staticmethod
    def _basic_forms(username: str, password: str) -> tuple[str, ...]:
        token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
        return (token,)

    def redact(self, text: str) -> str:
        """Mask every secret this client knows of in a text meant for people."""
        return redact_text(text, self._secrets)

    def close(self) -> None:
        self.session.close()

    def headers_for(self, credentials: Credentials | str) -> dict[str, str]:
        if credentials == CONFIGURED:
            return dict(self._auth)
        if credentials is None:
            return {}
        username, password = credentials  # type: ignore[misc]
        self._secrets = tuple({*self._secrets, password, *self._basic_forms(username, password)})
        return auth_headers(self.scheme, username, password)

    def request(
        self,
        method: str,
        path: str,
        *,
        credentials: Credentials | str = CONFIGURED,
        data: bytes | None = None,
    ) -> Exchange:
        """One exchange; never raises for anything the device does."""
        url = self.base_url + path
        headers = self.headers_for(credentials)
        recorded_headers = redact_headers(headers, self._secrets)
        if self.gone is not None:
            exchange = Exchange(
                method, url, recorded_headers, error=f"not sent: {self.gone}", sent=False
            )
            self.history.append(exchange)
            return exchange
        self.requests += 1
        started = time.monotonic()
        exchange = self._exchange(method, url, headers, recorded_headers, data, started)
        self.history.append(exchange)
        if exchange.transport_failed:
            self._failures_in_a_row += 1
            if self._failures_in_a_row >= self.give_up_after:
                self.gone = (
                    f"the controller stopped answering ({self._failures_in_a_row} transport "
                    f"errors in a row, the last: {exchange.error})"
                )
        else:
            self._failures_in_a_row = 0
        return exchange

    def get(self, path: str, **kwargs: object) -> Exchange:
        return self.request("GET", path, **kwargs)  # type: ignore[arg-type]

    def _exchange(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        recorded_headers: dict[str, str],
        data: bytes | None,
        started: float,
    ) -> Exchange:
        def failed(error: str) -> Exchange:
            return Exchange(
                method,
                url,
                recorded_headers,
                elapsed_s=time.monotonic() - started,
                error=error,
                started=started,
            )

        deadline = started + 2 * self.timeout
        try:
            response = self.session.request(
                method,
                url,
                headers=headers,
                data=data,
                timeout=(self.timeout, self.timeout),
                stream=True,
                allow_redirects=False,
            )
        except requests.exceptions.ConnectTimeout:
            return failed(f"no connection within {self.timeout:g} s")
        except requests.exceptions.ReadTimeout:
            return failed(f"no answer within {self.timeout:g} s")
        except requests.exceptions.ConnectionError as exc:
            return failed(_describe(exc))
        except requests.exceptions.RequestException as exc:
            return failed(f"request failed: {type(exc).__name__}")
        with response:
            body = bytearray()
            truncated = False
            try:
                # read1 returns what has arrived, so a device that drips a byte at a time meets
                # the deadline instead of holding a full-chunk read for minutes
                while chunk := response.raw.read1(CHUNK, decode_content=True):
                    body += chunk
                    if len(body) > self.max_body:
                        del body[self.max_body :]
                        truncated = True
                        break
                    if time.monotonic() > deadline:
                        return failed(
                            f"answer not complete after {2 * self.timeout:g} s "
                            f"({len(body)} B received)"
                        )
            except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError) as exc:
                return failed(f"connection broke while reading the body: {_describe(exc)}")
            return Exchange(
                method,
                url,
                recorded_headers,
                status=response.status_code,
                response_headers=redact_headers(dict(response.headers), self._secrets),
                body=redact_bytes(bytes(body), self._secrets),
                truncated=truncated,
                elapsed_s=time.monotonic() - started,
                started=started,
            )


def _describe(exc: BaseException) -> str:
    """A transport error in a few words, without the library's nested reprs."""
    text = str(exc).lower()
    for needle, words in (
        ("refused", "connection refused"),
        ("reset", "connection reset by the controller"),
        ("aborted", "connection aborted by the controller"),
        ("remote end closed", "the controller closed the connection without answering"),
        ("timed out", "timed out"),
        ("name or service not known", "host name not found"),
        ("no route", "no route to host"),
        ("incomplete", "the body ended early"),
        ("badstatusline", "the answer is not HTTP"),
    ):
        if needle in text:
            return words
    return f"transport error ({type(exc).__name__})"

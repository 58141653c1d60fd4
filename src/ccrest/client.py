"""The one HTTP client the suite talks to a controller through.

Controllers are small embedded boxes: one keep-alive session, a polite timeout, bounded reads
(a 10 MB answer is cut at ``max_body``, a byte-a-second answer at the deadline), and after a few
transport errors in a row the device is taken to be gone and nothing more is sent, so the
remaining checks are reported as not tested instead of each failing on its own. Every exchange
is recorded, with the credentials redacted, for the report.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import logging
import math
import re
import select
import socket
import ssl
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

from ccrest import __version__, safe
from ccrest.exchange import Exchange
from ccrest.masking import KNOWN, basic_token, mask_library_logs

AUTH_SCHEMES = ("doc-headers", "basic")
DEFAULT_TIMEOUT_S = 5.0
DEFAULT_MAX_BODY = 1 << 20
GIVE_UP_AFTER = 3
HISTORY_BYTES = 16 << 20  # bodies the history keeps whole; older ones shrink to an excerpt
HISTORY = 8192  # exchanges the history keeps (a whole check run: ~1,500); a watch keeps fewer
CHUNK = 8192
CONFIGURED = "configured"
# what every request carries besides its own headers (a request's own win)
DEFAULT_HEADERS = {
    "User-Agent": f"ccrest/{__version__}",
    "Accept": "*/*",
    "Accept-Encoding": "gzip, deflate",
    "Connection": "keep-alive",
}
LOG = logging.getLogger("ccrest.client")  # masked (masking.MaskRecords) like the libraries'
IDEMPOTENT = ("GET", "HEAD")  # the requests sent again after a keep-alive close (never a write)
PATH_SAFE = "!#$%&'()*+,/:;=?@[]~"  # a path is sent as given, only what HTTP cannot carry quoted

Credentials = tuple[str, str] | None


class ClientError(ValueError):
    """A client set up wrongly (bad URL, unknown scheme): a usage error, not a device fault."""


def check_url(url: str) -> str:
    """The controller's base URL, checked: http(s), a host, no credentials, no path."""
    try:
        parts = urlsplit(url)
        parts.hostname  # noqa: B018 - raises ValueError for a broken [IPv6] literal
    except ValueError as exc:
        raise ClientError(f"controller URL {url!r}: {exc}; give http://HOST[:PORT]") from None
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
        return {"Authorization": f"Basic {basic_token(username, password)}"}
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
        history: int = HISTORY,
    ) -> None:
        if not (math.isfinite(timeout) and timeout > 0):
            raise ClientError(f"timeout must be a number of seconds above 0, not {timeout}")
        self.base_url = check_url(base_url)
        self.username = username
        self.scheme = scheme
        self.timeout = timeout
        self.max_body = max_body
        self.give_up_after = give_up_after
        self._auth = auth_headers(scheme, username, password)
        self._password = password
        KNOWN.add(password, basic_token(username, password))
        mask_library_logs()  # the HTTP libraries' loggers, should anything log a header block
        # One keep-alive connection of the standard library's http.client: no proxy or .netrc
        # from the environment, no cookie jar (a probe sends exactly the headers it means to:
        # a device's Set-Cookie must not open the no-credentials probe), no redirect followed,
        # no retry (a device's failure is reported, not hidden).
        parts = urlsplit(self.base_url)
        self._https = parts.scheme == "https"
        self._host, self._port = parts.hostname or "", parts.port
        self._conn: http.client.HTTPConnection | None = None
        self._socket: socket.socket | None = None  # the connection in use, for the watchdog
        self._was_cut = False
        self._watchdog = _Watchdog(self._cut)
        self.requests = 0
        self.resent = 0  # requests sent again after the device closed a kept-alive connection
        self._unsolicited = 0  # bytes the device sent after an answer's end, nobody asking
        # the latest exchanges (a ring: memory stays flat however long a watch runs); a
        # finding keeps its own exchange, whatever the ring forgets
        self.history: deque[Exchange] = deque(maxlen=history)
        self._history_bytes = 0
        self._oldest_whole = 0  # history before this index holds excerpts only
        self._failures_in_a_row = 0
        # requests sent that the device gave no usable answer (after the one re-send HTTP
        # allows): whatever check needed one, the run cannot pass it (``ccrest.verdict``)
        self.unanswered = 0
        self.first_unanswered = ""  # the first of them, in one line
        self.gone: str | None = None  # why nothing more is sent (the deadline, or lost)
        self.lost: str | None = None  # why the device counts as gone: it stopped answering
        self.stop_at: float | None = None  # monotonic time after which nothing more is sent
        self.stop_reason = ""

    def __repr__(self) -> str:
        return f"Client({self.base_url!r}, user={self.username!r}, scheme={self.scheme!r})"

    @staticmethod
    def redact(text: str) -> str:
        """Mask every known secret in a text meant for people."""
        return KNOWN.text(text)

    def close(self) -> None:
        self._watchdog.stop()
        self._drop()

    def _drop(self) -> None:
        """Close the connection (the next request opens a new one)."""
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.close()
        self._conn, self._socket = None, None

    def _connection(self) -> http.client.HTTPConnection:
        """The keep-alive connection, opened anew when the device closed it meanwhile (a
        readable idle socket is an end of file or bytes nobody asked for)."""
        conn = self._conn
        if conn is not None and conn.sock is not None:
            try:
                readable = select.select([conn.sock], [], [], 0)[0]
                waiting = conn.sock.recv(CHUNK, socket.MSG_PEEK) if readable else b""
            except (OSError, ValueError):
                readable, waiting = [conn.sock], b""
            if waiting and not _idle_close(waiting):
                # bytes after the last answer's end: a second answer nobody asked for (a 408
                # is a server closing an idle connection and saying so, RFC 9110 15.5.9)
                self._unsolicited = len(waiting)
            if readable:
                self._drop()
        if self._conn is None:
            if self._https:
                self._conn = http.client.HTTPSConnection(
                    self._host,
                    self._port,
                    timeout=self.timeout,
                    context=ssl.create_default_context(),
                )
            else:
                self._conn = http.client.HTTPConnection(
                    self._host, self._port, timeout=self.timeout
                )
        return self._conn

    def keep_latest(self, count: int) -> None:
        """Keep only the latest ``count`` exchanges from now on (a watch needs none of the
        past: its findings keep their own)."""
        self.history = deque(self.history, maxlen=count)
        self._history_bytes = sum(len(ex.body) for ex in self.history)
        self._oldest_whole = 0

    def use_scheme(self, scheme: str) -> None:
        """Send the configured credentials in ``scheme`` from now on."""
        self._auth = auth_headers(scheme, self.username, self._password)
        self.scheme = scheme

    def headers_for(
        self, credentials: Credentials | str, scheme: str | None = None
    ) -> dict[str, str]:
        """The credential headers of a request: the configured ones, none, or ``credentials``
        in ``scheme`` (the configured one unless another is named)."""
        if credentials == CONFIGURED:
            return dict(self._auth)
        if credentials is None:
            return {}
        if isinstance(credentials, str):  # only CONFIGURED names credentials by a word
            raise ClientError("credentials must be CONFIGURED, None or (username, password)")
        username, password = credentials
        KNOWN.add(password, basic_token(username, password))
        return auth_headers(scheme or self.scheme, username, password)

    def request(
        self,
        method: str,
        path: str,
        *,
        credentials: Credentials | str = CONFIGURED,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        scheme: str | None = None,
    ) -> Exchange:
        """One exchange; never raises for anything the device does."""
        url = self.base_url + path
        headers = self.headers_for(credentials, scheme) | dict(headers or {})
        recorded_headers = _kept(headers)
        if self.gone is None and self.stop_at is not None and time.monotonic() >= self.stop_at:
            self.gone = self.stop_reason or "the run's time is up"
        if self.gone is not None:
            exchange = Exchange(
                method, url, recorded_headers, error=f"not sent: {self.gone}", sent=False
            )
            self._remember(exchange)
            return exchange
        self.requests += 1
        started = time.monotonic()
        exchange = self._exchange(method, url, headers, recorded_headers, data, started)
        self._remember(exchange)
        if exchange.transport_failed:
            self._failures_in_a_row += 1
            if self._failures_in_a_row >= self.give_up_after:
                self.lost = (
                    f"stopped answering ({self._failures_in_a_row} transport errors in a row, "
                    f"the last: {exchange.error})"
                )
                self.gone = f"the controller {self.lost}"
        else:
            self._failures_in_a_row = 0
        return exchange

    def _remember(self, exchange: Exchange) -> None:
        """Keep the exchange; bodies beyond HISTORY_BYTES in all shrink to excerpts, oldest
        first, so a device that answers a megabyte every time cannot fill the memory; beyond
        the ring's length the oldest is forgotten. An unanswered one is counted."""
        if exchange.unanswered:
            self.unanswered += 1
            self.first_unanswered = self.first_unanswered or exchange.summary()
        if len(self.history) == self.history.maxlen:
            self._history_bytes -= len(self.history[0].body)
            self._oldest_whole = max(0, self._oldest_whole - 1)
        self.history.append(exchange)
        self._history_bytes += len(exchange.body)
        while self._history_bytes > HISTORY_BYTES and self._oldest_whole < len(self.history) - 1:
            old = self.history[self._oldest_whole]
            slim = old.slim()
            self._history_bytes -= len(old.body) - len(slim.body)
            self.history[self._oldest_whole] = slim
            self._oldest_whole += 1

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
        def failed(error: str, broken: bool = False, sent: bool = True) -> Exchange:
            return Exchange(
                method,
                url,
                recorded_headers,
                elapsed_s=time.monotonic() - started,
                error=error,
                started=started,
                sent=sent,
                broken=broken,
            )

        # The watchdog bounds the whole exchange, status line and headers included: a device
        # that drips its headers a byte at a time never trips a per-read timeout, so at the
        # deadline the connection is cut and the exchange ends.
        self._was_cut = False
        self._watchdog.arm(started + 2 * self.timeout)
        try:
            return self._send(method, url, headers, data, started, failed, recorded_headers)
        finally:
            self._watchdog.disarm()

    def _cut(self) -> None:
        self._was_cut = True
        sock = self._socket
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _send(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        data: bytes | None,
        started: float,
        failed: Callable[..., Exchange],  # (error, broken=, sent=): an answer began, it went
        recorded_headers: dict[str, str],
    ) -> Exchange:
        deadline = started + 2 * self.timeout
        late = f"no complete answer within {2 * self.timeout:g} s"
        target = quote(url[len(self.base_url) :] or "/", safe=PATH_SAFE)
        while True:
            conn = self._connection()
            if self._unsolicited:
                extra, self._unsolicited = self._unsolicited, 0
                return failed(  # broken: bytes of an answer, which no request asked for
                    f"the device sent {extra} B after its previous answer's end, which no "
                    "request asked for (RFC 9112 section 6.3: they would be read as the next "
                    "answer)",
                    broken=True,
                )
            if method not in IDEMPOTENT and conn.sock is not None:
                self._drop()  # a write goes out on a new connection: it is never sent again,
                conn = self._connection()  # so a device's idle close must not cost its answer
            reused = conn.sock is not None
            if not reused:
                try:
                    conn.connect()
                except TimeoutError:
                    self._drop()
                    return failed(f"no connection within {self.timeout:g} s")
                except OSError as exc:
                    self._drop()
                    return failed(late if self._was_cut else _describe(exc))
                conn.sock = _Counted(conn.sock)
            self._socket = conn.sock
            counted = conn.sock if isinstance(conn.sock, _Counted) else None
            if counted is not None:
                counted.received = 0  # bytes of this request's answer (http.client forgets
                counted.ended = False  # its socket when the device closes it: held here)
            try:
                conn.request(method, target, body=data, headers=DEFAULT_HEADERS | headers)
                response = _past_interim(conn.getresponse(), conn, method)
                if reused and method in IDEMPOTENT and response.status == 408:
                    # the device timed the idle connection out as the request came (RFC 9110
                    # 15.5.9: a client may send it again): once, on a new connection
                    self._drop()
                    self.resent += 1
                    continue
                break
            except TimeoutError:
                began = counted is not None and counted.received > 0
                self._drop()
                return failed(f"no answer within {self.timeout:g} s", broken=began)
            except (OSError, http.client.HTTPException) as exc:
                answered = counted.received if counted is not None else 1
                self._drop()
                if (
                    reused
                    and method in IDEMPOTENT
                    and not self._was_cut
                    and not answered
                    and isinstance(exc, ConnectionResetError | BrokenPipeError)
                ):
                    # RFC 9112 section 9.3.1.1: a device may close an idle connection at any
                    # moment (one that closes after each answer without saying so, too), and
                    # an idempotent request it never answered is sent again, once, on a new
                    # connection; a fresh connection's failure, or an answer the device
                    # began and broke off, is the device's and reported
                    self.resent += 1
                    continue
                began = counted is not None and counted.received > 0
                not_http = isinstance(exc, http.client.BadStatusLine) and not isinstance(
                    exc, http.client.RemoteDisconnected
                )
                return failed(late if self._was_cut else _describe(exc), broken=began or not_http)
            except ValueError as exc:  # a header value http.client will not send
                self._drop()
                return failed(f"request failed: {type(exc).__name__}", sent=False)
        if counted is not None and counted.ended and not self._was_cut:  # the head's lines
            self._drop()  # are read one by one: a read finding the end before its empty line
            return failed(
                "the connection closed inside the answer's head (no empty line ended it: "
                "RFC 9112 section 2.1)",
                broken=True,
            )
        framing = _length(response)
        if framing:
            self._drop()
            return failed(framing, broken=True)
        body = bytearray()
        truncated = False
        inflate = _decoder(response.getheader("Content-Encoding", "") or "")
        try:
            # read1 returns what has arrived, so a device that drips a byte at a time meets the
            # deadline instead of holding a full-chunk read for minutes; a compressed body is
            # inflated here, never to more than max_body bytes
            while chunk := response.read1(CHUNK):
                room = self.max_body + 1 - len(body)
                if inflate is not None:
                    chunk, inflate = _inflated(inflate, chunk, room)
                body += chunk
                if len(body) > self.max_body:
                    del body[self.max_body :]
                    truncated = True
                    break
                if time.monotonic() > deadline:
                    self._drop()
                    return failed(f"{late} ({len(body)} B of the body received)", broken=True)
        except zlib.error:
            self._drop()
            return failed(
                "the compressed body does not inflate (Content-Encoding broken)", broken=True
            )
        except TimeoutError:
            self._drop()
            if not self._was_cut:
                return failed(
                    f"no answer within {self.timeout:g} s ({len(body)} B of the body)",
                    broken=True,
                )
        except (OSError, http.client.HTTPException) as exc:
            self._drop()
            if not self._was_cut:
                return failed(
                    f"connection broke while reading the body: {_describe(exc)}", broken=True
                )
        if self._was_cut:
            self._drop()
            return failed(f"{late} ({len(body)} B of the body received)", broken=True)
        if inflate is not None and not truncated and not inflate.eof:
            self._drop()
            return failed("the compressed body ends early (Content-Encoding broken)", broken=True)
        if not truncated and response.length:  # Content-Length promised more than came
            self._drop()
            return failed(
                "connection broke while reading the body: the body ended early "
                f"({response.length} B of it missing)",
                broken=True,
            )
        if response.msg.defects:  # a header block http.client could not parse whole
            LOG.warning(
                "Failed to parse headers (url=%s): unparsed data: %r",
                url,
                str(response.msg.get_payload())[:HEADER_VALUE_LIMIT],
            )
        complete = response.isclosed() or response.length == 0
        if truncated or response.will_close or not complete:
            self._drop()  # a body left unread, or the device closes: the next opens anew
        else:
            response.close()  # the answer is done; the connection stays for the next
        if counted is not None and counted.idle_closed:
            counted.idle_closed = False
            self._drop()  # the device closes the connection, as its 408 said: the next opens anew
        if counted is not None and counted.unsolicited and not truncated:
            extra, counted.unsolicited = counted.unsolicited, 0
            self._drop()
            return failed(
                f"the answer is followed by {extra} B no request asked for (RFC 9112 section "
                "6.3: a client would read them as its next answer)",
                broken=True,
            )
        return _answered(
            method,
            url,
            recorded_headers,
            response.status,
            _bounded(_merged(response.msg)),
            bytes(body),
            truncated,
            started,
        )

    def raw_head(self, path: str) -> Exchange:
        """HEAD read as the bytes come: what follows the head is a body, which HEAD must not
        have (RFC 9110 9.3.2) and which a client library discards unseen."""
        return self.raw("HEAD", path)

    def raw(self, method: str, path: str, credentials: Credentials | str = CONFIGURED) -> Exchange:
        """One request on a connection of its own, its target sent exactly as given (a client
        library would normalise ``/rest/./full_state`` or ``%5F`` away) and its answer read as
        the bytes come, to the end. Bounded as every exchange is: 2 x timeout, max_body bytes."""
        url = self.base_url + path
        headers = self.headers_for(credentials)
        recorded = _kept(headers)
        if self.gone is not None:
            return Exchange(method, url, recorded, error=f"not sent: {self.gone}", sent=False)
        self.requests += 1
        started = time.monotonic()
        parts = urlsplit(self.base_url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        request = (
            f"{method} {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n"
            + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
            + "\r\n"
        ).encode("latin-1")
        data = bytearray()
        try:
            with socket.create_connection((parts.hostname, port), timeout=self.timeout) as sock:
                conn: socket.socket = sock
                if parts.scheme == "https":
                    context = ssl.create_default_context()
                    conn = context.wrap_socket(sock, server_hostname=parts.hostname)
                conn.sendall(request)
                ends = started + 2 * self.timeout
                head_seen = False
                while len(data) <= self.max_body and time.monotonic() < ends:
                    complete = _complete(method, data)
                    if complete:
                        break
                    if complete is False and not head_seen:  # HEAD: a body would follow soon
                        head_seen, ends = True, min(ends, time.monotonic() + HEAD_GRACE_S)
                    conn.settimeout(max(0.01, min(self.timeout, ends - time.monotonic())))
                    try:
                        chunk = conn.recv(CHUNK)
                    except TimeoutError:
                        if head_seen:
                            break
                        raise
                    if not chunk:
                        break
                    data += chunk
        except (OSError, ssl.SSLError) as exc:
            if not data:
                failed = Exchange(method, url, recorded, error=_describe(exc), started=started)
                self._remember(failed)
                return failed
        if not data:  # closed, or out of time, before a byte: no answer at all
            why = (
                "the connection closed without a byte of an answer"
                if time.monotonic() < ends
                else f"no answer within {2 * self.timeout:g} s"
            )
            failed = Exchange(method, url, recorded, error=why, started=started)
            self._remember(failed)
            return failed
        cut = "" if len(data) > self.max_body else _broken_off(method, bytes(data))
        if cut:  # bytes of an answer, broken off: no answer to judge, and the device's doing
            if time.monotonic() >= ends:
                cut = f"no complete answer within {2 * self.timeout:g} s ({cut})"
            failed = Exchange(method, url, recorded, error=cut, started=started, broken=True)
            self._remember(failed)
            return failed
        head, sep, rest = _final(bytes(data)).partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status_line = lines[0].split(" ", 2)
        status = int(status_line[1]) if len(status_line) > 1 and status_line[1].isdigit() else None
        response = dict(
            (k.strip(), v.strip()) for k, _, v in (line.partition(":") for line in lines[1:])
        )
        truncated = len(rest) > self.max_body
        chunked = "chunked" in next(
            (v.lower() for k, v in response.items() if k.lower() == "transfer-encoding"), ""
        )
        if chunked and method != "HEAD":  # the body without its framing: a key:value line
            rest = _chunks(rest)[0]  # split by chunk sizes would hide the state it shows
        exchange = _answered(
            method,
            url,
            recorded,
            status,
            _bounded(response),
            rest[: self.max_body] if sep else b"",
            truncated,
            started,
        )
        self._remember(exchange)
        return exchange


# how an idle connection's 408 begins: a server closing it and saying so (RFC 9110 15.5.9)
IDLE_TIMEOUT = tuple(f"HTTP/1.{v} 408{end}".encode() for v in "01" for end in (" ", "\r", "\n"))


def _idle_close(data: bytes) -> bool:
    """Bytes after an answer that are a 408, or as much of one as has come: a server closing
    an idle connection and saying so, not an answer nobody asked for."""
    return bool(data) and any(start.startswith(data[: len(start)]) for start in IDLE_TIMEOUT)


def _chunks(data: bytes) -> tuple[bytes, str]:
    """A chunked body's data without its framing (RFC 9112 7.1: sizes in hex, extensions after
    a semicolon, the last chunk of size 0, then trailer fields to an empty line), and how it
    ended: "whole", "short" (more must come) or "broken" (no chunk size where one belongs)."""
    body, pos = bytearray(), 0
    while True:
        eol = data.find(b"\n", pos)
        if eol < 0:
            return bytes(body), "short"
        size_text = data[pos:eol].rstrip(b"\r").split(b";", 1)[0].strip()
        if not size_text or not all(c in b"0123456789abcdefABCDEF" for c in size_text):
            return bytes(body), "broken"
        size, pos = int(size_text, 16), eol + 1
        if size == 0:  # the last chunk: trailer fields, each a line, to an empty one
            while True:
                eol = data.find(b"\n", pos)
                if eol < 0:
                    return bytes(body), "short"
                line, pos = data[pos:eol].rstrip(b"\r"), eol + 1
                if not line:
                    return bytes(body), "whole"
        body += data[pos : pos + size]
        if len(data) < pos + size + 1:
            return bytes(body), "short"
        pos += size
        ending = b"\r\n" if data.startswith(b"\r", pos) else b"\n"
        if not data.startswith(ending, pos):
            return bytes(body), "short" if len(data) < pos + len(ending) else "broken"
        pos += len(ending)


HEAD_GRACE_S = 0.3  # after a HEAD's head: bytes arriving this soon are a body it sent


IDLE_S = 30.0  # a watchdog thread with nothing to watch for this long ends (arm starts another)
GRANULARITY_S = 0.5  # the watchdog looks at least this often; a nearer deadline wakes it


class _Watchdog:
    """One thread per client that cuts the connection when an exchange passes its deadline.
    Arming it is a lock and an assignment: the thread is woken only when the new deadline
    comes before its own next look (never a thread per request, rarely a thread switch).
    Started on first use; a daemon, stopped with the client, ended when idle."""

    def __init__(self, cut: Callable[[], None]) -> None:
        self._cut = cut
        self._wake = threading.Condition()
        self._deadline: float | None = None
        self._looks_at = math.inf  # when the thread looks next
        self._thread: threading.Thread | None = None
        self._stopped = False

    def arm(self, deadline: float) -> None:
        with self._wake:
            self._deadline = deadline
            self._stopped = False  # a client used again after close() is watched again
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="ccrest-watchdog")
                self._thread.daemon = True
                self._thread.start()
            elif deadline < self._looks_at:
                self._wake.notify()

    def disarm(self) -> None:
        with self._wake:
            self._deadline = None  # the thread finds nothing to cut when it next looks

    def stop(self) -> None:
        with self._wake:
            self._stopped = True
            self._wake.notify()

    def _run(self) -> None:
        with self._wake:
            busy = time.monotonic()
            while not self._stopped:
                now = time.monotonic()
                if self._deadline is not None:
                    busy = now
                    if now >= self._deadline:
                        self._deadline = None
                        self._cut()
                        continue
                elif now - busy > IDLE_S:
                    break  # idle: a client nobody closed holds no thread for long
                wait = GRANULARITY_S
                if self._deadline is not None:
                    wait = min(wait, self._deadline - now)
                self._looks_at = now + wait
                self._wake.wait(wait)
            self._looks_at = math.inf
            self._thread = None


def _final(data: bytes) -> bytes:
    """The bytes from the final answer on: interim 1xx answers before it (100 Continue, 103
    Early Hints; RFC 9110 15.2: a client must be able to parse them) are skipped."""
    while re.match(rb"HTTP/\d\.\d 1(?!01)\d\d", data):
        _, sep, rest = data.partition(b"\r\n\r\n")
        if not sep:
            return data  # the interim answer is not whole yet
        data = rest
    return data


def _framing(data: bytes) -> tuple[int, dict[bytes, bytes], bytes] | None:
    """The final answer's status, its header fields (names in lower case) and what follows its
    head; None while the head has not ended (an empty line, CR LF or, as RFC 9112 2.2 lets a
    recipient take it, LF alone)."""
    final = _final(data)
    ends = [(i, sep) for sep in (b"\r\n\r\n", b"\n\n") if (i := final.find(sep)) >= 0]
    if not ends:
        return None
    at, sep = min(ends)
    lines = final[:at].splitlines()
    fields = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(b":") for ln in lines[1:])}
    return _code(lines[0]), fields, final[at + len(sep) :]


def _body_end(fields: Mapping[bytes, bytes], rest: bytes) -> tuple[str, str]:
    """How the body after a head stands: "whole", "short" (more must come), "broken" (framing
    no reader can follow) or "close" (the connection's close ends it); and, when it is short or
    broken, why in words."""
    if b"chunked" in fields.get(b"transfer-encoding", b"").lower():
        ended = _chunks(rest)[1]
        if ended == "broken":
            return ended, "the chunked body's framing is broken: no chunk size where one belongs"
        return ended, "the chunked body ends without its last chunk (RFC 9112 section 7.1)"
    length = fields.get(b"content-length", b"")
    if not length.isdigit():
        return "close", ""
    if len(rest) < int(length):
        return "short", f"the body ended early ({int(length) - len(rest)} B of it missing)"
    return "whole", ""


def _complete(method: str, data: bytes | bytearray) -> bool | None:
    """Whether ``data`` holds a whole answer, so that a device keeping the connection open
    despite ``Connection: close`` is not waited on to the timeout. True: its head, then
    Content-Length bytes or the last chunk (or a status without a body). False: the head of
    an answer to HEAD (what may follow is a body HEAD must not have: waited for briefly).
    None: more must come (no head yet, or a body the connection's close delimits)."""
    framed = _framing(bytes(data))
    if framed is None:
        return None
    if method == "HEAD":
        return False
    code, fields, rest = framed
    if code in (204, 304):
        return True
    return True if _body_end(fields, rest)[0] in ("whole", "broken") else None


def _broken_off(method: str, data: bytes) -> str:
    """Why the bytes that came are not a whole answer; "" when they are one (its head, then
    its Content-Length, its last chunk, or a body the close ends)."""
    framed = _framing(data)
    if framed is None:
        return (
            "the connection closed inside the answer's head (no empty line ended it: RFC 9112 "
            "section 2.1)"
        )
    code, fields, rest = framed
    if method == "HEAD" or code in (204, 304):
        return ""
    ended, why = _body_end(fields, rest)
    return why if ended in ("short", "broken") else ""


def _code(status_line: bytes) -> int:
    parts = status_line.split(b" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


def _answered(
    method: str,
    url: str,
    recorded: dict[str, str],
    status: int | None,
    headers: dict[str, str],
    body: bytes,
    truncated: bool,
    started: float,
) -> Exchange:
    """An answered exchange as it is kept: secrets masked in the headers and the body (and
    whether the device echoed one), the rest display-safe."""
    kept_body = KNOWN.body(body, cut=truncated)
    kept_headers = _kept(headers)
    echoed = kept_body != body or KNOWN.found_in(t for item in headers.items() for t in item)
    return Exchange(
        method,
        url,
        recorded,
        status=status,
        response_headers=kept_headers,
        body=kept_body,
        truncated=truncated,
        size=len(body),  # as received: masking a secret may shorten the body kept
        elapsed_s=time.monotonic() - started,
        started=started,
        echoed=echoed,
    )


class _Inflater(Protocol):
    """What ``_send`` uses of a zlib decompress object."""

    @property
    def unconsumed_tail(self) -> bytes: ...

    @property
    def unused_data(self) -> bytes: ...

    @property
    def eof(self) -> bool: ...

    def decompress(self, data: bytes, max_length: int = 0, /) -> bytes: ...


def _inflated(inflate: _Inflater, data: bytes, room: int) -> tuple[bytes, _Inflater]:
    """``data`` inflated (at most ``room`` bytes), across the members of a gzip body (RFC 1952
    2.2: a gzip file is a series of members); more than fits marked with one byte beyond."""
    out = inflate.decompress(data, room)
    while inflate.eof and inflate.unused_data and len(out) < room:
        rest = inflate.unused_data
        inflate = zlib.decompressobj(zlib.MAX_WBITS | 32)
        out += inflate.decompress(rest, room - len(out))
    if inflate.unconsumed_tail or (inflate.eof and inflate.unused_data):
        out += b"\0"  # more than fits: the caller cuts it there
    return out, inflate


def _past_interim(
    response: http.client.HTTPResponse, conn: http.client.HTTPConnection, method: str
) -> http.client.HTTPResponse:
    """The final answer: interim 1xx answers other than 100 (which http.client skips itself),
    such as 103 Early Hints, read past on the same connection (RFC 9110 15.2)."""
    for _ in range(10):
        if not 100 <= response.status < 200 or response.status == 101:
            return response
        following = http.client.HTTPResponse(conn.sock, method=method)
        following.fp.close()
        following.fp = response.fp  # the bytes already read stay in it
        response.fp = None  # type: ignore[assignment]  # closed, as http.client closes it
        following.begin()
        response = following
    return response


def _length(response: http.client.HTTPResponse) -> str:
    """Why the answer's Content-Length makes its framing invalid (two different values: RFC
    9112 6.3, an unrecoverable error), or ""; a list of one value repeated (RFC 9110 8.6)
    is taken as that value."""
    given = response.msg.get_all("Content-Length") or []
    values = {v.strip() for field in given for v in field.split(",")}
    if len(values) > 1:
        shown = safe.text(" and ".join(sorted(values))[:HEADER_VALUE_LIMIT])  # device bytes
        return f"the answer's framing is invalid: Content-Length given as {shown} (RFC 9112 6.3)"
    if given and response.length is None and not response.chunked and values:
        (value,) = values
        if value.isdigit():
            response.length = int(value)  # "N, N": http.client read none
    return ""


def _decoder(encoding: str) -> _Inflater | None:
    """A bounded inflater for gzip or deflate bodies; None for identity (or one we keep raw)."""
    name = encoding.strip().lower()
    if name in ("gzip", "x-gzip", "deflate"):
        return zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib header, told apart
    return None


HEADER_VALUE_LIMIT = 1024
HEADERS_KEPT = 50


def _bounded(headers: Mapping[str, str]) -> dict[str, str]:
    """A device's response headers as a report keeps them: at most 50, each value excerpted."""
    kept = {}
    for name, value in list(headers.items())[:HEADERS_KEPT]:
        cut = value if len(value) <= HEADER_VALUE_LIMIT else value[:HEADER_VALUE_LIMIT] + "…"
        kept[name[:100]] = cut
    return kept


def _kept(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers as an exchange keeps them: secrets masked first (in every form), then names and
    values display-safe (a header is where a device's bytes enter as text). The same headers
    under the same secrets are kept the same way, so they are worked out once (a run sends a
    few header sets thousands of times; a device answers with a few)."""
    items = tuple(headers.items())
    key = (KNOWN.generation, items)
    kept = _KEPT.get(key)
    if kept is None:
        kept = {safe.text(k): safe.text(v) for k, v in KNOWN.headers(dict(items)).items()}
        if sum(len(k) + len(v) for k, v in items) <= KEPT_MEMO_SIZE:
            if len(_KEPT) >= KEPT_MEMO:
                _KEPT.clear()  # bounded whatever a device varies (a Date header, a counter)
            _KEPT[key] = kept
    return dict(kept)  # an exchange's own copy


KEPT_MEMO = 128  # header sets remembered as kept (at most 128 x 2 KB)
KEPT_MEMO_SIZE = 2048  # a larger set is worked out each time
_KEPT: dict[tuple[int, tuple[tuple[str, str], ...]], dict[str, str]] = {}


def _merged(message: http.client.HTTPMessage) -> dict[str, str]:
    """Response headers, a repeated name's values joined with ", " (RFC 9110 5.3) under the
    name's first spelling."""
    merged: dict[str, str] = {}
    names: dict[str, str] = {}
    for name, value in message.items():
        first = names.setdefault(name.lower(), name)
        merged[first] = f"{merged[first]}, {value}" if first in merged else value
    return merged


class _Counted:
    """A connection's socket that counts the bytes of the answer being read: a request is
    sent again only when not one byte of its answer came (RFC 9112 section 9.3.1.1); an answer
    the device began and broke off is its failure, never retried into a clean exchange."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self.received = 0
        self.unsolicited = 0  # bytes found after an answer's end as its reader closed
        self.idle_closed = False  # a 408 after an answer's end: the connection is closing
        self.ended = False  # the device closed the connection (a read found its end)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)

    def makefile(self, mode: str = "rb", *args: Any, **kwargs: Any) -> io.BufferedReader:
        # the socket's own unbuffered file (it keeps the socket open while a response reads,
        # as http.client expects), counted
        return _Buffered(_CountingReader(self, self._sock.makefile("rb", buffering=0)), self)


class _Buffered(io.BufferedReader):
    """An answer's reader that, as http.client closes it at the answer's end, looks (without
    waiting) for bytes beyond that end: a second answer nobody asked for (RFC 9112 section
    6.3), which closing the reader would otherwise throw away unseen."""

    def __init__(self, raw: _CountingReader, counted: _Counted) -> None:
        super().__init__(raw)
        self._reader, self._counted = raw, counted

    def close(self) -> None:
        if not self.closed and self._reader.count:  # a reader that read an answer (not one
            self._reader.waiting = False  # made and closed unused, as _past_interim does)
            with contextlib.suppress(OSError, ValueError):
                after = self.peek(1)
                if _idle_close(after):  # the idle close's 408 came with the answer: the
                    self._counted.idle_closed = True  # answer stands, the connection goes
                else:
                    self._counted.unsolicited += len(after)
        super().close()


class _CountingReader(io.RawIOBase):
    def __init__(self, counted: _Counted, raw: Any) -> None:
        self._counted = counted
        self._raw = raw
        self.waiting = True  # False: read nothing more (a look past an answer's end)
        self.count = 0  # bytes this reader read

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        if not self.waiting:  # only what the buffer holds: bytes still in the socket are
            return None  # found before the next request (Client._connection)
        size: int | None = self._raw.readinto(buffer)
        self._counted.received += size or 0
        self.count += size or 0
        if size == 0 and len(buffer):
            self._counted.ended = True
        return size

    def close(self) -> None:
        self._raw.close()
        super().close()


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

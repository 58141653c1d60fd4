"""The simulator's HTTP surface: the Legacy REST API under /rest/, the control API under /sim/.

Built on the standard library's threading HTTP server, one thread per connection, keep-alive
(HTTP/1.1) as pollers use it. Whatever a client sends, the answer is a 4xx or a proper answer:
a 500 means a bug in the simulator, and the exception is kept so the test that provoked it can
re-raise it (``Simulator.raise_errors``).
"""

from __future__ import annotations

import contextlib
import email.utils
import hmac
import json
import re
import socket
import sys
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from ccrest.simulator import control, head
from ccrest.simulator.auth import BadCredentials, Credentials, presented
from ccrest.simulator.defects import Defect
from ccrest.simulator.device import Device
from ccrest.simulator.sources import Source

READ_ONLY_ALLOW = "GET, HEAD"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
KEY_PATH = re.compile(r"^/rest/([A-Za-z0-9_]+)$")
MAX_CONTROL_BODY = 64 * 1024
IDLE_TIMEOUT_S = 30.0


class SimServer(ThreadingHTTPServer):
    """Holds what the handlers share: the source, credentials, the device and the errors."""

    daemon_threads = True
    request_queue_size = 128  # a fleet of pollers connecting at once must not wait for SYN retries
    block_on_close = False
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        source: Source,
        credentials: Credentials,
        device: Device | None,
        latency_s: float = 0.0,
        control_token: str | None = None,
        defects: tuple[Defect, ...] = (),
    ) -> None:
        super().__init__(address, Handler)
        self.defects = defects
        self.source = source
        self.credentials = credentials
        self.device = device
        self.latency_s = latency_s
        self.control_token = control_token
        self.errors: list[BaseException] = []
        self.stopping = threading.Event()  # stalled fault-mode handlers wait on this
        self._connections: set[socket.socket] = set()
        self._guard = threading.Lock()
        self.in_flight = 0  # requests being answered now
        self.peak_in_flight = 0  # the most ever answered at once: a lab run keeps it at 1
        self.delayed = 0  # requests --latency-ms delayed (the /rest/ ones: a benchmark's floor)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    # a TCP server's request is its connection's socket
    def process_request(  # type: ignore[override]
        self, request: socket.socket, client_address: Any
    ) -> None:
        with self._guard:
            self._connections.add(request)
        super().process_request(request, client_address)

    def serving(self) -> Callable[[], None]:
        """Count a request as being answered, from its parse until its answer is made; the
        ``done`` returned is called by the answer's write (and again, harmlessly, at the end),
        so a client that sends its next request the moment it has the answer (on a new
        connection, after ``Connection: close``) is never counted as asking twice at once."""
        finished = False

        def done() -> None:
            nonlocal finished
            with self._guard:
                if not finished:
                    finished = True
                    self.in_flight -= 1

        with self._guard:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        return done

    def shutdown_request(self, request: socket.socket) -> None:  # type: ignore[override]
        with self._guard:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """End idle keep-alive connections, so that stopping does not wait for clients."""
        with self._guard:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def handle_error(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any
    ) -> None:
        exc = sys.exc_info()[1]
        if exc is not None and not isinstance(exc, ConnectionError | TimeoutError):
            self.record(exc)

    def record(self, exc: BaseException) -> None:
        with self._guard:
            self.errors.append(exc)


def _version(text: str) -> tuple[int, int] | None:
    """HTTP/major.minor as numbers (RFC 9112 section 2.3; leading zeros ignored), or None."""
    major, dot, minor = text.removeprefix("HTTP/").partition(".")
    if not text.startswith("HTTP/") or not dot:
        return None
    if not all(part.isdigit() and part.isascii() and len(part) <= 10 for part in (major, minor)):
        return None
    return int(major), int(minor)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


_date: tuple[int, str] = (0, "")


def _http_date() -> str:
    """The Date header's value (RFC 9110 section 6.6.1), formatted once per second."""
    global _date
    now = int(time.time())
    if _date[0] != now:
        _date = (now, email.utils.formatdate(now, usegmt=True))
    return _date[1]


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number; give a finite number")


class Handler(BaseHTTPRequestHandler):
    server: SimServer
    headers: head.Fields  # type: ignore[assignment]  # read by head.read, not as e-mail
    _answered: Callable[[], None]  # the request in flight is answered (serving()'s ``done``)
    protocol_version = "HTTP/1.1"
    server_version = "ccrest-sim"
    sys_version = ""

    def setup(self) -> None:
        super().setup()
        self._answered = lambda: None  # until a request is being served

    def version_string(self) -> str:
        return self.server_version

    disable_nagle_algorithm = True
    timeout = IDLE_TIMEOUT_S
    error_content_type = "text/plain; charset=utf-8"
    error_message_format = "%(code)d %(message)s\n"

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: a poller makes thousands of requests, and headers may carry passwords."""

    def handle_one_request(self) -> None:
        """The standard loop, but every method reaches ``dispatch`` (no 501 for OPTIONS)."""
        try:
            self.raw_requestline = self.rfile.readline(65537)
            if self.raw_requestline in (b"\r\n", b"\n"):  # RFC 9112 2.2: an empty line before
                self.raw_requestline = self.rfile.readline(65537)  # a request line is skipped
            if len(self.raw_requestline) > 65536:
                self.requestline = self.request_version = self.command = ""
                self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG)
                return
            if not self.raw_requestline:
                self.close_connection = True
                return
            if len(self.raw_requestline.split()) == 2:  # HTTP/0.9: no version, no headers
                self.command, self.requestline, self.request_version = "", "", "HTTP/1.0"
                self.close_connection = True
                self.send_error(HTTPStatus.BAD_REQUEST, "HTTP/0.9 is not supported")
                return
            if not self.parse_request():
                return
            self._answered = self.server.serving()
            try:
                self.dispatch()
                self.wfile.flush()
            finally:
                self._answered()
        except TimeoutError:
            self.close_connection = True

    def parse_request(self) -> bool:
        """The request line as the standard library reads it; the header block by
        ``head.read``, which refuses what HTTP's grammar does not allow (400) instead of
        reading it as e-mail. False once a refusal has been sent."""
        self.command = ""  # set in case of an error on the first line
        self.request_version = self.default_request_version
        self.close_connection = True
        self.requestline = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        words = self.requestline.split()
        if not words:
            return False
        if len(words) != 3:  # two words (HTTP/0.9) are refused before this
            self.send_error(HTTPStatus.BAD_REQUEST, f"Bad request syntax ({self.requestline!r})")
            return False
        command, path, version = words
        number = _version(version)
        if number is None:
            self.send_error(HTTPStatus.BAD_REQUEST, f"Bad request version ({version!r})")
            return False
        if number >= (2, 0):
            self.send_error(HTTPStatus.HTTP_VERSION_NOT_SUPPORTED)
            return False
        self.close_connection = number < (1, 1)
        self.request_version = version
        self.command, self.path = command, path
        if self.path.startswith("//"):  # as the standard library: never an absolute URI
            self.path = "/" + self.path.lstrip("/")
        try:
            self.headers = head.read(self.rfile)
        except head.Malformed as exc:
            self.send_error(exc.status, exc.reason)
            return False
        hosts = self.headers.get_all("Host")
        if len(hosts) > 1 or (number >= (1, 1) and not hosts):
            # RFC 9112 3.2: a server MUST answer 400 to an HTTP/1.1 request without Host and to
            # any with two; a reference device this strict lets no client of ours omit it
            self.send_error(HTTPStatus.BAD_REQUEST, "Host missing or given more than once")
            return False
        options = {  # every Connection field's options (RFC 9110 7.6.1: a list, repeatable)
            o.strip().lower() for v in self.headers.get_all("Connection") for o in v.split(",")
        }
        if "close" in options:
            self.close_connection = True
        elif "keep-alive" in options:
            self.close_connection = False
        if self.headers.get("Expect", "").lower() == "100-continue" and number >= (1, 1):
            return self.handle_expect_100()
        return True

    def dispatch(self) -> None:
        try:
            self.route()
        except (ConnectionError, BrokenPipeError):
            self.close_connection = True
        except Exception as exc:  # a bug in the simulator: answer 500, keep it for the test
            self.server.record(exc)
            self.close_connection = True
            self.reply(500, b"internal simulator error\n", "text/plain; charset=utf-8")

    # -- routing ------------------------------------------------------------------------
    def route(self) -> None:
        try:
            self.path.encode("ascii")
        except UnicodeEncodeError:
            self.reply_text(400, "the request target must be ASCII (percent-encode the rest)")
            return
        try:
            path = urlsplit(self.path).path
        except ValueError:  # "http://[/x": a target no URL parser reads
            self.close_connection = True
            self.reply_text(400, "the request target is not a URL")
            return
        length = self.headers.get("Content-Length")
        if length is not None and not (length.isascii() and length.isdigit()):
            self.close_connection = True  # a body of unknown length: the rest is unreadable
            self.reply_text(400, "Content-Length must be a number of bytes (RFC 9112 6.3)")
            return
        if "Transfer-Encoding" in self.headers or (length or "0") != "0":
            # a body: read only by the control API; whatever answer comes, the connection
            # closes after it, so a body never becomes the next request (RFC 9112 6.3)
            self.close_connection = True
        if "/../" in path + "/" or "/./" in path + "/" or "//" in path:
            self.reply_text(400, "the path must not hold '..', '.' or empty segments")
            return
        if any(d.respond(self) for d in self.server.defects if d.respond):
            return
        if path == "/sim" or path.startswith("/sim/"):
            self.route_control(path.removeprefix("/sim").strip("/"))
            return
        if path == "/rest" or path.startswith("/rest/"):
            self.route_rest(path)
        else:
            self.reply_text(404, "not found")

    def route_rest(self, path: str) -> None:
        source = self.server.source
        if self.server.latency_s:
            with self.server._guard:
                self.server.delayed += 1
            time.sleep(self.server.latency_s)
        if source.rest_mode == "disabled":
            self.reply_text(404, "not found")
            return
        if self.command not in ("GET", "HEAD"):
            self.reply_text(405, f"the REST API is read-only; allowed: {READ_ONLY_ALLOW}")
            return
        try:
            who = presented(self.headers)
        except BadCredentials as exc:
            who, refusal = None, str(exc)
        else:
            refusal = "missing or wrong credentials"
        credentials = self.server.credentials
        if (who is None or credentials.role_for(*who) is None) and not any(
            d.admit(who, credentials) for d in self.server.defects if d.admit
        ):
            self.unauthorized(refusal)
            return
        if path == "/rest/full_state":
            body, content_type = source.full_state()
            self.reply(200, body, content_type)
            return
        match = KEY_PATH.match(path)
        answer = source.value(match.group(1)) if match else None
        if answer is None:
            self.reply_text(404, "unknown key")
            return
        self.reply(200, *answer)

    def route_control(self, name: str) -> None:
        refusal = self.cross_site()
        if refusal:
            self.close_connection = True
            self.reply_json(*refusal)
            return
        body = self.read_control_body()
        if body is None:
            return
        token = self.server.control_token
        if token is not None:
            given = self.headers.get("X-Sim-Token", "")
            if not hmac.compare_digest(given.encode(), token.encode()):
                self.reply_json(403, {"error": "the control API needs the X-Sim-Token header"})
                return
        try:
            result = control.handle(self.server.device, self.command, name, body)
        except control.ControlError as exc:
            self.reply_json(exc.status, {"error": str(exc)})
            return
        if name == "state" and isinstance(result, dict):
            result = result | {"delayed_requests": self.server.delayed}
        self.reply_json(200, result)

    def cross_site(self) -> tuple[int, dict[str, str]] | None:
        """Why a control request looks like a web page's in the user's browser (which may
        reach a simulator on loopback), or "": a page of another origin (Origin,
        Sec-Fetch-Site), a name that is not this machine's (DNS rebinding), or a POST not
        declared JSON (a browser sends text/plain or a form across origins without asking)."""
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0].strip("[]").lower()
        if self.server.control_token is None and host not in LOOPBACK_NAMES:
            why = f"the control API answers only at a loopback address, not at {host!r}"
            return 403, {"error": why}
        origin = self.headers.get("Origin")
        if origin is not None:
            try:
                parts = urlsplit(origin)
                own = (parts.hostname or "") in LOOPBACK_NAMES and parts.port == self.server.port
            except ValueError:  # "http://[", a port out of range: no origin of ours
                own = False
            if not own:
                return 403, {"error": "the control API refuses web pages of other origins"}
        if self.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
            return 403, {"error": "the control API refuses web pages of other sites"}
        media = self.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
        if self.command == "POST" and media != "application/json":
            return 415, {"error": "send control requests as Content-Type: application/json"}
        return None

    def read_control_body(self) -> object | None:
        """The JSON body (bounded), or None after answering why it cannot be read. A body left
        unread closes the connection, so it is never parsed as the next request."""
        length = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            self.reply_json(411, {"error": "send control bodies with a Content-Length"})
            return None
        if not length:
            return {}
        if int(length) > MAX_CONTROL_BODY:  # digits: route() refused any other length
            self.close_connection = True
            self.reply_json(413, {"error": f"control bodies are at most {MAX_CONTROL_BODY} B"})
            return None
        raw = self.rfile.read(int(length))
        try:
            return json.loads(raw, parse_constant=_no_constant) if raw.strip() else {}
        except RecursionError:
            self.reply_json(400, {"error": "the body is nested too deep"})
            return None
        except (UnicodeDecodeError, ValueError) as exc:
            self.reply_json(400, {"error": f"the body is not JSON: {exc}"})
            return None

    # -- answers ------------------------------------------------------------------------
    def unauthorized(self, reason: str) -> None:
        self.reply(
            401,
            f"401 unauthorized: {reason}\n".encode(),
            "text/plain; charset=utf-8",
            {"WWW-Authenticate": 'Basic realm="charge controller"'},
        )

    def reply_text(self, status: int, text: str) -> None:
        headers = {"Allow": READ_ONLY_ALLOW} if status == 405 else None
        self.reply(status, f"{status} {text}\n".encode(), "text/plain; charset=utf-8", headers)

    def reply_json(self, status: int, data: object) -> None:
        self.reply(status, json.dumps(data).encode(), "application/json")

    def reply(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        """The head, built in one piece (the standard library's send_response and send_header
        format a line at a time), and the body in the same write: one sendall, one segment
        for a small answer."""
        lines = [
            f"{self.protocol_version} {status} {_phrase(status)}\r\n"
            f"Server: {self.server_version}\r\nDate: {_http_date()}\r\n"
            f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
            "Cache-Control: no-store\r\n"
        ]
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}\r\n")
        if self.close_connection:
            lines.append("Connection: close\r\n")
        lines.append("\r\n")
        head = "".join(lines).encode("latin-1")
        self._answered()  # the answer is made: from here the client may ask again
        self.wfile.write(head + body if self.command != "HEAD" else head)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Errors found while parsing a request: plain text, no HTML, no traceback, and always
        a status line (the standard library sends none while it still takes the request for
        HTTP/0.9, which a malformed request line leaves it doing)."""
        self.close_connection = True
        if self.request_version == "HTTP/0.9":
            self.request_version = "HTTP/1.1"
        if code == HTTPStatus.HTTP_VERSION_NOT_SUPPORTED:
            code = HTTPStatus.BAD_REQUEST  # a version we cannot read is the client's error
        try:
            phrase = HTTPStatus(code).phrase
        except ValueError:
            phrase = "error"
        body = f"{code} {message or phrase}\n".encode("utf-8", "replace")
        self.send_response(code)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and code >= 200 and code not in (204, 304):
            self.wfile.write(body)

"""A device in front of a device: an HTTP proxy on loopback that forwards every request to an
upstream controller (the bundled simulator, or any) and changes what comes back, outside the
upstream's model, by small composable pieces (``Piece``): a request answered or rewritten,
each full_state read's key/value pairs, each per-key value, the raw answer, and what becomes
of the connection (``Conduct``: answered and kept, closed after the answer, or left unanswered).

It knows the Legacy REST API's wire forms only as far as it must to rewrite them (lines
``key:value`` or one JSON object; a bare value or a JSON scalar), written here on their own:
it shares no parser with the checks it is meant to test. The simulator's control API
(``/sim/``) passes through unchanged, so the states family can still drive the upstream.
"""

from __future__ import annotations

import http.client
import json
import socket
import struct
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

Pairs = list[tuple[str, object]]  # a full_state's keys and values, in order
HOP_BY_HOP = ("connection", "keep-alive", "transfer-encoding", "content-length", "host")
POLL_S = 0.05  # how often the serving loop looks whether it is to stop


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes = b""


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    reason: str = ""

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def with_header(self, name: str, value: str | None) -> Answer:
        """This answer with the header set (or removed, for None)."""
        kept = [(k, v) for k, v in self.headers if k.lower() != name.lower()]
        return Answer(self.status, kept + ([(name, value)] if value is not None else []), self.body)


@dataclass
class Context:
    """What a piece may use: the upstream's credentials (to let in what the real device would
    refuse) and a way to ask the upstream itself."""

    credentials: dict[str, str]
    fetch: Callable[[Request], Answer]


class Conduct:
    """What a device does with a request on its connection (RFC 9112 section 9)."""

    ANSWER = "answer"  # answered, the connection kept
    CLOSE_AFTER = "close-after"  # answered in full, then closed without saying so (9.6)
    CLOSE_ANNOUNCED = "close-announced"  # answered with Connection: close, then closed (9.6)
    CLOSE_UNANSWERED = "close-unanswered"  # closed (FIN) without a byte of an answer
    RESET_UNANSWERED = "reset-unanswered"  # reset (RST) without a byte of an answer


UNANSWERED = (Conduct.CLOSE_UNANSWERED, Conduct.RESET_UNANSWERED)
CLOSING = (Conduct.CLOSE_AFTER, Conduct.CLOSE_ANNOUNCED, *UNANSWERED)


@dataclass(frozen=True)
class Piece:
    """One change; each hook is optional. ``request`` may rewrite a request or answer it
    (returning an Answer); ``pairs`` rewrites the n-th full_state read's pairs; ``value``
    rewrites the n-th answer of /rest/<key> (None: the key is not found); ``answer`` rewrites
    the final answer to a request; ``conduct`` decides, from the request and its turn on its
    connection (0: the connection's first), what becomes of the connection (``Conduct``)."""

    request: Callable[[Request, Context], Request | Answer] | None = None
    pairs: Callable[[Pairs, int], Pairs] | None = None
    value: Callable[[str, object, int], object] | None = None
    answer: Callable[[Request, Answer, Context], Answer] | None = None
    http10: bool = False  # answer as HTTP/1.0, the body ended by closing the connection
    conduct: Callable[[Request, int], str] | None = None


@dataclass
class _Counts:
    full_state: int = 0
    keys: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_full_state(self) -> int:
        with self.lock:
            self.full_state += 1
            return self.full_state - 1

    def next_key(self, key: str) -> int:
        with self.lock:
            n = self.keys.get(key, 0)
            self.keys[key] = n + 1
            return n


# -- the wire forms, as far as a rewrite needs them -----------------------------------------


def read_pairs(body: bytes) -> tuple[Pairs, str]:
    """A full_state body's pairs and its form ("json" or "text"; "" when it is neither)."""
    text = body.decode("utf-8", "surrogateescape")
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text, object_pairs_hook=list)
        except ValueError:
            return [], ""
        return list(data), "json"
    pairs: Pairs = []
    for line in text.splitlines():
        if ":" in line:
            key, _, value = line.partition(":")
            pairs.append((key, value))
    return pairs, "text"


def write_pairs(pairs: Pairs, form: str) -> bytes:
    if form == "json":
        members = ", ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in pairs)
        return ("{" + members + "}").encode("utf-8", "surrogateescape")
    return "".join(f"{k}:{v}\n" for k, v in pairs).encode("utf-8", "surrogateescape")


def read_value(body: bytes, content_type: str | None) -> tuple[object, str]:
    text = body.decode("utf-8", "surrogateescape")
    if "json" in (content_type or ""):
        try:
            return json.loads(text), "json"
        except ValueError:
            return text, "text"
    return text.strip(), "text"


def write_value(value: object, form: str) -> bytes:
    if form == "json":
        return json.dumps(value).encode()
    return str(value).encode("utf-8", "surrogateescape")


# -- the proxy ---------------------------------------------------------------------------------


class Proxy:
    """``with Proxy(upstream_url, pieces, credentials) as proxy:`` ... ``proxy.url``."""

    def __init__(
        self, upstream: str, pieces: Sequence[Piece] = (), credentials: dict[str, str] | None = None
    ) -> None:
        parts = urlsplit(upstream)
        self.host, self.port_up = parts.hostname or "127.0.0.1", parts.port or 80
        self.pieces = tuple(pieces)
        self.context = Context(dict(credentials or {}), self._fetch)
        self.counts = _Counts()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Proxy:
        # shutdown() waits for the loop's next look: a short poll (as the simulator's) keeps
        # a run from ending on a half-second wait
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": POLL_S}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _fetch(self, request: Request) -> Answer:
        conn = http.client.HTTPConnection(self.host, self.port_up, timeout=30)
        try:
            headers = {k: v for k, v in request.headers.items() if k not in HOP_BY_HOP}
            conn.request(request.method, request.path, body=request.body or None, headers=headers)
            response = conn.getresponse()
            body = response.read()
            return Answer(response.status, list(response.getheaders()), body, response.reason)
        finally:
            conn.close()

    def handle(self, request: Request) -> tuple[Answer, bool]:
        """The answer to one request, and whether to answer as HTTP/1.0."""
        http10 = any(p.http10 for p in self.pieces)
        if request.path == "/sim" or request.path.startswith("/sim/"):
            return self._fetch(request), False
        for piece in self.pieces:
            if piece.request is not None:
                rewritten = piece.request(request, self.context)
                if isinstance(rewritten, Answer):
                    return self._final(request, rewritten), http10
                request = rewritten
        answer = self._fetch(request)
        path = request.path.split("?", 1)[0]
        if answer.status == 200 and request.method == "GET" and path == "/rest/full_state":
            answer = self._rewrite_full_state(answer)
        elif answer.status == 200 and request.method == "GET" and path.startswith("/rest/"):
            answer = self._rewrite_value(path.removeprefix("/rest/"), answer)
        return self._final(request, answer), http10

    def conduct(self, request: Request, turn: int) -> str:
        """What becomes of the connection: the first piece's word that is not to answer."""
        if request.path == "/sim" or request.path.startswith("/sim/"):
            return Conduct.ANSWER
        for piece in self.pieces:
            if piece.conduct is not None:
                conduct = piece.conduct(request, turn)
                if conduct != Conduct.ANSWER:
                    return conduct
        return Conduct.ANSWER

    def _final(self, request: Request, answer: Answer) -> Answer:
        for piece in self.pieces:
            if piece.answer is not None:
                answer = piece.answer(request, answer, self.context)
        return answer

    def _rewrite_full_state(self, answer: Answer) -> Answer:
        hooks = [p.pairs for p in self.pieces if p.pairs is not None]
        if not hooks:
            return answer
        pairs, form = read_pairs(answer.body)
        if not form:
            return answer
        n = self.counts.next_full_state()
        for hook in hooks:
            pairs = hook(pairs, n)
        return Answer(answer.status, answer.headers, write_pairs(pairs, form), answer.reason)

    def _rewrite_value(self, key: str, answer: Answer) -> Answer:
        hooks = [p.value for p in self.pieces if p.value is not None]
        if not hooks:
            return answer
        value, form = read_value(answer.body, answer.header("Content-Type"))
        n = self.counts.next_key(key)
        for hook in hooks:
            if value is None:
                break
            value = hook(key, value, n)
        if value is None:
            return Answer(404, [("Content-Type", "text/plain")], b"404 unknown key\n")
        return Answer(answer.status, answer.headers, write_value(value, form), answer.reason)


def _handler(proxy: Proxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stall

        def log_message(self, format: str, *args: object) -> None:
            pass

        turn = 0  # requests this connection has carried before this one

        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            request = Request(self.command, self.path, headers, body)
            conduct = proxy.conduct(request, self.turn)
            self.turn += 1
            if conduct in UNANSWERED:
                self.close_connection = True
                if conduct == Conduct.RESET_UNANSWERED:  # SO_LINGER 0: close sends RST
                    linger = struct.pack("ii", 1, 0)
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
                    self.connection.close()
                return
            answer, http10 = proxy.handle(request)
            if conduct in CLOSING:
                self.close_connection = True
            if http10:
                self.protocol_version = "HTTP/1.0"
                self.close_connection = True
            self.send_response(answer.status, answer.reason or None)
            for name, value in answer.headers:
                if name.lower() not in HOP_BY_HOP:
                    self.send_header(name, value)
            if not http10:
                self.send_header("Content-Length", str(len(answer.body)))
            if http10 or conduct == Conduct.CLOSE_ANNOUNCED:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD" or answer.body:  # a HEAD body only when a piece adds one
                self.wfile.write(answer.body)

        do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _any

    return Handler

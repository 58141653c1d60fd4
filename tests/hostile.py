"""A small fake controller whose every byte is ours to choose: the values, the key names, the
body's form, the status line's reason, the response headers (a malformed one included), a
cookie, a password echoed back. It is not the simulator: it answers what it is told, so the
self-tests can hand the suite what no conformant device (and no model of one) would send.

It speaks HTTP/1.1 on loopback over keep-alive connections, checks credentials (the
specification's headers or Basic) and answers 401 with a challenge without them, 405 to a
write, 404 elsewhere.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Script:
    """What the fake device answers."""

    pairs: list[tuple[str, str]]  # full_state, in order: key, value (any text)
    password: str
    form: str = "text"  # or "json"
    encoding: str = "utf-8"  # of a text body: "utf-8" (surrogates kept as bytes) or "latin-1"
    content_type: bytes = b"text/plain"
    reason: bytes = b"OK"
    headers: list[bytes] = field(default_factory=list)  # extra raw header lines
    cookie: bool = False  # Set-Cookie on every answer
    seen: list[dict[str, str]] = field(default_factory=list)  # request headers, in order
    # holes in the protection, and refusals of another kind
    open_keys: frozenset[str] = frozenset()  # /rest/<key> answered without any credentials
    open_variants: bool = False  # another spelling of /rest/full_state answered unprotected
    any_basic: bool = False  # any Basic credentials let in
    empty_password: bool = False  # the operator with an empty password let in
    refusal: int = 401  # 403 is what RFC 9110 also allows
    challenge: bool = True  # a 401 carries WWW-Authenticate
    refusal_echo: bool = False  # a refusal repeats the password it was sent
    head_body: bool = False  # HEAD answered with the GET body after its head
    schemes: tuple[str, ...] = ("doc-headers", "basic")  # the schemes the device reads

    def body(self) -> bytes:
        if self.form == "json":  # ensure_ascii: a lone surrogate travels as \\udXXX
            return json.dumps(dict(self.pairs)).encode("ascii")
        text = "".join(f"{k}:{v}\n" for k, v in self.pairs)
        return _encode(text, self.encoding)

    def value(self, key: str) -> bytes | None:
        for k, v in self.pairs:
            if k == key:
                if self.form == "json":
                    return json.dumps(v).encode("ascii")
                return _encode(v, self.encoding)
        return None


def _encode(text: str, encoding: str) -> bytes:
    if encoding == "latin-1":
        return text.encode("latin-1", "replace")
    return text.encode("utf-8", "surrogatepass")  # a lone surrogate: bytes no UTF-8 allows


def _authorized(headers: dict[str, str], script: Script) -> bool:
    """The operator with the password, in either scheme (the fake knows one role); and
    whatever holes the script opens."""
    password = script.password
    if (
        "doc-headers" in script.schemes
        and headers.get("username") == "operator"
        and headers.get("password")
        in (
            password,
            *([""] if script.empty_password else []),
        )
    ):
        return True
    auth = headers.get("authorization", "")
    if "basic" in script.schemes and auth.startswith("Basic ") and auth != "Basic Auth":
        if script.any_basic:
            return True
        try:
            user, _, given = base64.b64decode(auth[6:]).decode("utf-8").partition(":")
        except ValueError:
            return False
        return user == "operator" and given in (password, *([""] if script.empty_password else []))
    return False


class HostileDevice:
    def __init__(self, script: Script) -> None:
        self.script = script
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(16)
        self.port = self.server.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._stop = threading.Event()

    def serve(self) -> None:
        self.server.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self.server.accept()
            except OSError:
                continue
            threading.Thread(target=self._connection, args=(conn,), daemon=True).start()

    def _connection(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        buffer = b""
        with conn:
            while not self._stop.is_set():
                while b"\r\n\r\n" not in buffer:
                    try:
                        chunk = conn.recv(65536)
                    except OSError:
                        return
                    if not chunk:
                        return
                    buffer += chunk
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = [*lines[0].split(" "), "", ""][:3]
                headers = {}
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length", "0") or 0)
                while len(buffer) < length:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                buffer = buffer[length:]
                self.script.seen.append(headers)
                try:
                    conn.sendall(self._answer(method, path, headers))
                except OSError:
                    return

    def _answer(self, method: str, path: str, headers: dict[str, str]) -> bytes:
        s = self.script
        status, reason, body, extra = 200, s.reason, b"", list(s.headers)
        variant = path != "/rest/full_state" and path.lower().replace("//", "/").replace(
            "%5f", "_"
        ).replace("/./", "/").rstrip("/").split("?")[0] in ("/rest/full_state",)
        key = path.removeprefix("/rest/")
        unprotected = (variant and s.open_variants) or key in s.open_keys
        if variant and s.open_variants:
            path = "/rest/full_state"
        if not path.startswith("/rest/"):
            status, reason, body = 404, b"Not Found", b"not found\n"
        elif method not in ("GET", "HEAD"):
            status, reason, body = 405, b"Method Not Allowed", b"read-only\n"
            extra.append(b"Allow: GET, HEAD")
        elif not unprotected and not _authorized(headers, s):
            status = s.refusal
            reason = b"Unauthorized" if status == 401 else b"Forbidden"
            body = b"unauthorized\n"
            if s.refusal_echo:
                body = b"wrong password: " + headers.get("password", "").encode("latin-1") + b"\n"
            if status == 401 and s.challenge:
                extra.append(b'WWW-Authenticate: Basic realm="fake"')
        elif path == "/rest/full_state":
            body = s.body()
        else:
            value = s.value(path.removeprefix("/rest/"))
            if value is None:
                status, reason, body = 404, b"Not Found", b"unknown key\n"
            else:
                body = value
        if s.cookie:
            extra.append(b"Set-Cookie: session=ccrest-cookie-from-device; Path=/")
        head = [
            b"HTTP/1.1 %d %s" % (status, reason),
            b"Content-Type: " + (s.content_type if status == 200 else b"text/plain"),
            b"Content-Length: %d" % len(body),
            *extra,
        ]
        sent = b"" if method == "HEAD" and not s.head_body else body
        return b"\r\n".join(head) + b"\r\n\r\n" + sent

    def stop(self) -> None:
        self._stop.set()
        self.server.close()


@contextmanager
def hostile(script: Script) -> Iterator[HostileDevice]:
    device = HostileDevice(script)
    thread = threading.Thread(target=device.serve, daemon=True)
    thread.start()
    try:
        yield device
    finally:
        device.stop()
        thread.join(timeout=5)


def conformant_pairs() -> list[tuple[str, str]]:
    """A conformant full_state's key:value pairs (the bundled simulator's, charging), as the
    starting point a test makes hostile."""
    from ccrest.simulator import Simulator
    from ccrest.wire import parse_full_state

    with Simulator(speed=0) as sim:
        assert sim.device is not None
        sim.device.plug(max_current=16)
        body, _ = sim.source.full_state()
    return [(k, str(v)) for k, v in parse_full_state(body).values.items()]

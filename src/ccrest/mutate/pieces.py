"""The small pieces mutants and variants are made of: each a ``Piece`` of ``ccrest.mutate.proxy``
that changes one thing in what a device answers. Values change as values (the same change in
full_state and in the key's own answer, as a firmware bug would show it), keys as keys,
requests and answers as HTTP. Pieces compose: a mutant or a variant is a tuple of them.
"""

from __future__ import annotations

import base64
import random
import threading
from collections.abc import Callable, Collection

from ccrest.mutate.proxy import Answer, Conduct, Context, Pairs, Piece, Request

Change = Callable[[object], object]


def value(key: str, change: Change) -> Piece:
    """``change`` applied to the key's value in every answer that shows it."""

    def pairs(items: Pairs, n: int) -> Pairs:
        return [(k, change(v) if k == key else v) for k, v in items]

    def one(name: str, current: object, n: int) -> object:
        return change(current) if name == key else current

    return Piece(pairs=pairs, value=one)


def full_state_only(key: str, change: Change) -> Piece:
    return Piece(pairs=lambda items, n: [(k, change(v) if k == key else v) for k, v in items])


def per_key_only(key: str, change: Callable[[object], object | None]) -> Piece:
    return Piece(value=lambda name, current, n: change(current) if name == key else current)


def frozen(key: str, uneven: bool = False) -> Piece:
    """The key shows its first value for ever (a register that stopped). ``uneven``: a whole
    number that is a multiple of 10 is moved off it by 3 first, since a register that stops
    at a round reading looks like a coarse one (10 Wh to 1 kWh steps) until it should have
    moved by a step: that mutant would be caught only after minutes, by chance."""
    first: dict[str, object] = {}
    lock = threading.Lock()

    def change(current: object) -> object:
        with lock:
            if key not in first:
                number = _as_number(current)
                round_ = uneven and number == int(number) and int(number) % 10 == 0
                first[key] = _number_like(current, number + 3) if round_ else current
            return first[key]

    return value(key, change)


def backwards(key: str, step: float = 7.0) -> Piece:
    """The key's number falls by ``step`` on every answer (a counter running backwards)."""
    reads = [0]
    lock = threading.Lock()

    def change(current: object) -> object:
        with lock:
            reads[0] += 1
            n = reads[0]
        return _number_like(current, _as_number(current) - step * n)

    return value(key, change)


def jitter(key: str, seed: int, most: float = 600.0) -> Piece:
    """The key's number jumps ahead by up to ``most`` on some answers (a meter that skips)."""
    rng = random.Random(seed)
    total = [0.0]
    lock = threading.Lock()

    def change(current: object) -> object:
        with lock:
            total[0] += rng.choice((0.0, most))
            added = total[0]
        return _number_like(current, _as_number(current) + added)

    return value(key, change)


def missing(key: str, every: int = 1) -> Piece:
    """The key is absent from full_state (from every ``every``-th read, counting from the
    second: 2 makes it missing now and then)."""
    return Piece(
        pairs=lambda items, n: [
            (k, v) for k, v in items if k != key or (every > 1 and n % every != 1)
        ]
    )


def renamed(key: str, new: str) -> Piece:
    return Piece(pairs=lambda items, n: [(new if k == key else k, v) for k, v in items])


def duplicated(key: str) -> Piece:
    def pairs(items: Pairs, n: int) -> Pairs:
        out = list(items)
        out += [(k, v) for k, v in items if k == key]
        return out

    return Piece(pairs=pairs)


def extra_line(line: str) -> Piece:
    """A line the text form does not allow, at the end of full_state."""

    def answer(request: Request, got: Answer, context: Context) -> Answer:
        if request.path != "/rest/full_state" or got.status != 200 or request.method != "GET":
            return got
        return Answer(got.status, got.headers, got.body + line.encode() + b"\n", got.reason)

    return Piece(answer=answer)


def raw_value(key: str, raw: bytes) -> Piece:
    """The key's value replaced by raw bytes, in full_state's text form."""

    def answer(request: Request, got: Answer, context: Context) -> Answer:
        if request.path != "/rest/full_state" or got.status != 200 or request.method != "GET":
            return got
        lines = [
            (key.encode() + b":" + raw) if line.split(b":", 1)[0] == key.encode() else line
            for line in got.body.split(b"\n")
        ]
        return Answer(got.status, got.headers, b"\n".join(lines), got.reason)

    return Piece(answer=answer)


def prefixed(key: str) -> Piece:
    """/rest/<key> answers ``key:value`` instead of the bare value."""
    return per_key_only(key, lambda current: f"{key}:{current}")


def status(path: str, code: int, methods: tuple[str, ...] = ("GET",)) -> Piece:
    """``path`` answers ``code`` (with a plain-text body) to ``methods``."""

    def request(req: Request, context: Context) -> Request | Answer:
        if req.path.split("?", 1)[0] == path and req.method in methods:
            return Answer(code, [("Content-Type", "text/plain")], f"{code}\n".encode())
        return req

    return Piece(request=request)


def content_type(path: str, media: str) -> Piece:
    def answer(request: Request, got: Answer, context: Context) -> Answer:
        if request.path.split("?", 1)[0] == path and got.status == 200:
            return got.with_header("Content-Type", media)
        return got

    return Piece(answer=answer)


def writes_answered(code: int, body: bytes = b"ok\n") -> Piece:
    """A write under /rest/ answered ``code`` (it changes nothing)."""

    def request(req: Request, context: Context) -> Request | Answer:
        if req.method in ("POST", "PUT", "PATCH", "DELETE") and req.path.startswith("/rest/"):
            return Answer(code, [("Content-Type", "text/plain")], body)
        return req

    return Piece(request=request)


def head_with_body() -> Piece:
    """HEAD answered with the GET body after its head (RFC 9110 9.3.2 forbids it)."""

    def answer(request: Request, got: Answer, context: Context) -> Answer:
        if request.method != "HEAD":
            return got
        full = context.fetch(Request("GET", request.path, request.headers))
        return Answer(got.status, got.headers, full.body, got.reason)

    return Piece(answer=answer)


def head_status(code: int) -> Piece:
    def request(req: Request, context: Context) -> Request | Answer:
        if req.method == "HEAD":
            return Answer(code, [("Content-Type", "text/plain")], b"")
        return req

    return Piece(request=request)


def unknown_keys_answered() -> Piece:
    """An undocumented key answers 200 (the device makes up a value)."""

    def answer(request: Request, got: Answer, context: Context) -> Answer:
        if got.status == 404 and request.path.startswith("/rest/") and request.method == "GET":
            return Answer(200, [("Content-Type", "text/plain")], b"0")
        return got

    return Piece(answer=answer)


def state_outside(path: str) -> Piece:
    """A path outside /rest/ shows full_state without credentials (a debug page)."""

    def request(req: Request, context: Context) -> Request | Answer:
        if req.path == path and req.method == "GET":
            return context.fetch(Request("GET", "/rest/full_state", context.credentials))
        return req

    return Piece(request=request)


# -- credentials ------------------------------------------------------------------------------


def _credentialed(req: Request, context: Context) -> Request:
    headers = {
        k: v for k, v in req.headers.items() if k not in ("authorization", "username", "password")
    }
    return Request(
        req.method,
        req.path,
        headers | {k.lower(): v for k, v in context.credentials.items()},
        req.body,
    )


def open_without_credentials(path: str) -> Piece:
    """``path`` answers without credentials: a request with none is let in."""

    def request(req: Request, context: Context) -> Request | Answer:
        bare = not any(k in req.headers for k in ("authorization", "username", "password"))
        if req.path == path and bare:
            return _credentialed(req, context)
        return req

    return Piece(request=request)


def open_spelling(spelling: str) -> Piece:
    """Another spelling of full_state's path answers it, unprotected."""

    def request(req: Request, context: Context) -> Request | Answer:
        if req.path == spelling:
            return _credentialed(
                Request(req.method, "/rest/full_state", req.headers, req.body), context
            )
        return req

    return Piece(request=request)


def _basic(req: Request) -> tuple[str, str] | None:
    auth = req.headers.get("authorization", "")
    if not auth.startswith("Basic ") or auth == "Basic Auth":
        return None
    try:
        user, _, password = base64.b64decode(auth[6:]).decode("utf-8").partition(":")
    except ValueError:
        return None
    return user, password


def _given(req: Request) -> tuple[str, str] | None:
    """The credentials a request carries, in either scheme."""
    basic = _basic(req)
    if basic is not None:
        return basic
    if "username" in req.headers or "password" in req.headers:
        return req.headers.get("username", ""), req.headers.get("password", "")
    return None


def let_in(accept: Callable[[tuple[str, str], Request], bool]) -> Piece:
    """Credentials ``accept`` says yes to are let in, whatever the device would say."""

    def request(req: Request, context: Context) -> Request | Answer:
        given = _given(req)
        if given is not None and accept(given, req):
            return _credentialed(req, context)
        return req

    return Piece(request=request)


def refusals(change: Callable[[Request, Answer], Answer]) -> Piece:
    """Every refusal (401 or 403) rewritten by ``change``."""

    def answer(request: Request, got: Answer, context: Context) -> Answer:
        return change(request, got) if got.status in (401, 403) else got

    return Piece(answer=answer)


def _number_like(current: object, number: float) -> object:
    if isinstance(current, int | float) and not isinstance(current, bool):
        return type(current)(number) if isinstance(current, int) else number
    text = str(current)
    decimals = len(text.split(".", 1)[1]) if "." in text else 0
    return f"{number:.{decimals}f}"


def _as_number(current: object) -> float:
    try:
        return float(str(current).split(",")[0])
    except ValueError:
        return 0.0


# -- what the specification and its standards allow (variants) ------------------------------


def reordered(seed: int) -> Piece:
    """The keys in another order (a client reads by name, not by line)."""
    rng = random.Random(seed)
    order: list[str] = []
    lock = threading.Lock()

    def pairs(items: Pairs, n: int) -> Pairs:
        with lock:
            if not order:
                names = [k for k, _ in items]
                rng.shuffle(names)
                order.extend(names)
        rank = {k: i for i, k in enumerate(order)}
        return sorted(items, key=lambda kv: rank.get(kv[0], len(rank)))

    return Piece(pairs=pairs)


def body(change: Callable[[bytes], bytes]) -> Piece:
    """full_state's body, as bytes, changed."""
    return _full_state_body(change)


def refuse_header_scheme() -> Piece:
    """Requests that carry only the documented Username/Password headers are refused (the
    device reads Basic credentials only)."""

    def request(req: Request, context: Context) -> Request | Answer:
        if req.path.startswith("/rest") and _basic(req) is None and "password" in req.headers:
            return Answer(401, [("WWW-Authenticate", 'Basic realm="rest"')], b"401\n")
        return req

    return Piece(request=request)


def _full_state_body(change: Callable[[bytes], bytes]) -> Piece:
    def answer(request: Request, got: Answer, context: Context) -> Answer:
        if request.path != "/rest/full_state" or got.status != 200 or request.method != "GET":
            return got
        return Answer(got.status, got.headers, change(got.body), got.reason)

    return Piece(answer=answer)


def crlf() -> Piece:
    """Lines end in CR LF."""
    return _full_state_body(lambda body: body.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))


def bom() -> Piece:
    """The body starts with a UTF-8 byte order mark."""
    return _full_state_body(lambda body: b"\xef\xbb\xbf" + body)


def space_after_colon() -> Piece:
    """``key: value``, as some firmware writes it."""
    return _full_state_body(
        lambda body: b"\n".join(
            line.replace(b":", b": ", 1) if b":" in line else line for line in body.split(b"\n")
        )
    )


OCPP_15 = {  # OCPP 1.6's statuses of a connector in use, as OCPP 1.5 names them: Occupied
    "preparing": "occupied",
    "charging": "occupied",
    "suspendedev": "occupied",
    "suspendedevse": "occupied",
    "finishing": "occupied",
}


def ocpp_15() -> Piece:
    """ocpp_state in OCPP 1.5's words (the specification lists both versions' statuses)."""
    return value("ocpp_state", lambda v: OCPP_15.get(str(v), v))


def refused_with(status: int) -> Piece:
    """Every refusal a ``status``, which needs no challenge: 403 (RFC 9110 15.5.4), or 404
    to hide that the resource exists (15.5.5)."""
    body = f"{status} {'forbidden' if status == 403 else 'not found'}\n".encode()
    return refusals(lambda req, got: Answer(status, [("Content-Type", "text/plain")], body))


def masked_uid() -> Piece:
    """auth_uid masked with asterisks rather than empty while a card is known (REST enabled
    without UID); empty while none is."""
    return value("auth_uid", lambda v: "*" * 14 if v else v)


def idle_noise() -> Piece:
    """A measuring transformer's offset: a hair below zero on one phase, at rest."""

    def noisy(current: object) -> object:
        parts = str(current).split(",")
        if any(float(p) != 0 for p in parts):
            return current
        return ",".join("-0.01" if i == 1 else "0.00" for i in range(len(parts)))

    return value("current_a", noisy)


def latin1_declared(text: str) -> Piece:
    """display_text with a character outside ASCII, every text answer in Latin-1, as its
    Content-Type says (RFC 2046 4.1.2): full_state and /rest/display_text alike."""

    def answer(request: Request, got: Answer, context: Context) -> Answer:
        media = dict((k.lower(), v) for k, v in got.headers).get("content-type", "")
        if got.status != 200 or not media.startswith("text/plain"):
            return got
        try:
            body = got.body.decode("utf-8").encode("latin-1")
        except (UnicodeDecodeError, UnicodeEncodeError):
            return got
        return Answer(got.status, got.headers, body, got.reason).with_header(
            "Content-Type", "text/plain; charset=ISO-8859-1"
        )

    changed = value("display_text", lambda v: text)
    return Piece(pairs=changed.pairs, value=changed.value, answer=answer)


def http_10() -> Piece:
    """HTTP/1.0 answers whose body ends where the connection closes (no Content-Length)."""
    return Piece(http10=True)


def writes_answered_like_reads() -> Piece:
    """A write answered like the read of the same path, changing nothing."""

    def request(req: Request, context: Context) -> Request | Answer:
        if req.method in ("POST", "PUT", "PATCH", "DELETE") and req.path.startswith("/rest/"):
            return context.fetch(_credentialed(Request("GET", req.path, req.headers), context))
        return req

    return Piece(request=request)


# -- the connection (RFC 9112 section 9) --------------------------------------------------------


def kind_of(req: Request, keys: Collection[str], configured: tuple[str, str]) -> str:
    """A request's kind, as the suite's requests differ: method, where (full_state, a
    documented key, another /rest path, outside /rest) and which credentials (the configured
    ones, other ones, none): ``GET-key-none``."""
    path = req.path.split("?", 1)[0]
    if path == "/rest/full_state":
        where = "full_state"
    elif path.startswith("/rest/") and path[len("/rest/") :] in keys:
        where = "key"
    elif path.lower().startswith("/rest"):
        where = "other-rest"
    else:
        where = "outside"
    given = _given(req)
    if given is None and "password" not in req.headers and "authorization" not in req.headers:
        credentials = "none"
    else:
        credentials = "configured" if given == configured else "other"
    return f"{req.method}-{where}-{credentials}"


def left_unanswered(
    matches: Callable[[Request], bool], conduct: str = Conduct.RESET_UNANSWERED, times: int = 1
) -> Piece:
    """Requests ``matches`` picks left without an answer, reset or closed, until ``times`` of
    them came on a connection of their own (its first request: no idle close explains it; one
    on a reused connection a client sends again on a new one, RFC 9112 9.3.1.1)."""
    left = [times]
    lock = threading.Lock()

    def decide(req: Request, turn: int) -> str:
        if not matches(req):
            return Conduct.ANSWER
        with lock:
            if left[0] <= 0:
                return Conduct.ANSWER
            if not turn:
                left[0] -= 1
        return conduct

    return Piece(conduct=decide)


def closes_after_answers(announced: bool) -> Piece:
    """Every connection closed after its answer, which is whole (RFC 9112 9.6: a server may
    close when it likes; ``announced``: saying so with Connection: close)."""
    conduct = Conduct.CLOSE_ANNOUNCED if announced else Conduct.CLOSE_AFTER
    return Piece(conduct=lambda req, turn: conduct)


def idle_closes(every: int = 3) -> Piece:
    """Every ``every``-th request that reuses a connection finds it closed unanswered: an idle
    timeout racing the request (RFC 9112 9.3.1.1 lets a client send it again, RFC 9110 9.2.2
    only an idempotent one; a careful client sends no write on a reused connection)."""
    count = [0]
    lock = threading.Lock()

    def decide(req: Request, turn: int) -> str:
        if not turn:
            return Conduct.ANSWER
        with lock:
            count[0] += 1
            hit = count[0] % every == 0
        return Conduct.CLOSE_UNANSWERED if hit else Conduct.ANSWER

    return Piece(conduct=decide)

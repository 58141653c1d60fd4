"""The client: checked URLs, both credential schemes, redaction where exchanges are recorded,
bounded reads, a deadline, and giving up on a device that is gone."""

from __future__ import annotations

import base64
import contextlib
import socket
import struct
import threading
import time
import zlib
from collections.abc import Iterator

import pytest

from ccrest.client import Client, ClientError, auth_headers, check_url
from ccrest.simulator import Credentials, Simulator

SECRET = "Very-Secret-Pw-42"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("127.0.0.1", "must look like"),
        ("ftp://127.0.0.1", "must look like"),
        ("http://op:pw@127.0.0.1", "must not carry credentials"),
        ("http://127.0.0.1/rest/full_state", "must not have a path"),
        ("http://127.0.0.1:99999", "out of range"),
    ],
)
def test_bad_urls(url: str, says: str) -> None:
    with pytest.raises(ClientError, match=says):
        check_url(url)


def test_good_url_is_normalised() -> None:
    assert check_url("http://127.0.0.1:8080/") == "http://127.0.0.1:8080"


def test_both_schemes() -> None:
    assert auth_headers("doc-headers", "operator", "pw") == {
        "Authorization": "Basic Auth",
        "Username": "operator",
        "Password": "pw",
    }
    token = base64.b64encode(b"operator:pw").decode()
    assert auth_headers("basic", "operator", "pw") == {"Authorization": f"Basic {token}"}
    with pytest.raises(ClientError, match="doc-headers, basic"):
        auth_headers("digest", "operator", "pw")


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator(credentials=Credentials(operator=SECRET), speed=0) as sim:
        yield sim


@pytest.mark.parametrize("scheme", ["doc-headers", "basic"])
def test_secrets_are_redacted_where_recorded(sim: Simulator, scheme: str) -> None:
    client = Client(sim.url, "operator", SECRET, scheme)
    ok = client.get("/rest/full_state")
    wrong = client.get("/rest/full_state", credentials=("operator", "Other-Wrong-Pw-9"))
    assert (ok.status, wrong.status) == (200, 401)
    recorded = repr(client.history)
    for secret in (
        SECRET,
        base64.b64encode(f"operator:{SECRET}".encode()).decode(),
        "Other-Wrong-Pw-9",
    ):
        assert secret not in recorded
    assert SECRET not in repr(client)
    assert client.redact(f"x {SECRET} y") == "x *** y"


def test_literal_basic_auth_header_is_kept(sim: Simulator) -> None:
    ex = Client(sim.url, "operator", SECRET).get("/rest/conn_state")
    assert ex.request_headers["Authorization"] == "Basic Auth"
    assert ex.request_headers["Password"] == "***"


def test_requests_are_counted(sim: Simulator) -> None:
    client = Client(sim.url, "operator", SECRET)
    for _ in range(3):
        client.get("/rest/conn_state")
    assert client.requests == 3 and len(client.history) == 3


def serve(answer: bytes, *, pace: float = 0.0, count: int = 10) -> tuple[int, threading.Thread]:
    """A fake device on loopback: answers ``count`` connections with ``answer`` (optionally a
    byte every ``pace`` seconds), then stops."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(10)

    def run() -> None:
        with server:
            for _ in range(count):
                try:
                    conn, _ = server.accept()
                except OSError:
                    return
                with conn:
                    conn.recv(65536)
                    try:
                        if pace:
                            for byte in answer:
                                conn.sendall(bytes([byte]))
                                time.sleep(pace)
                        else:
                            conn.sendall(answer)
                    except OSError:
                        pass

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return server.getsockname()[1], thread


def test_large_body_is_cut(sim: Simulator) -> None:
    body = b"k:v\n" * 1_000_000
    head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n\r\n".encode()
    port, _ = serve(head + body, count=1)
    ex = Client(f"http://127.0.0.1:{port}", "operator", "x", max_body=100_000).get("/rest/x")
    assert ex.status == 200 and ex.truncated and len(ex.body) == 100_000


def test_slow_body_hits_the_deadline() -> None:
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"x" * 1000
    port, _ = serve(answer, pace=0.05, count=1)
    start = time.monotonic()
    ex = Client(f"http://127.0.0.1:{port}", "operator", "x", timeout=0.5).get("/rest/x")
    assert ex.error and "no complete answer within 1 s" in ex.error
    assert time.monotonic() - start < 5


def test_gives_up_after_repeated_transport_errors() -> None:
    port, _ = serve(b"", count=10)  # accepts, reads, closes without answering
    client = Client(f"http://127.0.0.1:{port}", "operator", "x", timeout=1)
    results = [client.get("/rest/full_state") for _ in range(5)]
    assert [r.sent for r in results] == [True, True, True, False, False]
    assert client.requests == 3
    assert "stopped answering (3 transport errors in a row" in results[-1].error


def test_environment_proxies_are_ignored(sim: Simulator, monkeypatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "")
    assert Client(sim.url, "operator", SECRET).get("/rest/conn_state").status == 200


def test_timeout_must_be_positive(sim: Simulator) -> None:
    with pytest.raises(ClientError, match="above 0"):
        Client(sim.url, "operator", SECRET, timeout=0)


def test_dripping_status_line_and_headers_hit_the_deadline() -> None:
    """A per-read timeout never trips on a byte every 50 ms; the whole exchange is bounded."""
    head = b"HTTP/1.1 200 OK\r\nX-Padding: " + b"y" * 400 + b"\r\n"
    port, _ = serve(head, pace=0.05, count=1)
    ex = Client(f"http://127.0.0.1:{port}", "operator", "x", timeout=0.5).get("/rest/x")
    assert ex.error is not None and "no complete answer within 1 s" in ex.error
    assert ex.status is None


def test_compressed_body_is_inflated_within_the_byte_bound() -> None:
    """A gzip body that inflates to 64 MiB is inflated to the limit and cut there."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    data = packer.compress(b"k:v\n" + bytes(64 << 20)) + packer.flush()
    head = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(data)
    port, _ = serve(head + data, count=1)
    ex = Client(f"http://127.0.0.1:{port}", "operator", "x", max_body=100_000).get("/rest/x")
    assert ex.status == 200 and ex.truncated and len(ex.body) == 100_000
    assert ex.body.startswith(b"k:v\n")


@pytest.mark.parametrize("url", ["http://[::1", "http://[::1/", "http://host:99999"])
def test_broken_urls_are_usage_errors(url: str) -> None:
    with pytest.raises(ClientError, match=r"^controller URL '.*': "):
        check_url(url)


@pytest.mark.parametrize("timeout", [float("nan"), float("inf"), -1.0])
def test_timeout_must_be_a_finite_positive_number(timeout: float, sim: Simulator) -> None:
    with pytest.raises(ClientError, match="above 0"):
        Client(sim.url, "operator", SECRET, timeout=timeout)


def test_history_keeps_excerpts_of_old_bodies(monkeypatch) -> None:
    """A device that answers a megabyte every time cannot fill the memory through history."""
    monkeypatch.setattr("ccrest.client.HISTORY_BYTES", 3 << 20)
    body = b"k:v\n" * 250_000
    answer = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body
    port, _ = serve(answer, count=8)
    client = Client(f"http://127.0.0.1:{port}", "operator", "x", timeout=2)
    for _ in range(8):
        assert client.get("/rest/full_state").status == 200
    kept = sum(len(ex.body) for ex in client.history)
    assert kept <= (3 << 20) + len(body)
    assert client.history[0].body_size == len(body) > len(client.history[0].body)
    assert client.history[-1].body == body, "the latest answer is whole"


def test_a_secret_is_masked_in_every_encoding_and_at_a_cut() -> None:
    from ccrest.masking import Secrets

    secret = 'Zürich "Secret" 7f3a'
    secrets = Secrets()
    secrets.add(secret)
    body = b"".join(
        [
            secret.encode(),
            b"|",
            secret.encode("latin-1"),
            b"|",
            b'Z\\u00fcrich \\"Secret\\" 7f3a',  # JSON-escaped, ASCII
            b"|",
            b"Z%C3%BCrich%20%22Secret%22%207f3a",
            b"|",
            b"Z%c3%bcrich+%22Secret%22+7f3a",
            b"|",
            secret.encode()[:12],  # the body was cut inside the secret
        ]
    )
    masked = secrets.body(body, cut=True)
    assert masked == b"***|***|***|***|***|***", masked
    tail = "ends with Zür".encode()
    assert secrets.body(tail, cut=False) == tail, "no cut, no guess"


def held_open(answer: bytes) -> tuple[int, dict[str, bool], threading.Thread]:
    """A fake device that answers once and then keeps the connection open, ignoring the
    client's ``Connection: close`` (as embedded servers do), until the client hangs up or 30 s
    pass; it records which came first."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(30)
    seen = {"client_hung_up": False}

    def run() -> None:
        with server:
            conn, _ = server.accept()
            with conn:
                conn.settimeout(30)
                conn.recv(65536)
                conn.sendall(answer)
                with contextlib.suppress(OSError):
                    seen["client_hung_up"] = conn.recv(1) == b""

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return server.getsockname()[1], seen, thread


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nconn_state:x\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nd\r\nconn_state:x\n\r\n0\r\n\r\n",
        b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n",
    ],
    ids=["content-length", "chunked", "empty"],
)
def test_raw_request_ends_with_the_answer_not_the_connection(answer: bytes) -> None:
    """A raw request stops reading when the answer is complete: a device that keeps the
    connection open is not waited on until the timeout (60 s here)."""
    port, seen, device = held_open(answer)
    ex = Client(f"http://127.0.0.1:{port}", "operator", "x", timeout=30).raw("GET", "/rest//x")
    assert ex.error is None and ex.status in (200, 401)
    device.join(40)
    assert seen["client_hung_up"], "the client waited for the device to close"


@pytest.mark.parametrize(
    ("after", "body"), [(b"", b""), (b"conn_state:x\n", b"conn_state:x\n")], ids=["none", "body"]
)
def test_raw_head_sees_a_body_on_a_connection_kept_open(after: bytes, body: bytes) -> None:
    """HEAD's head is complete without a body; bytes that follow it at once are a body (RFC
    9110 9.3.2 forbids it), seen although the device never closes the connection."""
    port, seen, device = held_open(b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\n" + after)
    ex = Client(f"http://127.0.0.1:{port}", "operator", "x", timeout=30).raw_head("/rest/x")
    assert ex.error is None and ex.status == 200 and ex.body == body
    device.join(40)
    assert seen["client_hung_up"]


BODY = b"conn_state:no_vehicle_connected\nmeter_wh:1234\n"


def gzipped(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    return packer.compress(data) + packer.flush()


def answer(*fields: bytes, body: bytes = BODY, before: bytes = b"") -> bytes:
    return before + b"HTTP/1.1 200 OK\r\n" + b"".join(f + b"\r\n" for f in fields) + b"\r\n" + body


# framing HTTP allows: each reads as the body it carries (found by an outside audit of the
# transport, the first three as false alarms, RFC 9110 15.2, 8.6 and RFC 1952 2.2)
ALLOWED = {
    "103 early hints": answer(
        b"Content-Length: %d" % len(BODY), before=b"HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n"
    ),
    "100 continue": answer(
        b"Content-Length: %d" % len(BODY), before=b"HTTP/1.1 100 Continue\r\n\r\n"
    ),
    "gzip of two members": answer(
        b"Content-Encoding: gzip",
        b"Content-Length: %d" % len(gzipped(BODY[:20]) + gzipped(BODY[20:])),
        body=gzipped(BODY[:20]) + gzipped(BODY[20:]),
    ),
    "Content-Length: N, N": answer(b"Content-Length: %d, %d" % (len(BODY), len(BODY))),
}
# framing that is broken: never read as a good answer (RFC 9112 6.3, RFC 1952 2.3.1)
BROKEN = {
    "two Content-Lengths": (
        answer(b"Content-Length: %d" % len(BODY), b"Content-Length: %d" % (len(BODY) + 11)),
        "Content-Length given as",
    ),
    "gzip without its trailer": (
        answer(b"Content-Encoding: gzip", body=gzipped(BODY)[:-8]),
        "compressed body ends early",
    ),
}


@pytest.mark.parametrize("raw", list(ALLOWED.values()), ids=list(ALLOWED))
def test_framing_http_allows_reads_as_the_body(raw: bytes) -> None:
    port, _ = serve(raw, count=2)
    client = Client(f"http://127.0.0.1:{port}", "operator", "x", timeout=2)
    ex = client.get("/rest/full_state")
    assert (ex.status, ex.body, ex.error) == (200, BODY, None)
    raw_head = client.raw("GET", "/rest/full_state")
    assert raw_head.status == 200, "the raw path skips an interim answer too"


@pytest.mark.parametrize(("raw", "says"), list(BROKEN.values()), ids=list(BROKEN))
def test_broken_framing_is_never_a_good_answer(raw: bytes, says: str) -> None:
    port, _ = serve(raw, count=1)
    ex = Client(f"http://127.0.0.1:{port}", "operator", "x", timeout=2).get("/rest/full_state")
    assert ex.transport_failed and says in (ex.error or ""), ex.error


def test_a_request_the_device_closed_an_idle_connection_under_is_sent_again() -> None:
    """A conformant device closing its keep-alive connection as the next GET arrives: the GET
    is sent again on a new connection (RFC 9112 section 9.3.1.1), never a false failure."""
    port, seen = scripted_device(["answer", "close"], ["answer", "close"])
    client = Client(f"http://127.0.0.1:{port}", "operator", "x", timeout=2)
    first, second = client.get("/rest/a"), client.get("/rest/b")
    assert (first.status, first.error, second.status, second.error) == (200, None, 200, None)
    assert [len(s) for s in seen[:2]] == [2, 1], "the second GET reached it twice: once unanswered"
    assert client.requests == 2 and len(client.history) == 2


def test_a_device_that_closes_a_new_connection_unanswered_fails() -> None:
    """Sent again once, on a new connection: a device that closes that one too has failed."""
    port, seen = scripted_device(["close"], ["close"])
    exchange = Client(f"http://127.0.0.1:{port}", "operator", "x", timeout=2).get("/rest/a")
    assert exchange.status is None and "closed" in (exchange.error or "").lower(), exchange
    assert [len(s) for s in seen] == [1], "a fresh connection's failure is not retried"


def test_a_write_is_never_sent_twice() -> None:
    """A write the device closes its (new) connection under, unanswered: reported, not sent
    again; the next request goes out on a connection of its own."""
    port, seen = scripted_device(["answer"], ["close"], ["answer"])
    client = Client(f"http://127.0.0.1:{port}", "operator", "x", timeout=2)
    assert client.get("/rest/a").status == 200
    write = client.request("POST", "/rest/a", data=b"x")
    assert write.status is None and write.error, write
    assert client.get("/rest/a").status == 200
    assert seen == [["GET /rest/a HTTP/1.1"], ["POST /rest/a HTTP/1.1"], ["GET /rest/a HTTP/1.1"]]


OK_ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def scripted_device(*connections: list[str]) -> tuple[int, list[list[str]]]:
    """A device whose n-th connection does, for its requests in turn, what the n-th script
    says: ``answer``; ``close`` (read it, close unanswered and without having said it would:
    an idle timer fired just as the request came, which RFC 9112 section 9.5 allows);
    ``cut`` (the status line and half a head of a 500, then a reset); ``double`` (the answer
    twice). Returns its port and, per connection, the first line of each request it
    received."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(10)
    seen: list[list[str]] = []

    def run() -> None:
        with server:
            for script in connections:
                try:
                    conn, _ = server.accept()
                except OSError:
                    return
                seen.append([])
                with conn, contextlib.suppress(OSError):
                    conn.settimeout(10)
                    for action in script:
                        request = conn.recv(65536)
                        if not request:
                            break
                        seen[-1].append(request.split(b"\r\n", 1)[0].decode())
                        if action == "answer":
                            conn.sendall(OK_ANSWER)
                        elif action == "answer-then-408":  # idle: timed out, and said so
                            conn.sendall(OK_ANSWER)
                            time.sleep(0.05)
                            conn.sendall(TIMED_OUT)
                            break
                        elif action == "408":  # the request met the idle timeout
                            conn.sendall(TIMED_OUT)
                            break
                        elif action == "answer+408":  # the idle close's 408 in the same write
                            conn.sendall(OK_ANSWER + TIMED_OUT)
                            break
                        elif action == "answer-then-408-trickled":  # a byte every 20 ms
                            conn.sendall(OK_ANSWER)
                            for byte in TIMED_OUT:
                                time.sleep(0.02)
                                conn.sendall(bytes([byte]))
                            break
                        elif action == "double":
                            conn.sendall(OK_ANSWER + OK_ANSWER)
                        elif action == "cut":
                            conn.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Ty")
                            conn.setsockopt(
                                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                            )
                            break
                        else:
                            break  # close, unanswered

    threading.Thread(target=run, daemon=True).start()
    return server.getsockname()[1], seen


def test_an_answer_broken_off_is_never_sent_again() -> None:
    """Half a head and a reset on a reused connection: the device answered, badly; sending
    the GET again would turn its failure into a clean 200 (an audit's false CONFORMS)."""
    port, seen = scripted_device(["answer", "cut"], ["answer"])
    client = Client(f"http://127.0.0.1:{port}", "operator", "x", timeout=2)
    assert client.get("/rest/a").status == 200
    broken = client.get("/rest/b")
    assert broken.status is None and broken.error, broken
    assert seen[0] == ["GET /rest/a HTTP/1.1", "GET /rest/b HTTP/1.1"] and len(seen) == 1
    assert client.resent == 0


def test_an_answer_nobody_asked_for_is_reported() -> None:
    """Every answer sent twice: the second is bytes after the first's end, which a client
    reading on would take for its next answer (RFC 9112 section 6.3); never dropped unsaid."""
    port, _ = scripted_device(["double"], ["answer"])
    client = Client(f"http://127.0.0.1:{port}", "operator", "x", timeout=2)
    doubled = client.get("/rest/a")
    assert doubled.status is None and "followed by 40 B no request asked for" in (
        doubled.error or ""
    ), doubled
    assert client.get("/rest/b").status == 200, "the next opens a connection of its own"


def test_a_write_goes_out_on_a_new_connection() -> None:
    """A device that closes its idle connection as a request comes: a write is never sent
    twice, so it goes out on a connection of its own and gets its answer."""
    port, seen = scripted_device(["answer", "close"], ["answer"], ["answer"])
    client = Client(f"http://127.0.0.1:{port}", "operator", "x", timeout=2)
    assert client.get("/rest/a").status == 200
    write = client.request("POST", "/rest/a", data=b"x")
    assert (write.status, write.error) == (200, None), write
    assert seen[:2] == [["GET /rest/a HTTP/1.1"], ["POST /rest/a HTTP/1.1"]]


@pytest.mark.parametrize(
    "cut",
    [b"HTTP/1.1 200 OK\r\n", b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"],
    ids=["line", "field"],
)
def test_an_answer_cut_inside_its_head_is_broken(cut: bytes) -> None:
    """A status line and no empty line, then the end of the connection: the head never ended
    (RFC 9112 section 2.1), so no answer came; http.client reads it as a 200 with no headers,
    which failed the device for the wrong reasons (an audit: no WWW-Authenticate, no
    Content-Type)."""
    port, _ = serve(cut, count=1)
    ex = Client(f"http://127.0.0.1:{port}", "operator", "x", timeout=2).get("/rest/full_state")
    assert ex.status is None and "inside the answer's head" in (ex.error or ""), ex


def test_an_answer_with_no_body_closed_after_its_head_is_whole() -> None:
    port, _ = serve(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n", count=1)
    ex = Client(f"http://127.0.0.1:{port}", "operator", "x", timeout=2).get("/rest/full_state")
    assert (ex.status, ex.error) == (204, None), ex


def test_a_broken_first_answer_is_not_called_unreachable() -> None:
    """A device that answered full_state with bytes that cannot be used is reachable: the
    reason says it answered, and gives no advice about addresses (an audit's device sending
    every answer twice was told to check that it is powered)."""
    from ccrest.exchange import Exchange
    from ccrest.target import untestable

    url = "http://127.0.0.1:9"
    port, _ = scripted_device(["double"])
    doubled = Client(f"http://127.0.0.1:{port}", "operator", "x", timeout=2).get("/rest/full_state")
    said = untestable(doubled, url, "operator", "basic")
    assert said.startswith(f"the controller at {url} answered full_state, but not usably: the")
    assert "Check the address" not in said
    refused = Exchange("GET", url + "/rest/full_state", {}, error="connection refused")
    assert untestable(refused, url, "operator", "basic").startswith(
        f"cannot reach the controller at {url}: connection refused. Check the address"
    )


def test_headers_kept_before_a_secret_was_known_are_masked_once_it_is() -> None:
    """Kept headers are worked out once per header set; a secret learned later (a probe's
    wrong password) must still be masked in the same headers seen again."""
    import uuid

    from ccrest.client import _kept
    from ccrest.masking import KNOWN

    secret = f"Learned-Later-{uuid.uuid4().hex[:8]}"
    headers = {"X-Echo": f"pw={secret}", "Server": "box"}
    first = _kept(headers)
    assert first == headers
    first["Server"] = "changed by its reader"
    KNOWN.add(secret)
    assert _kept(headers) == {"X-Echo": "pw=***", "Server": "box"}
    assert KNOWN.found_in(["box", f"pw={secret}"]) and not KNOWN.found_in(["box", "pw=***"])


def test_a_secret_split_across_two_headers_is_no_echo() -> None:
    """One search over all header texts at once must not find a secret spanning two of them."""
    from ccrest.masking import Secrets

    secrets = Secrets()
    secrets.add("Split\0Secret-42")
    assert secrets.found_in(["x Split\0Secret-42 y"])
    assert not secrets.found_in(["x Split", "Secret-42 y"])


TIMED_OUT = b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"


def test_an_idle_connection_timed_out_with_a_408_is_no_answer_nobody_asked_for() -> None:
    """RFC 9110 15.5.9: a server may send 408 on an idle connection it closes. The next
    request goes out on a new connection, and nothing is counted against the device."""
    port, seen = scripted_device(["answer-then-408"], ["answer"])
    client = Client(f"http://127.0.0.1:{port}", "operator", "x", timeout=2)
    assert client.get("/rest/a").status == 200
    time.sleep(0.2)  # the 408 is waiting on the idle connection
    later = client.get("/rest/b")
    assert later.status == 200 and later.error is None, later
    assert client.unanswered == 0 and len(seen) == 2


@pytest.mark.parametrize("action", ["answer+408", "answer-then-408-trickled"])
def test_a_408_right_after_an_answer_or_in_pieces_is_an_idle_close(action: str) -> None:
    """The idle close's 408 read with the answer it follows, or seen only in part before the
    next request (a status line split over segments): the answer stands, the next request
    goes out on a new connection, nothing is held against the device."""
    port, seen = scripted_device([action], ["answer"])
    client = Client(f"http://127.0.0.1:{port}", "operator", "x", timeout=2)
    first = client.get("/rest/a")
    assert first.status == 200 and first.error is None, first
    time.sleep(0.05)  # a part of the trickled 408 is waiting
    later = client.get("/rest/b")
    assert later.status == 200 and client.unanswered == 0 and len(seen) == 2, later


def test_a_request_met_by_the_idle_timeout_s_408_is_sent_again_once() -> None:
    port, seen = scripted_device(["answer", "408"], ["answer"])
    client = Client(f"http://127.0.0.1:{port}", "operator", "x", timeout=2)
    assert client.get("/rest/a").status == 200
    again = client.get("/rest/b")
    assert again.status == 200 and client.resent == 1 and seen[1] == ["GET /rest/b HTTP/1.1"]


def test_every_request_left_unanswered_is_counted_with_the_first() -> None:
    port, _ = scripted_device(["close"], ["answer"], ["close"], ["answer"])
    client = Client(f"http://127.0.0.1:{port}", "operator", "x", timeout=2)
    assert client.get("/rest/a").error and client.get("/rest/b").status == 200
    assert client.get("/rest/c").error
    assert client.unanswered == 2 and client.first_unanswered.startswith("GET http://127.0.0.1")
    assert "/rest/a -> " in client.first_unanswered
    unsendable = client.get("/rest/d", headers={"X-Bad": "a\nb"})
    assert unsendable.error and not unsendable.sent and client.unanswered == 2


@pytest.mark.parametrize(
    ("cut", "says"),
    [
        (b"HTTP/1.1 404 Not Found\r\nContent-Type: text/p", "closed inside the answer's head"),
        (b"HTTP/1.1 404 Not Found\r\nContent-Length: 20\r\n\r\nnot found", "11 B of it missing"),
        (
            b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n9\r\nnot found\r\n",
            "without its last chunk",
        ),
    ],
    ids=["head", "content-length", "chunked"],
)
def test_a_raw_answer_broken_off_is_no_answer(cut: bytes, says: str) -> None:
    """A path spelling's answer cut short, then the connection closed: not a whole 404 a
    check could pass, but an answer the device broke off."""
    port, _ = serve(cut, count=1)
    client = Client(f"http://127.0.0.1:{port}", "operator", "x", timeout=2)
    ex = client.raw("GET", "/REST/full_state", credentials=None)
    assert ex.status is None and ex.broken and says in (ex.error or ""), ex
    assert client.unanswered == 1


@pytest.mark.parametrize(
    "whole",
    [
        b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found",
        b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n9\r\nnot found\r\n0\r\n\r\n",
        b"HTTP/1.0 404 Not Found\r\n\r\nnot found, the close ends me",
        b"HTTP/1.1 404 Not Found\nContent-Length: 9\n\nnot found",
    ],
    ids=["content-length", "chunked", "close-delimited", "lf-only"],
)
def test_a_raw_answer_whole_is_an_answer(whole: bytes) -> None:
    port, _ = serve(whole, count=1)
    client = Client(f"http://127.0.0.1:{port}", "operator", "x", timeout=2)
    ex = client.raw("GET", "/REST/full_state", credentials=None)
    assert ex.error is None and ex.status == 404 and client.unanswered == 0, ex


@pytest.mark.parametrize(
    "chunks",
    [
        b"5\r\nconn_\r\n4;note=x\r\nstat\r\n0\r\nX-Checksum: 1\r\n\r\n",
        b"5\r\nconn_\r\n4\r\nstat\r\n0;last\r\n\r\n",
        b"5\r\nconn_\r\n4\r\nstat\r\n0\r\nA: 1\r\nB: 2\r\n\r\n",
    ],
    ids=["extension-and-trailer", "last-chunk-extension", "two-trailers"],
)
def test_a_raw_chunked_answer_with_extensions_and_trailers_is_whole(chunks: bytes) -> None:
    """RFC 9112 7.1.1, 7.1.2: chunk extensions and trailer fields are the framing's; the body
    is the chunks' data, so a key:value line split over two chunks reads whole."""
    head = b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n"
    port, _ = serve(head + chunks, count=1)
    client = Client(f"http://127.0.0.1:{port}", "operator", "x", timeout=2)
    ex = client.raw("GET", "/REST/full_state", credentials=None)
    assert ex.error is None and ex.status == 404 and ex.body == b"conn_stat", ex
    assert client.unanswered == 0

"""The simulator's HTTP surface: every status code, both credential schemes, each REST-interface
setting, read-only, the control API, bad requests, snapshot consistency, start and stop."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from pathlib import Path

import pytest
import requests

from ccrest.simulator import Credentials, DeviceConfig, Simulator, SimulatorError
from tests.simulator.conftest import MANUFACTURER, OPERATOR, doc_headers

WRITES = ("POST", "PUT", "PATCH", "DELETE")


def lines(body: str) -> dict[str, str]:
    return dict(line.split(":", 1) for line in body.splitlines())


class TestRest:
    def test_full_state_is_41_text_lines(self, sim: Simulator, http: requests.Session) -> None:
        r = http.get(f"{sim.url}/rest/full_state", headers=doc_headers(*OPERATOR))
        assert r.status_code == 200
        assert r.headers["Content-Type"] == "text/plain; charset=utf-8"
        body = r.text.splitlines()
        assert len(body) == 41
        assert body[0] == "conn_state:no_vehicle_connected"
        assert body[-1].startswith("wlan_state:")

    def test_per_key_is_the_bare_value(self, sim: Simulator, http: requests.Session) -> None:
        r = http.get(f"{sim.url}/rest/meter_wh", auth=OPERATOR)
        assert (r.status_code, r.text) == (200, "426416")
        assert r.headers["Content-Type"].startswith("text/plain")

    def test_unknown_key_is_404(self, sim: Simulator, http: requests.Session) -> None:
        assert http.get(f"{sim.url}/rest/no_such_key", auth=OPERATOR).status_code == 404

    def test_head_is_get_without_body(self, sim: Simulator, http: requests.Session) -> None:
        get = http.get(f"{sim.url}/rest/full_state", auth=OPERATOR)
        head = http.head(f"{sim.url}/rest/full_state", auth=OPERATOR)
        assert head.status_code == 200 and head.content == b""
        assert head.headers["Content-Length"] == str(len(get.content))
        assert head.headers["Content-Type"] == get.headers["Content-Type"]

    @pytest.mark.parametrize("method", WRITES)
    @pytest.mark.parametrize("path", ["/rest/full_state", "/rest/conn_state"])
    def test_writes_are_405_and_change_nothing(
        self, sim: Simulator, http: requests.Session, method: str, path: str
    ) -> None:
        before = http.get(f"{sim.url}/rest/full_state", auth=OPERATOR).text
        r = http.request(method, sim.url + path, auth=OPERATOR, data="conn_state=x")
        assert r.status_code == 405
        assert r.headers["Allow"] == "GET, HEAD"
        assert http.get(f"{sim.url}/rest/full_state", auth=OPERATOR).text == before

    def test_options_is_405_not_501(self, sim: Simulator, http: requests.Session) -> None:
        assert http.options(f"{sim.url}/rest/full_state", auth=OPERATOR).status_code == 405

    def test_path_outside_rest_does_not_leak(self, sim: Simulator, http: requests.Session) -> None:
        for path in ("/", "/rest", "/full_state", "/restfull_state", "/index.html"):
            r = http.get(sim.url + path, auth=OPERATOR)
            assert r.status_code == 404, path
            assert "meter_wh" not in r.text and "426416" not in r.text

    def test_json_form(self, http: requests.Session) -> None:
        with Simulator(fmt="json", speed=0) as sim:
            r = http.get(f"{sim.url}/rest/full_state", auth=("operator", "operator-pw"))
            assert r.headers["Content-Type"] == "application/json"
            data = r.json()
            assert len(data) == 41 and data["meter_wh"] == 426416
            assert data["current_a"] == "0.0,0.0,0.0"
            one = http.get(f"{sim.url}/rest/ambient_temp", auth=("operator", "operator-pw"))
            assert (one.headers["Content-Type"], one.json()) == ("application/json", 25.3)

    def test_latency_delays_each_answer(self, http: requests.Session) -> None:
        with Simulator(latency_ms=60, speed=0) as sim:
            start = time.monotonic()
            http.get(f"{sim.url}/rest/power_w", auth=("operator", "operator-pw"))
            assert time.monotonic() - start >= 0.06


class TestAuth:
    @pytest.mark.parametrize("who", [OPERATOR, MANUFACTURER], ids=["operator", "manufacturer"])
    def test_spec_header_scheme(self, sim: Simulator, http: requests.Session, who) -> None:
        r = http.get(f"{sim.url}/rest/full_state", headers=doc_headers(*who))
        assert r.status_code == 200

    @pytest.mark.parametrize("who", [OPERATOR, MANUFACTURER], ids=["operator", "manufacturer"])
    def test_rfc7617_basic(self, sim: Simulator, http: requests.Session, who) -> None:
        assert http.get(f"{sim.url}/rest/conn_state", auth=who).status_code == 200

    @pytest.mark.parametrize(
        "headers",
        [
            {},
            doc_headers("operator", "wrong"),
            doc_headers("nobody", OPERATOR[1]),
            doc_headers("operator", MANUFACTURER[1]),
            {"Authorization": "Basic " + base64.b64encode(b"operator:wrong").decode()},
            {"Authorization": "Basic !!!not-base64!!!"},
            {"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()},
            {"Authorization": "Basic " + base64.b64encode(b"\xff\xfe:x").decode()},
            {"Authorization": "Bearer abc"},
            {"Username": "operator"},
        ],
        ids=[
            "none",
            "wrong-password",
            "unknown-user",
            "other-roles-password",
            "basic-wrong-password",
            "basic-bad-base64",
            "basic-no-colon",
            "basic-not-utf8",
            "bearer",
            "username-only",
        ],
    )
    @pytest.mark.parametrize("path", ["/rest/full_state", "/rest/conn_state"])
    def test_refused_with_401(
        self, sim: Simulator, http: requests.Session, headers: dict, path: str
    ) -> None:
        r = http.get(sim.url + path, headers=headers)
        assert r.status_code == 401
        assert r.headers["WWW-Authenticate"].startswith("Basic")
        assert "conn_state" not in r.text

    def test_passwords_from_environment(self) -> None:
        env = {"CCREST_OPERATOR_PASSWORD": "from-env"}
        assert Credentials.from_env(env).operator == "from-env"
        assert Credentials.from_env(env, operator="given").operator == "given"
        assert Credentials.from_env({}).manufacturer == "manufacturer-pw"

    def test_credentials_never_print_passwords(self) -> None:
        assert "secret" not in repr(Credentials("secret", "secret"))


class TestRestModes:
    def test_disabled_hides_every_rest_path(self, http: requests.Session) -> None:
        with Simulator(rest_mode="disabled", speed=0) as sim:
            for path in ("/rest/full_state", "/rest/conn_state", "/rest/x"):
                r = http.get(sim.url + path, auth=("operator", "operator-pw"))
                assert r.status_code == 404, path

    def test_with_uid_shows_the_card(self, sim: Simulator, http: requests.Session) -> None:
        sim.device.plug()
        sim.device.present_card("04a1b2c3")
        assert http.get(f"{sim.url}/rest/auth_uid", auth=OPERATOR).text == "04a1b2c3"

    def test_without_uid_hides_the_card(self, http: requests.Session) -> None:
        with Simulator(speed=0) as sim:
            sim.device.plug()
            sim.device.present_card("04a1b2c3")
            auth = ("operator", "operator-pw")
            assert http.get(f"{sim.url}/rest/auth_uid", auth=auth).text == ""
            assert "04a1b2c3" not in http.get(f"{sim.url}/rest/full_state", auth=auth).text


class TestControl:
    def post(self, http: requests.Session, sim: Simulator, route: str, **body) -> requests.Response:
        return http.post(f"{sim.url}/sim/{route}", json=body)

    def test_drive_a_session_over_http(self, sim: Simulator, http: requests.Session) -> None:
        assert self.post(http, sim, "plug", connector="type2", cable_rating=20).status_code == 200
        assert self.post(http, sim, "card", uid="aa11").json()["result"] == "accepted"
        assert self.post(http, sim, "advance", seconds=3600).status_code == 200
        state = http.get(f"{sim.url}/sim/state").json()
        assert state["in_transaction"] and state["vehicle"]["cable_rating"] == 20
        v = lines(http.get(f"{sim.url}/rest/full_state", auth=OPERATOR).text)
        assert (v["ocpp_state"], v["sig_current"], v["time_since_charging_start"]) == (
            "charging",
            "20",
            "3600",
        )

    def test_faults_config_and_reset(self, sim: Simulator, http: requests.Session) -> None:
        assert self.post(http, sim, "trip", fault="rcd").status_code == 200
        assert self.post(http, sim, "config", cp_vendor="Other", rejected_uids=["aa"]).ok
        v = lines(http.get(f"{sim.url}/rest/full_state", auth=OPERATOR).text)
        assert (v["rcd_state"], v["cp_vendor"]) == ("triggered", "Other")
        assert self.post(http, sim, "reset").status_code == 200
        v = lines(http.get(f"{sim.url}/rest/full_state", auth=OPERATOR).text)
        assert (v["rcd_state"], v["cp_vendor"]) == ("okay", "Acme Inc.")

    def test_routes_are_listed(self, sim: Simulator, http: requests.Session) -> None:
        routes = http.get(f"{sim.url}/sim/").json()["routes"]
        assert "POST /sim/plug" in routes and "GET /sim/state" in routes

    @pytest.mark.parametrize(
        ("route", "body", "status", "says"),
        [
            ("nothing", {}, 404, "no control route"),
            ("plug", {"colour": "red"}, 400, "unexpected keyword argument 'colour'"),
            ("plug", {"max_current": "lots"}, 400, "max_current = 'lots'"),
            ("advance", {"seconds": -5}, 400, "only moves forward"),
            ("unplug", {}, 409, "no vehicle is connected"),
            ("config", {"phases": 2}, 400, "phases must be 1 or 3"),
            ("trip", {"fault": ["rcd"]}, 400, "fault = ['rcd']"),
        ],
    )
    def test_bad_control_requests(
        self, sim: Simulator, http: requests.Session, route: str, body: dict, status: int, says: str
    ) -> None:
        r = http.post(f"{sim.url}/sim/{route}", json=body)
        assert r.status_code == status
        assert says in r.json()["error"]

    def test_body_that_is_not_json(self, sim: Simulator, http: requests.Session) -> None:
        json_type = {"Content-Type": "application/json"}
        r = http.post(f"{sim.url}/sim/plug", data=b"\xff{", headers=json_type)
        assert r.status_code == 400 and "not JSON" in r.json()["error"]

    @pytest.mark.parametrize(
        ("route", "raw", "says"),
        [
            ("advance", b'{"seconds": Infinity}', "Infinity is not a JSON number"),
            ("advance", b'{"seconds": NaN}', "NaN is not a JSON number"),
            ("advance", b'{"seconds": 1e999}', "seconds must be a finite number"),
            ("config", b'{"ambient_temp": -1e400}', "ambient_temp must be a finite number"),
            ("config", b'{"cp_vendor": "\\ud800x"}', "cp_vendor is not text"),
            ("plug", b"[" * 30000 + b"]" * 30000, "nested too deep"),
        ],
        ids=["infinity", "nan", "overflow", "negative-overflow", "lone-surrogate", "deep"],
    )
    def test_poisoned_values_never_reach_the_model(
        self, sim: Simulator, http: requests.Session, route: str, raw: bytes, says: str
    ) -> None:
        """A value the model cannot compute with or render is refused with a 400, and the
        REST side goes on answering 200 (before, a later full_state answered 500)."""
        json_type = {"Content-Type": "application/json"}
        r = http.post(f"{sim.url}/sim/{route}", data=raw, headers=json_type)
        assert r.status_code == 400 and says in r.json()["error"]
        assert http.get(f"{sim.url}/rest/full_state", auth=OPERATOR).status_code == 200
        sim.raise_errors()

    def test_cross_origin_text_post_is_refused(self, sim: Simulator, http) -> None:
        """A browser may POST text/plain across origins without asking; /sim/ wants JSON."""
        r = http.post(f"{sim.url}/sim/unplug", data=b"{}", headers={"Content-Type": "text/plain"})
        assert r.status_code == 415 and "application/json" in r.json()["error"]

    @pytest.mark.parametrize(
        "headers",
        [
            {"Origin": "http://evil.example"},
            {"Origin": "null"},
            {"Sec-Fetch-Site": "cross-site"},
            {"Host": "evil.example"},  # DNS rebinding: the page's name now points here
            {"Content-Type": "text/plain"},  # a simple request: no preflight, an empty body
            {"Content-Type": "application/x-www-form-urlencoded"},
        ],
        ids=["other-origin", "null-origin", "cross-site", "rebound-name", "text", "form"],
    )
    def test_a_web_page_cannot_drive_the_simulator(self, sim: Simulator, http, headers) -> None:
        """What a page in the user's browser can send to a simulator on loopback, without the
        browser asking first: every control route refuses it, and the state stays."""
        before = http.get(f"{sim.url}/sim/state").json()
        for route in ("reset", "plug", "unplug", "config"):
            sent = {"Content-Type": "application/json"} | headers
            r = http.post(f"{sim.url}/sim/{route}", data=b"", headers=sent)
            assert r.status_code in (403, 415), (route, r.status_code, r.text)
        assert http.get(f"{sim.url}/sim/state").json() == before
        assert http.post(f"{sim.url}/sim/plug", json={}).status_code == 200, "ccrest's own works"

    def test_empty_token_is_no_token(self) -> None:
        with Simulator(host="0.0.0.0", speed=0, control_token="") as sim:
            assert sim.control_token, "an empty token leaves /sim/ open: one is made instead"

    def test_token_is_required_when_set(self, http: requests.Session) -> None:
        with Simulator(speed=0, control_token="t0ken") as sim:
            assert http.post(f"{sim.url}/sim/unplug", json={}).status_code == 403
            r = http.post(f"{sim.url}/sim/plug", json={}, headers={"X-Sim-Token": "t0ken"})
            assert r.status_code == 200

    def test_bound_elsewhere_a_token_is_made(self) -> None:
        sim = Simulator(host="0.0.0.0", speed=0)  # not started: nothing listens
        assert sim.control_token and len(sim.control_token) >= 16


def doc_header_bytes() -> bytes:
    return "".join(f"{k}: {v}\r\n" for k, v in doc_headers(*OPERATOR).items()).encode()


def hosted(request: bytes) -> bytes:
    """An HTTP/1.1 request with its Host field (RFC 9112 3.2), so that a test of another rule
    is not answered 400 for the missing Host instead."""
    line, crlf, rest = request.partition(b"\r\n")
    if not line.endswith(b"HTTP/1.1") or b"\r\nhost:" in request.lower():
        return request
    return line + crlf + b"Host: 127.0.0.1\r\n" + rest


def raw(sim: Simulator, request: bytes) -> bytes:
    """Send bytes as they are, read the whole answer: for requests no client library sends."""
    with socket.create_connection((sim.host, sim.port), timeout=5) as conn:
        conn.sendall(request)
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


class TestBadRequests:
    @pytest.mark.parametrize(
        "request_bytes",
        [
            b"GARBAGE\r\n\r\n",
            b"GET\r\n\r\n",
            b"GET /rest/full_state HTTP/9.9\r\n\r\n",
            b"GET /rest/full_state HTTP/1.1 extra\r\n\r\n",
            b"GET /rest/../etc/passwd HTTP/1.1\r\nConnection: close\r\n\r\n",
            b"GET /rest/%2e%2e/full_state HTTP/1.1\r\nConnection: close\r\n\r\n",
            b"GET /rest/conn%5Fstate HTTP/1.1\r\nConnection: close\r\n\r\n",
            b"GET /rest/\xff\xfe HTTP/1.1\r\nConnection: close\r\n\r\n",
            b"GET /rest//full_state HTTP/1.1\r\nConnection: close\r\n\r\n",
            b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n",
            b"GET /rest/full_state HTTP/1.1\r\nX: " + b"a" * 70000 + b"\r\n\r\n",
            b"GET /rest/full_state HTTP/1.1\r\n" + b"X: y\r\n" * 200 + b"\r\n",
            b"GET /rest/full_state HTTP/1.1\r\nBad Header Line\r\nConnection: close\r\n\r\n",
            b"GET /rest/full_state HTTP/1.1\r\nConnection: close\r\n"
            b"Authorization: Basic \xff\xfe\r\n\r\n",
            b"POST /sim/plug HTTP/1.1\r\nContent-Length: 99999999\r\nConnection: close\r\n\r\n",
            b"POST /sim/plug HTTP/1.1\r\nContent-Length: -1\r\nConnection: close\r\n\r\n",
            b"GET /rest/full_state\r\n",
            b"GET /rest/full_state HTTP/1.1\r\nX: a\r\n folded\r\nConnection: close\r\n\r\n",
            b"GET /rest/full_state HTTP/1.1\r\nX : a\r\nConnection: close\r\n\r\n",
            b"GET /rest/full_state HTTP/1.1\r\n: a\r\nConnection: close\r\n\r\n",
            b"GET /rest/full_state HTTP/1.1\r\nX: a\rY: b\r\nConnection: close\r\n\r\n",
            b"GET /rest/full_state HTTP/1.1\r\nX: a\x85Y: b\r\nConnection: close\r\n\r\n",
            b"POST /sim/state HTTP/1.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: \xc2\xb2\r\nConnection: close\r\n\r\n",
            b"GET http://[/x HTTP/1.1\r\nConnection: close\r\n\r\n",
            b"GET /sim/state HTTP/1.1\r\nOrigin: http://[\r\nConnection: close\r\n\r\n",
            b"GET /sim/state HTTP/1.1\r\nOrigin: http://127.0.0.1:99999\r\n"
            b"Connection: close\r\n\r\n",
            b"GET /rest/full_state HTTP/1.1\r\nContent-Length: -1\r\nConnection: close\r\n\r\n",
        ],
        ids=[
            "garbage",
            "no-target",
            "http-9.9",
            "extra-words",
            "dot-dot",
            "encoded-dot-dot",
            "percent-encoded-key",
            "not-utf8-path",
            "empty-segment",
            "huge-target",
            "huge-header",
            "many-headers",
            "header-without-colon",
            "not-utf8-credentials",
            "huge-control-body",
            "negative-control-length",
            "http-0.9",
            "obs-fold",
            "space-before-colon",
            "empty-name",
            "bare-cr-in-value",
            "nel-in-value",
            "superscript-length",
            "unparsable-target",
            "unparsable-origin",
            "origin-port-out-of-range",
            "negative-length",
        ],
    )
    def test_gets_a_4xx_and_the_server_keeps_serving(
        self, sim: Simulator, http: requests.Session, request_bytes: bytes
    ) -> None:
        answer = raw(sim, hosted(request_bytes))
        status_line = answer.split(b"\r\n", 1)[0]
        status = int(status_line.split()[1])
        assert 400 <= status < 500, status_line
        assert b"Traceback" not in answer and b'File "' not in answer
        assert http.get(f"{sim.url}/rest/conn_state", auth=OPERATOR).status_code == 200

    @pytest.mark.parametrize(
        "request_bytes",
        [
            b"POST /rest/full_state HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 18\r\n\r\n"
            b"GET / HTTP/1.1\r\n\r\n",
            b"POST /rest/full_state HTTP/1.1\r\nTransfer-Encoding:\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n12\r\nGET / HTTP/1.1\r\n\r\n\r\n0\r\n\r\n",
            b"POST /rest/../x HTTP/1.1\r\nContent-Length: 18\r\n\r\nGET / HTTP/1.1\r\n\r\n",
            b"POST /sim/../x HTTP/1.1\r\nContent-Length: 18\r\n\r\nGET / HTTP/1.1\r\n\r\n",
        ],
        ids=["two-lengths", "two-transfer-encodings", "refused-path", "refused-control-path"],
    )
    def test_a_body_never_becomes_a_second_request(self, sim: Simulator, request_bytes) -> None:
        """A body framed twice is refused, and whatever answers a request with a body closes
        the connection after it (RFC 9112 6.3): one request, one answer, never a smuggled
        second (an audit found the first Content-Length read and the body answered)."""
        answer = raw(sim, hosted(request_bytes))
        assert answer.count(b"HTTP/1.1 ") == 1 and b"Connection: close" in answer, answer
        assert int(answer.split()[1]) in range(400, 500), answer[:80]

    def test_close_among_the_connection_options_closes(self, sim: Simulator) -> None:
        """Connection is a list (RFC 9110 7.6.1): "keep-alive, close" closes after the answer
        and says so; raw() reads to the end, which a kept connection would not give."""
        answer = raw(
            sim,
            b"GET /rest/conn_state HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive, close\r\n"
            + doc_header_bytes()
            + b"\r\n",
        )
        assert answer.startswith(b"HTTP/1.1 200 ") and b"Connection: close" in answer

    def test_an_empty_line_before_the_request_line_is_skipped(self, sim: Simulator) -> None:
        """RFC 9112 2.2: a server SHOULD ignore at least one empty line before a request."""
        answer = raw(
            sim,
            b"\r\nGET /rest/conn_state HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            + doc_header_bytes()
            + b"\r\n",
        )
        assert answer.startswith(b"HTTP/1.1 200 "), answer[:80]

    def test_listen_backlog_takes_a_fleet(self) -> None:
        """A backlog of 5 made a fleet of clients connecting at once wait a second for SYN
        retries (measured in bench/simulator_throughput.py, not timed here)."""
        from ccrest.simulator.server import SimServer

        assert SimServer.request_queue_size >= 128

    def test_a_body_sent_to_rest_does_not_become_a_request(self, sim: Simulator) -> None:
        answer = raw(
            sim,
            b"POST /rest/full_state HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 18\r\n\r\n"
            b"GET / HTTP/1.1\r\n\r\n",
        )
        assert answer.count(b"HTTP/1.1 ") == 1 and b" 405 " in answer

    @pytest.mark.parametrize(
        ("version", "hosts", "status"),
        [
            ("HTTP/1.1", (), 400),
            ("HTTP/1.1", ("127.0.0.1", "127.0.0.1"), 400),
            ("HTTP/1.0", ("127.0.0.1", "example.org"), 400),
            ("HTTP/1.1", ("127.0.0.1",), 200),
            ("HTTP/1.0", (), 200),
        ],
        ids=["1.1-without", "1.1-twice", "1.0-twice", "1.1-once", "1.0-without"],
    )
    def test_host_once_in_http_1_1(self, sim: Simulator, version, hosts, status) -> None:
        """RFC 9112 3.2: a server MUST answer 400 to an HTTP/1.1 request without Host, and to
        any request with two; HTTP/1.0 needs none."""
        answer = raw(
            sim,
            f"GET /rest/conn_state {version}\r\n".encode()
            + b"".join(f"Host: {h}\r\n".encode() for h in hosts)
            + b"Connection: close\r\n"
            + doc_header_bytes()
            + b"\r\n",
        )
        assert answer.split(b" ", 2)[1] == str(status).encode(), answer[:120]


class TestServerThread:
    def test_exception_in_server_thread_is_raised_in_the_test(
        self, sim: Simulator, http: requests.Session, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def broken() -> None:
            raise RuntimeError("model exploded")

        monkeypatch.setattr(sim.device, "readings_at", broken)
        r = http.get(f"{sim.url}/rest/full_state", auth=OPERATOR)
        assert r.status_code == 500 and "exploded" not in r.text
        with pytest.raises(SimulatorError, match="RuntimeError: model exploded"):
            sim.raise_errors()

    def test_keep_alive_serves_many_requests_on_one_connection(
        self, sim: Simulator, http: requests.Session
    ) -> None:
        peers = set()
        for _ in range(50):
            r = http.get(f"{sim.url}/rest/full_state", auth=OPERATOR, stream=True)
            peers.add(r.raw._connection.sock.getsockname())
            r.content  # noqa: B018 - read the body so the connection goes back to the pool
        assert len(peers) == 1


class TestSnapshots:
    def test_concurrent_readers_never_see_two_states(self, http: requests.Session) -> None:
        """While a writer flips the device between idle and charging, every full_state is
        one instant: charging states come with power, idle ones without."""
        auth = ("operator", "operator-pw")
        with Simulator(speed=3600) as sim:
            stop = threading.Event()
            bad: list[str] = []

            def writer() -> None:
                while not stop.is_set():
                    sim.device.plug(max_current=16)
                    sim.device.present_card("aa")
                    sim.device.unplug()

            def reader() -> None:
                with requests.Session() as mine:
                    for _ in range(150):
                        v = lines(mine.get(f"{sim.url}/rest/full_state", auth=auth).text)
                        charging = v["conn_state"] == "vehicle_charging_type2"
                        flowing = int(v["power_w"]) > 0 and v["current_a"] != "0.0,0.0,0.0"
                        if charging != flowing or (v["ocpp_state"] == "charging") != charging:
                            bad.append(json.dumps(v))

            threads = [threading.Thread(target=writer)] + [
                threading.Thread(target=reader) for _ in range(4)
            ]
            for t in threads:
                t.start()
            for t in threads[1:]:
                t.join()
            stop.set()
            threads[0].join()
            sim.raise_errors()
        assert bad == []


class TestReplay:
    TEXT = b"conn_state:vehicle_charging_type2\r\nmeter_wh: 1234\nrcmb_max_values:0.0, 0.0\n"

    def test_text_capture(self, tmp_path: Path, http: requests.Session) -> None:
        capture = tmp_path / "field.txt"
        capture.write_bytes(self.TEXT)
        with Simulator(replay=capture) as sim:
            auth = ("operator", "operator-pw")
            r = http.get(f"{sim.url}/rest/full_state", auth=auth)
            assert r.content == self.TEXT and r.headers["Content-Type"].startswith("text/plain")
            assert http.get(f"{sim.url}/rest/meter_wh", auth=auth).text == "1234"
            assert http.get(f"{sim.url}/rest/rcmb_max_values", auth=auth).text == "0.0, 0.0"
            assert http.get(f"{sim.url}/rest/power_w", auth=auth).status_code == 404
            assert http.post(f"{sim.url}/sim/plug", json={}).status_code == 409
            assert http.get(f"{sim.url}/rest/full_state").status_code == 401

    def test_json_capture(self, tmp_path: Path, http: requests.Session) -> None:
        capture = tmp_path / "field.json"
        capture.write_text(json.dumps({"conn_state": "no_vehicle_connected", "meter_wh": 7}))
        with Simulator(replay=capture) as sim:
            auth = ("operator", "operator-pw")
            r = http.get(f"{sim.url}/rest/full_state", auth=auth)
            assert r.headers["Content-Type"] == "application/json"
            assert r.json()["meter_wh"] == 7
            assert http.get(f"{sim.url}/rest/meter_wh", auth=auth).json() == 7

    @pytest.mark.parametrize(
        ("content", "says"),
        [(None, "cannot read capture"), (b"", "holds no key"), (b"[1,2]", "holds no key")],
    )
    def test_bad_capture_names_the_file(self, tmp_path: Path, content, says: str) -> None:
        capture = tmp_path / "bad.txt"
        if content is not None:
            capture.write_bytes(content)
        with pytest.raises(ValueError, match=f"{says}.*" if content is None else says) as info:
            Simulator(replay=capture)
        assert "bad.txt" in str(info.value)


class TestLifeCycle:
    def test_port_zero_picks_a_free_port_and_stop_frees_it(self) -> None:
        sim = Simulator(speed=0).start()
        port = sim.port
        assert port > 0 and sim.url == f"http://127.0.0.1:{port}"
        sim.stop()
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1)
        with Simulator(port=port, speed=0) as again:
            assert again.port == port

    def test_stop_does_not_wait_for_idle_keep_alive_clients(self) -> None:
        sim = Simulator(speed=0).start()
        conn = socket.create_connection(("127.0.0.1", sim.port))
        conn.sendall(b"GET /rest/x HTTP/1.1\r\nHost: x\r\n\r\n")
        conn.recv(1024)
        start = time.monotonic()
        sim.stop()
        assert time.monotonic() - start < 3, "stop waited for a keep-alive client"
        conn.close()

    def test_config_reaches_the_device(self) -> None:
        with Simulator(DeviceConfig(cp_model="X1"), speed=0) as sim:
            auth = ("operator", "operator-pw")
            assert requests.get(f"{sim.url}/rest/cp_model", auth=auth, timeout=5).text == "X1"

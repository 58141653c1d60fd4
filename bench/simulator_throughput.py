"""How fast the simulator answers, set against two floors that serve the same bytes.

Three servers, each in its own process on loopback: the simulator (``python -m
ccrest.simulator``); the standard library's ``ThreadingHTTPServer`` with a handler that answers
a fixed body (the simulator's own full_state, captured at the start); and an ``asyncio``
server that does the same. Each answers ``GET /rest/full_state`` and ``GET /rest/<key>`` with
Basic credentials. For each path, one keep-alive poller and 8 concurrent clients (each on its
own connection) make a fixed number of requests; the servers take turns round by round
(interleaved, so a busy neighbour hurts all alike). Reported: requests per second (median of
the rounds), the server's CPU time per request (from /proc, the server process only), and the
simulator's ratio to each floor. Talks only to 127.0.0.1; bounded in requests and time.

    python bench/simulator_throughput.py [--requests 2000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import http.client
import os
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from simulators import start_process

PASSWORD = "operator-pw"
AUTH = "Basic " + base64.b64encode(f"operator:{PASSWORD}".encode()).decode()
KEY = "conn_state"
DEADLINE_S = 120
TICKS = os.sysconf("SC_CLK_TCK")


# -- the floors: the same bytes, no model -------------------------------------------------------


def answers(body: bytes) -> dict[str, bytes]:
    value = next(
        line.split(":", 1)[1] for line in body.decode().splitlines() if line.startswith(KEY)
    )
    return {"/rest/full_state": body, f"/rest/{KEY}": value.encode()}


def serve_stdlib(body: bytes) -> None:
    fixed = answers(body)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            data = fixed.get(self.path) if self.headers.get("Authorization") == AUTH else None
            self.send_response(200 if data is not None else 401)
            data = data if data is not None else b"401\n"
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


def serve_asyncio(body: bytes) -> None:
    fixed = answers(body)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1]
                auth = next(
                    (h[14:].strip() for h in lines if h.lower().startswith("authorization:")), ""
                )
                data = fixed.get(path) if auth == AUTH else None
                status = b"200 OK" if data is not None else b"401 Unauthorized"
                data = data if data is not None else b"401\n"
                writer.write(
                    b"HTTP/1.1 " + status + b"\r\nContent-Type: text/plain; charset=utf-8\r\n"
                    b"Content-Length: " + str(len(data)).encode() + b"\r\n\r\n" + data
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        print(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", flush=True)
        await server.serve_forever()

    asyncio.run(main())


# -- the measurement ------------------------------------------------------------------------


def start(command: list[str]) -> tuple[subprocess.Popen[str], int]:
    proc, url = start_process(command, PASSWORD)
    return proc, int(url.rsplit(":", 1)[1])


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def poll(port: int, path: str, count: int, deadline: float) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    for _ in range(count):
        if time.monotonic() > deadline:
            break
        conn.request("GET", path, headers={"Authorization": AUTH})
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"unexpected answer on {path}: {response.status}")
    conn.close()


def measure(
    proc: subprocess.Popen[str], port: int, path: str, clients: int, total: int
) -> tuple[float, float]:
    """Requests per second, and the server's CPU microseconds per request."""
    deadline = time.monotonic() + DEADLINE_S
    per = total // clients
    threads = [
        threading.Thread(target=poll, args=(port, path, per, deadline)) for _ in range(clients)
    ]
    cpu0, t0 = cpu_s(proc.pid), time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed, cpu = time.perf_counter() - t0, cpu_s(proc.pid) - cpu0
    return per * clients / elapsed, cpu / (per * clients) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="per measurement")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--serve", choices=("stdlib", "asyncio"), help=argparse.SUPPRESS)
    parser.add_argument("--body", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        body = Path(args.body).read_bytes()
        (serve_stdlib if args.serve == "stdlib" else serve_asyncio)(body)
        return

    sim, sim_port = start([sys.executable, "-m", "ccrest.simulator", "--port", "0"])
    conn = http.client.HTTPConnection("127.0.0.1", sim_port, timeout=10)
    conn.request("GET", "/rest/full_state", headers={"Authorization": AUTH})
    body = conn.getresponse().read()
    conn.close()
    body_file = Path(f"/tmp/ccrest-bench-body-{os.getpid()}")
    body_file.write_bytes(body)
    me = [sys.executable, __file__, "--body", str(body_file), "--serve"]
    servers = {
        "simulator": (sim, sim_port),
        "stdlib": start([*me, "stdlib"]),
        "asyncio": start([*me, "asyncio"]),
    }
    results: dict[tuple[str, str, int], list[tuple[float, float]]] = {}
    try:
        for path in ("/rest/full_state", f"/rest/{KEY}"):
            for clients in (1, 8):
                for _ in range(args.rounds):
                    for name, (proc, port) in servers.items():
                        key = (name, path, clients)
                        results.setdefault(key, []).append(
                            measure(proc, port, path, clients, args.requests)
                        )
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait(timeout=30)
        body_file.unlink(missing_ok=True)

    print(f"{args.rounds} interleaved rounds of {args.requests} requests; medians")
    print(
        f"{'path':<18} {'clients':>7} {'server':<10} {'req/s':>8} {'CPU us/req':>10} "
        f"{'sim / this':>10}"
    )
    for path in ("/rest/full_state", f"/rest/{KEY}"):
        for clients in (1, 8):
            sim_rate = statistics.median(r for r, _ in results[("simulator", path, clients)])
            for name in servers:
                rows = results[(name, path, clients)]
                rate = statistics.median(r for r, _ in rows)
                cpu = statistics.median(c for _, c in rows)
                print(
                    f"{path:<18} {clients:>7} {name:<10} {rate:>8.0f} {cpu:>10.0f} "
                    f"{sim_rate / rate:>9.2f}x"
                )


if __name__ == "__main__":
    main()

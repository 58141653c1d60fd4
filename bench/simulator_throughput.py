"""How fast the simulator answers GET /rest/full_state on loopback.

The simulator runs in its own process (as under tox or a manufacturer's CI), so the client does
not share its interpreter. Measured: one poller on one keep-alive connection, as home-energy
managers poll, and 8 concurrent clients each on their own connection. Bounded in requests and
time; talks only to 127.0.0.1.

    python bench/simulator_throughput.py [--requests 3000] [--clients 8]
"""

from __future__ import annotations

import argparse
import base64
import http.client
import re
import statistics
import subprocess
import sys
import threading
import time

AUTH = {"Authorization": "Basic " + base64.b64encode(b"operator:operator-pw").decode()}
DEADLINE_S = 120


def start_simulator() -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "ccrest.simulator", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline() if proc.stdout else ""
    match = re.search(r"127\.0\.0\.1:(\d+)", line)
    if not match:
        proc.kill()
        raise SystemExit(f"the simulator did not start: {line!r}")
    return proc, int(match.group(1))


def poll(port: int, count: int, latencies: list[float], deadline: float) -> None:
    """One client, one keep-alive connection, ``count`` requests (or until the deadline)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    for _ in range(count):
        if time.monotonic() > deadline:
            break
        start = time.perf_counter()
        conn.request("GET", "/rest/full_state", headers=AUTH)
        response = conn.getresponse()
        body = response.read()
        latencies.append(time.perf_counter() - start)
        if response.status != 200 or body.count(b"\n") != 41:
            raise SystemExit(f"unexpected answer: {response.status} {body[:80]!r}")
    conn.close()


def measure(port: int, clients: int, per_client: int) -> dict[str, float]:
    latencies: list[float] = []
    deadline = time.monotonic() + DEADLINE_S
    threads = [
        threading.Thread(target=poll, args=(port, per_client, latencies, deadline))
        for _ in range(clients)
    ]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "per_s": len(ordered) / elapsed,
        "median_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[int(len(ordered) * 0.99) - 1] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000, help="per scenario (default 3000)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    args = parser.parse_args()
    proc, port = start_simulator()
    try:
        poll(port, 200, [], time.monotonic() + DEADLINE_S)  # warm up
        rows = [
            ("1 client, keep-alive", measure(port, 1, args.requests)),
            (
                f"{args.clients} clients, keep-alive",
                measure(port, args.clients, max(1, args.requests // args.clients)),
            ),
        ]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print(f"{'scenario':<24} {'requests':>8} {'answers/s':>10} {'median ms':>10} {'p99 ms':>8}")
    for name, r in rows:
        print(
            f"{name:<24} {r['requests']:>8.0f} {r['per_s']:>10.0f} "
            f"{r['median_ms']:>10.3f} {r['p99_ms']:>8.3f}"
        )


if __name__ == "__main__":
    main()

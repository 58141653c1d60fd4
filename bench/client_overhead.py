"""What ccrest's client costs over the wire's own: ``Client.get`` (one requests session, the
watchdog, masking, bounded reading, the exchange recorded) against a bare ``http.client``
request on one keep-alive connection, to the same simulator, interleaved round by round.

The simulator runs in its own process, once with no latency and once with ``--latency-ms``;
reported are the median milliseconds per request of each client, their ratio at 0 ms, and the
ratio of the time above the latency at the given latency (what each adds to the device's own
time). Talks only to 127.0.0.1.

    python bench/client_overhead.py [--requests 2000] [--rounds 5] [--latency-ms 20]
"""

from __future__ import annotations

import argparse
import base64
import http.client
import statistics
import subprocess
import time

from simulators import start_simulator

PASSWORD = "bench-password"
PATH = "/rest/full_state"


def start(latency_ms: float) -> tuple[subprocess.Popen[str], str]:
    return start_simulator(PASSWORD, "--latency-ms", str(latency_ms))


def bare(url: str, count: int) -> float:
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    auth = "Basic " + base64.b64encode(f"operator:{PASSWORD}".encode()).decode()
    start = time.perf_counter()
    for _ in range(count):
        conn.request("GET", PATH, headers={"Authorization": auth})
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"bare: {response.status}")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed / count * 1000


def ccrest(url: str, count: int) -> float:
    from ccrest.client import Client

    client = Client(url, "operator", PASSWORD, "basic", 10)
    start = time.perf_counter()
    for _ in range(count):
        if client.get(PATH).status != 200:
            raise SystemExit("ccrest: not 200")
    elapsed = time.perf_counter() - start
    client.close()
    return elapsed / count * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    args = parser.parse_args()
    for latency in (0.0, args.latency_ms):
        sim, url = start(latency)
        count = args.requests if latency == 0 else max(50, args.requests // 20)
        try:
            times: dict[str, list[float]] = {"bare": [], "ccrest": []}
            for _ in range(args.rounds):
                times["bare"].append(bare(url, count))
                times["ccrest"].append(ccrest(url, count))
        finally:
            sim.terminate()
            sim.wait(timeout=30)
        b, c = statistics.median(times["bare"]), statistics.median(times["ccrest"])
        if latency == 0:
            ratio = f"ccrest / bare {c / b:.2f}x"
        else:
            ratio = f"above the latency: ccrest / bare {(c - latency) / (b - latency):.2f}x"
        print(
            f"latency {latency:g} ms, {count} requests x {args.rounds} rounds: bare {b:.3f} ms, "
            f"ccrest {c:.3f} ms per request; {ratio}"
        )


if __name__ == "__main__":
    main()

"""Load on the real API: N triage requests from C concurrent clients on loopback.

Starts `zorgstraf serve` itself (SQLite in a temp dir unless ZORGSTRAF_DATABASE_URL is set), waits
for /health, sends the requests, prints req/s and latency percentiles, stops the server.
Usage: python benchmarks/bench_api.py [--requests 2000] [--clients 16] [--workers 1]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from zorgstraf.samples import generate


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--port", type=int, default=18765)
    args = ap.parse_args()

    env = dict(os.environ, ZORGSTRAF_API_KEYS="bench-key:lezer")
    env.setdefault("ZORGSTRAF_DATABASE_URL", f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}")
    exe = Path(sys.executable).parent / "zorgstraf"
    server = subprocess.Popen(
        [str(exe), "serve", "--port", str(args.port), "--workers", str(args.workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            raise SystemExit("server did not become healthy within 60 s")
        meldingen = generate(args.requests, seed=42, prefix="L")
        headers = {"Authorization": "Bearer bench-key"}
        client = httpx.Client(base_url=base, headers=headers, timeout=30, limits=httpx.Limits(max_connections=args.clients))

        def one(m):
            started = time.perf_counter()
            r = client.post("/v1/triage", json=m)
            return r.status_code, time.perf_counter() - started

        for m in meldingen[:20]:  # warm every variant's engine in the server
            one(m)
        started = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            results = list(pool.map(one, meldingen))
        elapsed = time.perf_counter() - started
        latencies = sorted(t for _, t in results)
        errors = sum(1 for code, _ in results if code != 200)
        print(
            f"requests:   {len(results)} from {args.clients} clients, {args.workers} worker(s), {env['ZORGSTRAF_DATABASE_URL'].split(':')[0]}"
        )
        print(f"errors:     {errors}")
        print(f"throughput: {len(results) / elapsed:,.0f} req/s")
        print(
            f"latency:    p50 {1000 * statistics.median(latencies):.0f} ms, p95 {1000 * latencies[int(0.95 * len(latencies)) - 1]:.0f} ms, max {1000 * latencies[-1]:.0f} ms"
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()

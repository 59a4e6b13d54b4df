"""A 20,000-row CSV import over HTTP while a sidebar pings: how long the event loop keeps a ping waiting.

    python -m bench.import_canary [--rows 20000] [--dry-run]

Prints the import's duration and the canary's ping round trips (median, p99, slowest) beside a baseline
taken without the import, on a real `kefu-copilot serve` over a fresh SQLite file.
"""

from __future__ import annotations

import argparse
import io
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx2 as httpx
from websockets.sync.client import connect

from bench.common import percentile
from copilot.auth import tokens, users
from copilot.auth.passwords import Passwords
from copilot.config import PROJECT_ROOT
from copilot.store import open_store


def bulk_csv(rows: int) -> bytes:
    out = io.StringIO()
    out.write("分组,快捷编码,短语内容,标题,意图,关键词,示例问题,启用,ID\r\n")
    for i in range(rows):
        out.write(
            f"售前,,亲，第{i}条批量话术，请您放心~,批量话术{i},product_info,批量|话术{i},第{i}个问题怎么办,是,bulk-{i}\r\n"
        )
    return out.getvalue().encode("utf-8")


def lead_token(url: str) -> str:
    store = open_store(url, PROJECT_ROOT / "phrasebank")
    try:
        with store.begin() as session:
            password_hash = Passwords(1, 1024).hash("bench-password")
            user = users.create_user(session, name="bench-lead", role="lead", password_hash=password_hash)
            return tokens.create_token(session, user=user)[1]
    finally:
        store.dispose()


def ping_until(ws_url: str, done: threading.Event, seconds: float | None = None) -> list[float]:
    samples = []
    ends = time.monotonic() + (seconds or 0)
    with connect(ws_url) as ws:
        while not done.is_set() and (seconds is None or time.monotonic() < ends):
            started = time.perf_counter()
            ws.send('{"type": "ping"}')
            ws.recv(timeout=600)
            samples.append(time.perf_counter() - started)
            time.sleep(0.06)  # ~15 pings a second: under the sidebar frame limit (20/s)
    return samples


def describe(samples: list[float]) -> str:
    return (
        f"{len(samples)} pings: median {percentile(samples, 50) * 1e3:.1f} ms, "
        f"p99 {percentile(samples, 99) * 1e3:.1f} ms, slowest {max(samples) * 1e3:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--dry-run", action="store_true", help="parse and plan only (no writes)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        token = lead_token(url)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        process = subprocess.Popen(
            [sys.executable, "-m", "copilot", "serve", "--port", str(port)],
            env={**os.environ, "COPILOT_DATABASE_URL": url},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(1200):
                try:
                    if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            ws_url = base.replace("http", "ws") + "/ws/agent"
            print("baseline:", describe(ping_until(ws_url, threading.Event(), seconds=5)))
            data, done, took = bulk_csv(args.rows), threading.Event(), {}

            def run_import() -> None:
                started = time.perf_counter()
                answer = httpx.post(
                    base + "/v1/phrases/import",
                    params={"dry_run": args.dry_run},
                    files={"file": ("bulk.csv", data)},
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=1200,
                )
                took["s"], took["status"] = time.perf_counter() - started, answer.status_code
                done.set()

            worker = threading.Thread(target=run_import)
            worker.start()
            samples = ping_until(ws_url, done)
            worker.join()
            print(f"import of {args.rows} rows: {took['status']} in {took['s']:.1f} s; during it:", describe(samples))
        finally:
            process.terminate()
            process.wait(30)


if __name__ == "__main__":
    main()

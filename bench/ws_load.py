"""WebSocket load: N agents on one worker, each typing a draft every 300 ms and getting a customer
message every 5 s, for a fixed time. Prints one JSON line per N.

Run: .venv/bin/python -m bench.ws_load [--agents 200,500] [--seconds 60]
Also measures a platform push (POST /v1/conversations/{id}/messages) reaching a watching sidebar
(budget: within 100 ms on one worker).
Budgets (issue #4, 2-core machine, this load client included): N=200 lint p99 <= 10 ms,
suggestions p99 <= 20 ms, zero errors; N=500 lint p99 <= 25 ms, no errors or dropped connections;
server RSS growth over a run <= 50 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx2 as httpx
import websockets
import yaml

from bench.common import percentile
from copilot.config import PROJECT_ROOT

DRAFT_EVERY = 0.3
CUSTOMER_EVERY = 5.0
REPLIES = (PROJECT_ROOT / "tests" / "data" / "good_replies.txt").read_text(encoding="utf-8").splitlines()
MESSAGES = [m["text"] for m in yaml.safe_load(
    (PROJECT_ROOT / "bench" / "data" / "suggest_dev.yaml").read_text(encoding="utf-8"))["messages"]]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def spread(values: list[float]) -> dict[str, float]:
    """p50 and p99 in milliseconds, and how many values there were."""
    if not values:
        return {"p50": 0.0, "p99": 0.0, "count": 0}
    return {"p50": round(percentile(values, 50), 2), "p99": round(percentile(values, 99), 2), "count": len(values)}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


PUSH_TOKEN = "bench-push-token"
PUSH_EVERY = 1.0


class Stats:
    def __init__(self) -> None:
        self.push_ms: list[float] = []
        self.lint_ms: list[float] = []
        self.suggest_ms: list[float] = []
        self.messages = 0
        self.errors = 0
        self.dropped = 0


async def agent(url: str, number: int, seconds: float, stats: Stats) -> None:
    rng = random.Random(number)
    sent_at: dict[int, float] = {}
    customer_at: list[float] = []
    try:
        async with websockets.connect(url, max_size=2**20, open_timeout=30) as ws:

            async def reader() -> None:
                async for raw in ws:
                    now = time.perf_counter()
                    frame = json.loads(raw)
                    stats.messages += 1
                    if frame["type"] == "lint":
                        stats.lint_ms.append((now - sent_at.pop(frame["seq"])) * 1000)
                        for seq in [s for s in sent_at if s < frame["seq"]]:
                            del sent_at[seq]  # skipped by the server: only the newest is answered
                    elif frame["type"] == "suggestions":
                        stats.suggest_ms.append((now - customer_at.pop(0)) * 1000)
                    elif frame["type"] == "error":
                        stats.errors += 1

            reading = asyncio.create_task(reader())
            # Each agent keeps its own fixed rhythm from a random phase: sleeping a fixed 300 ms after
            # each send would let the agents drift into step and arrive in bursts.
            started = time.perf_counter() + rng.random() * DRAFT_EVERY
            reply, seq = rng.choice(REPLIES), 0
            next_customer = started + rng.random() * CUSTOMER_EVERY
            while (tick := started + seq * DRAFT_EVERY) < started + seconds:
                await asyncio.sleep(max(0.0, tick - time.perf_counter()))
                if time.perf_counter() >= next_customer:
                    customer_at.append(time.perf_counter())
                    text = rng.choice(MESSAGES)
                    await ws.send(json.dumps({"type": "customer", "conversation": f"c{number}", "text": text}))
                    stats.messages += 1
                    next_customer += CUSTOMER_EVERY
                seq += 1
                typed = reply[: 1 + seq % len(reply)]
                sent_at[seq] = time.perf_counter()
                await ws.send(json.dumps({"type": "draft", "conversation": f"c{number}", "seq": seq, "text": typed}))
                stats.messages += 1
            await asyncio.sleep(1.0)  # collect the last answers
            reading.cancel()
    except (TimeoutError, OSError, websockets.WebSocketException):
        stats.dropped += 1


async def push_probe(url: str, seconds: float, stats: Stats) -> None:
    """A sidebar watching one conversation while the chat platform pushes to it once a second."""
    http_url = url.replace("ws://", "http://").replace("/ws/agent", "/v1/conversations/probe/messages")
    async with websockets.connect(url, open_timeout=30) as ws, httpx.AsyncClient() as client:
        await ws.send(json.dumps({"type": "watch", "conversation": "probe"}))
        await ws.recv()
        started = time.perf_counter()
        while time.perf_counter() - started < seconds:
            await asyncio.sleep(PUSH_EVERY)
            sent = time.perf_counter()
            response = await client.post(http_url, json={"role": "customer", "text": random.choice(MESSAGES)},
                                         headers={"Authorization": f"Bearer {PUSH_TOKEN}"})
            if response.status_code != 200:
                stats.errors += 1
                continue
            frame = json.loads(await ws.recv())
            if frame.get("type") == "suggestions":
                stats.push_ms.append((time.perf_counter() - sent) * 1000)


async def run_load(url: str, agents: int, seconds: float) -> Stats:
    stats = Stats()
    await asyncio.gather(push_probe(url, seconds, stats), *(agent(url, n, seconds, stats) for n in range(agents)))
    return stats


def start_server(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "COPILOT_DATABASE_URL": f"sqlite:///{folder / 'load.db'}",
           "COPILOT_INTEGRATION_TOKEN": PUSH_TOKEN}
    process = subprocess.Popen([sys.executable, "-m", "copilot", "serve", "--port", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/healthz"
    import urllib.request

    for _ in range(300):
        try:
            with urllib.request.urlopen(url, timeout=1):
                return process, f"ws://127.0.0.1:{port}/ws/agent"
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("server did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", default="200,500")
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        process, url = start_server(Path(tmp))
        try:
            for agents in (int(n) for n in args.agents.split(",")):
                rss_before = rss_mb(process.pid)
                started = time.perf_counter()
                stats = asyncio.run(run_load(url, agents, args.seconds))
                elapsed = time.perf_counter() - started
                print(json.dumps({
                    "agents": agents,
                    "seconds": args.seconds,
                    "lint_rtt_ms": spread(stats.lint_ms),
                    "suggest_rtt_ms": spread(stats.suggest_ms),
                    "push_to_sidebar_ms": spread(stats.push_ms),
                    "messages_per_s": round(stats.messages / elapsed),
                    "errors": stats.errors,
                    "dropped_connections": stats.dropped,
                    "server_rss_mb": {"before": rss_before, "after": rss_mb(process.pid)},
                }), flush=True)
        finally:
            process.terminate()
            process.wait(10)


if __name__ == "__main__":
    main()

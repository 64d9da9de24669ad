"""Benchmark a running Settle (`make run`, then `make bench`).

N concurrent scripted debtors hold verify-then-balance conversations for a fixed time, once
through the gateway and once straight to Rasa's REST webhook. Prints turns per second,
p50/p95/p99 per turn, their ratio and the resident memory of each process. Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

from receivables.demo import DEMO_DEBTORS

ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = {"nl": ("hoeveel moet ik nog betalen?", "welke facturen staan er nog open"),
             "en": ("how much do I owe?", "which invoices are still open")}  # fmt: skip


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0

    def summary(self, seconds: float) -> dict[str, float]:
        lat = sorted(self.latencies)
        if not lat:
            return {"turns": 0, "errors": self.errors}

        def pct(p: float) -> float:
            return round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1000, 1)

        return {"turns": len(lat), "turns_per_s": round(len(lat) / seconds, 2),
                "p50_ms": pct(0.50), "p95_ms": pct(0.95), "p99_ms": pct(0.99),
                "mean_ms": round(statistics.fmean(lat) * 1000, 1), "errors": self.errors}  # fmt: skip


def script(index: int) -> tuple[str, list[str]]:
    reference, _name, dob, _pc, _phone, language, *_ = DEMO_DEBTORS[index % len(DEMO_DEBTORS)]
    year, month, day = dob.split("-")
    balance_q, invoices_q = QUESTIONS[language]
    return language, [balance_q, reference, f"{day}-{month}-{year}", invoices_q]


async def debtor(index: int, send, deadline: float, run: Run) -> None:  # type: ignore[no-untyped-def]
    language, turns = script(index)
    while time.monotonic() < deadline:
        conversation = f"bench-{uuid.uuid4().hex[:12]}"
        for text in turns:
            if time.monotonic() >= deadline:
                return
            started = time.monotonic()
            try:
                ok = await send(conversation, text, language)
            except httpx.HTTPError:
                ok = False
            if ok:
                run.latencies.append(time.monotonic() - started)
            else:
                run.errors += 1


async def measure(n: int, seconds: float, send) -> Run:  # type: ignore[no-untyped-def]
    run = Run()
    deadline = time.monotonic() + seconds
    await asyncio.gather(*(debtor(i, send, deadline, run) for i in range(n)))
    return run


def memory() -> dict[str, float]:
    result = {}
    for pid_file in sorted((ROOT / "var" / "run").glob("*.pid")):
        try:
            process = psutil.Process(int(pid_file.read_text()))
            rss = process.memory_info().rss + sum(
                c.memory_info().rss for c in process.children(recursive=True)
            )
            result[pid_file.stem] = round(rss / 2**20, 1)
        except (psutil.Error, ValueError):
            result[pid_file.stem] = float("nan")
    return result


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--debtors", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument(
        "--gateway", default=f"http://127.0.0.1:{os.environ.get('SETTLE_PORT', '8000')}"
    )
    parser.add_argument(
        "--rasa", default=os.environ.get("SETTLE_RASA_URL", "http://127.0.0.1:5005")
    )
    args = parser.parse_args()
    for url in (args.gateway, args.rasa):
        if not url.startswith(("http://127.", "http://localhost")):
            raise SystemExit(f"refusing to load a non-loopback address: {url}")

    limits = httpx.Limits(max_connections=args.debtors * 2)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:

        async def via_gateway(conversation: str, text: str, language: str) -> bool:
            r = await http.post(f"{args.gateway}/api/v1/conversations/{conversation}/messages",
                                json={"text": text})  # fmt: skip
            return r.status_code == 200 and bool(r.json()["messages"])

        async def via_rasa(conversation: str, text: str, language: str) -> bool:
            r = await http.post(f"{args.rasa}/webhooks/rest/webhook", json={
                "sender": conversation, "message": text, "metadata": {"language": language}})  # fmt: skip
            return r.status_code == 200 and bool(r.json())

        gateway = await measure(args.debtors, args.seconds, via_gateway)
        direct = await measure(args.debtors, args.seconds, via_rasa)

    figures = {"debtors": args.debtors, "seconds": args.seconds,
               "gateway": gateway.summary(args.seconds), "rasa_direct": direct.summary(args.seconds),
               "rss_mib": memory()}  # fmt: skip
    g, d = figures["gateway"], figures["rasa_direct"]
    if g.get("turns") and d.get("turns"):
        figures["ratio_gateway_to_direct"] = {
            "turns_per_s": round(g["turns_per_s"] / d["turns_per_s"], 2),
            "p50": round(g["p50_ms"] / d["p50_ms"], 2), "p95": round(g["p95_ms"] / d["p95_ms"], 2),
        }  # fmt: skip
    for name in ("gateway", "rasa_direct"):
        s = figures[name]
        print(f"{name:12} turns {s.get('turns', 0):6}  {s.get('turns_per_s', 0):7} turns/s  "
              f"p50 {s.get('p50_ms', '-')} ms  p95 {s.get('p95_ms', '-')} ms  "
              f"p99 {s.get('p99_ms', '-')} ms  errors {s['errors']}")  # fmt: skip
    print("ratio gateway/direct:", figures.get("ratio_gateway_to_direct"))
    print("resident memory (MiB):", figures["rss_mib"])
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    asyncio.run(main())

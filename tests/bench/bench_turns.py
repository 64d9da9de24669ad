"""Benchmark a running Settle: `make run` in one terminal, `make bench` in another.

N concurrent scripted debtors hold conversations for a fixed time: ask for the balance, give
the customer number, give the date of birth (the balance is answered), ask for the open
invoices; then start over in a fresh conversation. This runs once through the gateway
(POST /api/v1/conversations/{id}/messages) and once straight to Rasa's REST webhook, and
prints for both the turns, turns/s, p50/p95/p99 per turn and errors, the ratio
gateway/direct and the resident memory of each process (from var/run/*.pid). The figures
also go to var/bench/<timestamp>.json. Loopback addresses only; it stops by itself.

    make bench ARGS="--debtors 40 --seconds 60"
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import psutil

from receivables.demo import DEMO_DEBTORS

ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = {
    "nl": ("hoeveel moet ik nog betalen?", "welke facturen staan nog open?"),
    "en": ("how much do I owe?", "which invoices are still open?"),
}
LOOPBACK = ("127.0.0.1", "localhost", "::1")
REQUEST_TIMEOUT = 30.0

# one turn: (conversation id, text, language) -> the reply texts, or None for an error
Send = Callable[[str, str, str], Awaitable[list[str] | None]]


@dataclass
class Script:
    language: str
    turns: list[str]
    # index of the turn whose answer must carry an amount (the balance after verification)
    balance_turn: int


def owing(debtor: tuple[Any, ...]) -> bool:
    invoices, paid = debtor[6], debtor[7]
    return sum(Decimal(i[1]) for i in invoices) > Decimal(paid or 0)


# the demo debtors with something to pay, so that every balance answer carries an amount
DEBTORS = [d for d in DEMO_DEBTORS if owing(d)]


def script(index: int, invoices: bool = True) -> Script:
    """The conversation of scripted debtor `index`, with one of the demo debtors."""
    reference, _name, dob, _postcode, _phone, language, *_ = DEBTORS[index % len(DEBTORS)]
    year, month, day = dob.split("-")
    balance_question, invoices_question = QUESTIONS[language]
    turns = [balance_question, reference, f"{day}-{month}-{year}"]
    if invoices:
        turns.append(invoices_question)
    return Script(language, turns, balance_turn=2)


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    conversations: int = 0
    # turns that verified the debtor, and how many of them were answered with an amount
    balance_turns: int = 0
    balances_answered: int = 0

    def summary(self, seconds: float) -> dict[str, Any]:
        lat = sorted(self.latencies)

        def pct(p: float) -> float | None:
            return round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1000, 1) if lat else None

        return {
            "turns": len(lat),
            "turns_per_s": round(len(lat) / seconds, 2),
            "p50_ms": pct(0.50),
            "p95_ms": pct(0.95),
            "p99_ms": pct(0.99),
            "max_ms": round(lat[-1] * 1000, 1) if lat else None,
            "errors": self.errors,
            "conversations": self.conversations,
            "balance_turns": self.balance_turns,
            "balances_answered": self.balances_answered,
        }


async def debtor(
    index: int, send: Send, deadline: float, run: Run, invoices: bool, once: bool = False
) -> None:
    """Hold conversations until the deadline (or just one with once=True)."""
    plan = script(index, invoices)
    while time.monotonic() < deadline:
        conversation = f"bench-{uuid.uuid4().hex[:16]}"
        run.conversations += 1
        for number, text in enumerate(plan.turns):
            if time.monotonic() >= deadline:
                return
            started = time.monotonic()
            try:
                replies = await send(conversation, text, plan.language)
            except (httpx.HTTPError, ValueError, KeyError, TypeError):
                replies = None
            if replies is None:
                run.errors += 1
                break  # this conversation is off script: start a fresh one
            run.latencies.append(time.monotonic() - started)
            if number == plan.balance_turn:
                run.balance_turns += 1
                run.balances_answered += any("€" in reply for reply in replies)
        if once:
            return


async def measure(debtors: int, seconds: float, send: Send, invoices: bool) -> Run:
    """Run the scripted debtors until the deadline; turns still open a little after it are
    cancelled, so a hanging server cannot keep the benchmark going."""
    run = Run()
    deadline = time.monotonic() + seconds
    tasks = [asyncio.create_task(debtor(i, send, deadline, run, invoices)) for i in range(debtors)]
    _done, pending = await asyncio.wait(tasks, timeout=seconds + REQUEST_TIMEOUT + 5)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    return run


def read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def memory(pid_dir: Path) -> dict[str, float | None]:
    """Resident memory in MiB of each process in pid_dir, its children included."""
    result: dict[str, float | None] = {}
    for pid_file in sorted(pid_dir.glob("*.pid")):
        pid = read_pid(pid_file)
        try:
            if pid is None:
                raise psutil.NoSuchProcess(0)
            process = psutil.Process(pid)
            family = [process, *process.children(recursive=True)]
            rss = sum(p.memory_info().rss for p in family)
            result[pid_file.stem] = round(rss / 2**20, 1)
        except psutil.Error:
            result[pid_file.stem] = None
    return result


def ratios(gateway: dict[str, Any], direct: dict[str, Any]) -> dict[str, float | None]:
    def ratio(key: str) -> float | None:
        g, d = gateway.get(key), direct.get(key)
        return round(g / d, 2) if g and d else None

    return {key: ratio(key) for key in ("turns_per_s", "p50_ms", "p95_ms", "p99_ms")}


def check_loopback(url: str) -> str:
    host = urlsplit(url).hostname or ""
    if host not in LOOPBACK and not host.startswith("127."):
        raise SystemExit(f"refusing to load a non-loopback address: {url}")
    return url.rstrip("/")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    env = os.environ.get
    port = env("SETTLE_PORT") or "8000"
    parser = argparse.ArgumentParser(
        prog="make bench ARGS=...",
        description="Benchmark a running Settle (start it with `make run` first).",
    )
    parser.add_argument("--debtors", type=int, default=20, help="concurrent debtors (20)")
    parser.add_argument("--seconds", type=float, default=30, help="seconds per target (30)")
    parser.add_argument("--gateway", default=f"http://127.0.0.1:{port}", help="gateway URL")
    parser.add_argument(
        "--rasa", default=env("SETTLE_RASA_URL") or "http://127.0.0.1:5005", help="Rasa URL"
    )
    parser.add_argument(
        "--admin-token",
        default=env("SETTLE_ADMIN_TOKEN"),
        help="admin token (SETTLE_ADMIN_TOKEN): counts the handoffs the run caused",
    )
    parser.add_argument(
        "--rasa-token",
        default=env("SETTLE_RASA_TOKEN"),
        help="Rasa API token (SETTLE_RASA_TOKEN): reports the loaded model",
    )
    parser.add_argument("--no-invoices", action="store_true", help="skip the 'which invoices' turn")
    parser.add_argument("--only", choices=["gateway", "rasa"], help="measure one target")
    parser.add_argument("--pid-dir", type=Path, default=ROOT / "var" / "run")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench")
    args = parser.parse_args(argv)
    if args.debtors < 1 or not 0 < args.seconds <= 3600:
        parser.error("--debtors must be >= 1 and --seconds between 0 and 3600")
    args.gateway, args.rasa = check_loopback(args.gateway), check_loopback(args.rasa)
    return args


async def waiting_handoffs(http: httpx.AsyncClient, gateway: str, token: str | None) -> int | None:
    if not token:
        return None
    response = await http.get(
        f"{gateway}/api/v1/handoffs",
        params={"status": "waiting"},
        headers={"Authorization": f"Bearer {token}"},
    )
    return len(response.json()) if response.status_code == 200 else None


async def preflight(http: httpx.AsyncClient, args: argparse.Namespace) -> dict[str, Any]:
    """Is the system up? Fails with a hint when it is not."""
    try:
        health = await http.get(f"{args.gateway}/healthz", timeout=5)
    except httpx.HTTPError as exc:
        raise SystemExit(
            f"no gateway at {args.gateway} ({type(exc).__name__}): start Settle with "
            "`make run` in another terminal first"
        ) from exc
    if health.status_code != 200:
        raise SystemExit(f"{args.gateway}/healthz says {health.status_code}: {health.text}")
    info: dict[str, Any] = {"health": health.json()}
    if args.rasa_token:
        status = await http.get(f"{args.rasa}/status", params={"token": args.rasa_token})
        if status.status_code == 200:
            info["rasa_model"] = status.json().get("model_file")
    return info


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=args.debtors * 2, max_keepalive_connections=args.debtors)
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT, limits=limits) as http:
        # each conversation's secret, from its first answer, sent as the web chat sends it
        secrets: dict[str, str] = {}

        async def via_gateway(conversation: str, text: str, language: str) -> list[str] | None:
            token = secrets.get(conversation)
            response = await http.post(
                f"{args.gateway}/api/v1/conversations/{conversation}/messages",
                json={"text": text, "language": language},
                headers={"X-Conversation-Token": token} if token else {},
            )
            if response.status_code != 200:
                return None
            body = response.json()
            if body.get("conversation_token"):
                secrets[conversation] = body["conversation_token"]
            texts = [m["text"] for m in body["messages"] if m["sender"] == "bot"]
            # "waiting": handed to a person (e.g. Rasa was unavailable): off script
            return texts if body["state"] == "bot" and texts else None

        async def via_rasa(conversation: str, text: str, language: str) -> list[str] | None:
            response = await http.post(
                f"{args.rasa}/webhooks/rest/webhook",
                json={"sender": conversation, "message": text, "metadata": {"language": language}},
            )
            if response.status_code != 200:
                return None
            texts = [r.get("text") or "" for r in response.json()]
            return texts or None

        figures: dict[str, Any] = {
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "debtors": args.debtors,
            "seconds": args.seconds,
            "invoices_turn": not args.no_invoices,
            **await preflight(http, args),
        }
        handoffs_before = await waiting_handoffs(http, args.gateway, args.admin_token)
        targets: list[tuple[str, Send]] = [("gateway", via_gateway), ("rasa_direct", via_rasa)]
        for name, send in targets:
            if args.only and not name.startswith(args.only):
                continue
            print(f"{name}: {args.debtors} debtors for {args.seconds:g} s...", flush=True)
            # one conversation first so that lazy loading is not measured
            await debtor(0, send, time.monotonic() + 30, Run(), invoices=False, once=True)
            run = await measure(args.debtors, args.seconds, send, not args.no_invoices)
            figures[name] = run.summary(args.seconds)
        handoffs_after = await waiting_handoffs(http, args.gateway, args.admin_token)
    if handoffs_before is not None and handoffs_after is not None:
        figures["handoffs_created"] = handoffs_after - handoffs_before
    if "gateway" in figures and "rasa_direct" in figures:
        figures["ratio_gateway_to_direct"] = ratios(figures["gateway"], figures["rasa_direct"])
    figures["rss_mib"] = memory(args.pid_dir)
    return figures


def report(figures: dict[str, Any]) -> str:
    def cell(value: object) -> str:
        return "-" if value is None else str(value)

    columns = ("turns", "turns_per_s", "p50_ms", "p95_ms", "p99_ms", "errors")
    header = f"{'':12}" + "".join(f"{c:>13}" for c in columns) + f"{'balances':>11}"
    lines = [header]
    for name in ("gateway", "rasa_direct"):
        if name in figures:
            s = figures[name]
            answered = f"{s['balances_answered']}/{s['balance_turns']}"
            lines.append(
                f"{name:12}" + "".join(f"{cell(s[c]):>13}" for c in columns) + f"{answered:>11}"
            )
    if ratio := figures.get("ratio_gateway_to_direct"):
        lines.append(
            f"{'gw / direct':12}{'':13}" + "".join(f"{cell(ratio[c]):>13}" for c in columns[1:5])
        )
    memory_text = ", ".join(f"{k} {cell(v)}" for k, v in figures["rss_mib"].items())
    lines.append(f"resident memory, MiB (children included): {memory_text or 'no pid files'}")
    if "handoffs_created" in figures:
        lines.append(f"handoffs created during the run: {figures['handoffs_created']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    figures = asyncio.run(bench(args))
    print(report(figures))
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"figures written to {path}")


if __name__ == "__main__":
    main()

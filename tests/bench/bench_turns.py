"""Benchmark a running Settle: `make run` in one terminal, `make bench` in another.

Scripted debtors hold conversations: ask for the balance, give the customer number, give the
date of birth (the balance is answered, and checked to the cent), ask for the open invoices;
then start over in a fresh conversation. One run measures, in this order:

1. sequential: one debtor at a time, through the gateway and straight to Rasa (the ratio of
   the two is the gateway's cost);
2. closed loop: --debtors concurrent debtors, each sending its next turn as soon as the
   last one is answered (today's load test; its rate is what the system gives);
3. open loop: turns offered at fixed rates (--rates, turns/s), whatever the answers do: a new
   conversation starts every (turns per conversation / rate) seconds and each debtor sends
   the next turn one second after the last answer at the earliest. A turn answered after the
   phase's deadline does not count in the achieved rate. The capacity is the highest offered
   rate with p95 under 500 ms, no errors and no balance failures.

For every phase: turns, achieved turns/s, p50/p95/p99, errors, balance failures, the action-
server calls per turn (counted by Rasa, GET /settle/action-calls) and each process's CPU
share (100 % = one core, from var/run/*.pid, children included). Then the resident memory of
each process. The figures also go to var/bench/<timestamp>.json. The exit code is 1 when a
balance answer was wrong or missing. Loopback addresses only; it stops by itself.

    make bench ARGS="--seconds 20 --rates 10,20,30,40"
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import uuid
import zlib
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
CAPACITY_P95_MS = 500.0
# an open-loop debtor reads the answer and types the next message in at least this long
THINK_SECONDS = 1.0

# one turn: (conversation id, text, language) -> the reply texts, or None for an error
Send = Callable[[str, str, str], Awaitable[list[str] | None]]


@dataclass
class Script:
    language: str
    turns: list[str]
    # index of the turn whose answer must carry the balance (after verification)
    balance_turn: int
    balance: str


def owing(debtor: tuple[Any, ...]) -> Decimal:
    invoices, paid = debtor[6], debtor[7]
    return sum((Decimal(i[1]) for i in invoices), Decimal(0)) - Decimal(paid or 0)


def amount_text(amount: Decimal, language: str) -> str:
    """The amount as the bot writes it: 1.234,56 in Dutch, 1,234.56 in English."""
    text = f"{amount:,.2f}"
    return text.translate(str.maketrans(",.", ".,")) if language == "nl" else text


# the demo debtors with something to pay, so that every balance answer carries an amount
DEBTORS = [d for d in DEMO_DEBTORS if owing(d) > 0]


def script(index: int, invoices: bool = True) -> Script:
    """The conversation of scripted debtor `index`, with one of the demo debtors."""
    debtor = DEBTORS[index % len(DEBTORS)]
    reference, _name, dob, _postcode, _phone, language, *_ = debtor
    year, month, day = dob.split("-")
    balance_question, invoices_question = QUESTIONS[language]
    turns = [balance_question, reference, f"{day}-{month}-{year}"]
    if invoices:
        turns.append(invoices_question)
    return Script(language, turns, 2, amount_text(owing(debtor), language))


@dataclass
class Run:
    deadline: float = 0.0
    latencies: list[float] = field(default_factory=list)
    # turns answered after the deadline: in the percentiles, not in the achieved rate
    late: int = 0
    # turns sent before the deadline (the rate actually offered)
    sent: int = 0
    errors: int = 0
    conversations: int = 0
    balance_turns: int = 0
    balance_failures: int = 0

    def record(self, started: float, replies: list[str], plan: Script, number: int) -> None:
        now = time.monotonic()
        self.latencies.append(now - started)
        self.late += now > self.deadline
        if number == plan.balance_turn:
            self.balance_turns += 1
            answer = " ".join(replies)
            self.balance_failures += "€" not in answer or plan.balance not in answer

    def summary(self, seconds: float) -> dict[str, Any]:
        lat = sorted(self.latencies)

        def pct(p: float) -> float | None:
            return round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1000, 1) if lat else None

        return {
            "turns": len(lat),
            "turns_per_s": round((len(lat) - self.late) / seconds, 2),
            "offered_per_s": round(self.sent / seconds, 2),
            "p50_ms": pct(0.50),
            "p95_ms": pct(0.95),
            "p99_ms": pct(0.99),
            "max_ms": round(lat[-1] * 1000, 1) if lat else None,
            "late_turns": self.late,
            "errors": self.errors,
            "conversations": self.conversations,
            "balance_turns": self.balance_turns,
            "balance_failures": self.balance_failures,
        }


async def converse(
    plan: Script, send: Send, run: Run, *, stop_at: float, think: float = 0.0
) -> None:
    """One conversation; stops early on an error or when no turn may start any more."""
    conversation = f"bench-{uuid.uuid4().hex[:16]}"
    run.conversations += 1
    for number, text in enumerate(plan.turns):
        if number and think:
            await asyncio.sleep(think)
        if time.monotonic() >= stop_at:
            return
        started = time.monotonic()
        run.sent += 1
        try:
            replies = await send(conversation, text, plan.language)
        except (httpx.HTTPError, ValueError, KeyError, TypeError):
            replies = None
        if replies is None:
            run.errors += 1
            return  # this conversation is off script
        run.record(started, replies, plan, number)


async def closed_loop(debtors: int, seconds: float, send: Send, invoices: bool) -> Run:
    """`debtors` debtors, each starting its next turn as soon as the last one is answered.
    Turns still open a little after the deadline are cancelled, so a hanging server cannot
    keep the benchmark going."""
    run = Run(deadline=time.monotonic() + seconds)

    async def debtor(index: int) -> None:
        while time.monotonic() < run.deadline:
            await converse(script(index, invoices), send, run, stop_at=run.deadline)

    await finish([asyncio.create_task(debtor(i)) for i in range(debtors)], seconds)
    return run


async def open_loop(rate: float, seconds: float, send: Send, invoices: bool) -> Run:
    """Conversations started on a fixed schedule so that `rate` turns/s are offered."""
    run = Run(deadline=time.monotonic() + seconds)
    turns = len(script(0, invoices).turns)
    interval = turns / rate
    tasks = []
    for index in range(int(seconds / interval)):
        start = run.deadline - seconds + index * interval
        await asyncio.sleep(max(0.0, start - time.monotonic()))
        plan = script(index, invoices)
        tasks.append(
            asyncio.create_task(
                converse(plan, send, run, stop_at=run.deadline, think=THINK_SECONDS)
            )
        )
    await finish(tasks, max(0.0, run.deadline - time.monotonic()))
    return run


async def finish(tasks: list[asyncio.Task[None]], seconds: float) -> None:
    _done, pending = await asyncio.wait(tasks, timeout=seconds + REQUEST_TIMEOUT + 5)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)


def read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def families(pid_dir: Path) -> dict[str, list[psutil.Process]]:
    """Each process named in pid_dir with its children."""
    result: dict[str, list[psutil.Process]] = {}
    for pid_file in sorted(pid_dir.glob("*.pid")):
        pid = read_pid(pid_file)
        try:
            if pid is None:
                raise psutil.NoSuchProcess(0)
            process = psutil.Process(pid)
            result[pid_file.stem] = [process, *process.children(recursive=True)]
        except psutil.Error:
            result[pid_file.stem] = []
    return result


def memory(pid_dir: Path) -> dict[str, float | None]:
    """Resident memory in MiB of each process in pid_dir, its children included."""
    result: dict[str, float | None] = {}
    for name, family in families(pid_dir).items():
        try:
            rss = sum(p.memory_info().rss for p in family)
            result[name] = round(rss / 2**20, 1) if family else None
        except psutil.Error:
            result[name] = None
    return result


class CpuMeter:
    """CPU seconds each process (with its children) used between start() and shares()."""

    def __init__(self, pid_dir: Path) -> None:
        self.pid_dir = pid_dir
        self.started = 0.0
        self.before: dict[str, float] = {}

    @staticmethod
    def _cpu(family: list[psutil.Process]) -> float:
        total = 0.0
        for process in family:
            try:
                times = process.cpu_times()
                total += times.user + times.system
            except psutil.Error:
                pass
        return total

    def _now(self) -> dict[str, float]:
        return {name: self._cpu(family) for name, family in families(self.pid_dir).items()}

    def start(self) -> None:
        psutil.cpu_percent()  # the machine's share is measured from here
        self.started, self.before = time.monotonic(), self._now()

    def shares(self) -> dict[str, float]:
        """Percent of one core per process over the measured time."""
        wall = max(time.monotonic() - self.started, 1e-9)
        after = self._now()
        shares = {n: round(100 * (after[n] - self.before.get(n, 0.0)) / wall) for n in after}
        machine = round(psutil.cpu_percent() * (psutil.cpu_count() or 1))
        # other work on the machine (other users, the benchmark itself)
        shares["others"] = max(0, machine - sum(shares.values()))
        shares["machine"] = machine
        return shares


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


def default_rasa_urls(pid_dir: Path) -> str:
    """SETTLE_RASA_URL, else what `make run` starts: one Rasa per rasa*.pid from port 5005."""
    if urls := os.environ.get("SETTLE_RASA_URL"):
        return urls
    count = max(1, len(list(pid_dir.glob("rasa*.pid"))))
    return ",".join(f"http://127.0.0.1:{5005 + i}" for i in range(count))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    env = os.environ.get
    port = env("SETTLE_PORT") or "8000"
    parser = argparse.ArgumentParser(
        prog="make bench ARGS=...",
        description="Benchmark a running Settle (start it with `make run` first).",
    )
    parser.add_argument("--debtors", type=int, default=20, help="closed-loop debtors (20)")
    parser.add_argument("--seconds", type=float, default=20, help="seconds per phase (20)")
    parser.add_argument(
        "--rates", default="10,20,30,40,50", help="open-loop offered turns/s (10,20,30,40,50)"
    )
    parser.add_argument(
        "--phases",
        default="sequential,closed,open",
        help="which phases to run (sequential,closed,open)",
    )
    parser.add_argument("--gateway", default=f"http://127.0.0.1:{port}", help="gateway URL")
    parser.add_argument("--pid-dir", type=Path, default=ROOT / "var" / "run")
    parser.add_argument(
        "--rasa", default=None, help="Rasa URLs, comma separated (SETTLE_RASA_URL or make run's)"
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
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench")
    args = parser.parse_args(argv)
    args.rates = [float(r) for r in args.rates.split(",") if r.strip()]
    args.phases = {p.strip() for p in args.phases.split(",") if p.strip()}
    if args.debtors < 1 or not 0 < args.seconds <= 3600 or any(r <= 0 for r in args.rates):
        parser.error("--debtors >= 1, --seconds between 0 and 3600, --rates > 0")
    if unknown := args.phases - {"sequential", "closed", "open"}:
        parser.error(f"unknown phases: {', '.join(sorted(unknown))}")
    args.gateway = check_loopback(args.gateway)
    args.rasa = [
        check_loopback(u) for u in (args.rasa or default_rasa_urls(args.pid_dir)).split(",")
    ]
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


async def action_calls(http: httpx.AsyncClient, rasa: list[str]) -> dict[str, int] | None:
    """Action-server calls so far, by action, summed over the Rasa processes (None when a
    Rasa does not count them: not started through bot/runtime/server.py)."""
    total: dict[str, int] = {}
    for url in rasa:
        try:
            response = await http.get(f"{url}/settle/action-calls", timeout=5)
        except httpx.HTTPError:
            return None
        if response.status_code != 200:
            return None
        for name, count in response.json()["calls"].items():
            total[name] = total.get(name, 0) + count
    return total


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
    info: dict[str, Any] = {"health": health.json(), "rasa_processes": len(args.rasa)}
    if args.rasa_token:
        status = await http.get(f"{args.rasa[0]}/status", params={"token": args.rasa_token})
        if status.status_code == 200:
            info["rasa_model"] = status.json().get("model_file")
    return info


class Phases:
    """Runs one measured phase at a time, with its action-server calls and CPU shares."""

    def __init__(self, http: httpx.AsyncClient, args: argparse.Namespace) -> None:
        self.http, self.args = http, args
        self.cpu = CpuMeter(args.pid_dir)

    async def measure(self, name: str, load: Callable[[], Awaitable[Run]]) -> dict[str, Any]:
        print(f"{name}...", flush=True)
        calls_before = await action_calls(self.http, self.args.rasa)
        self.cpu.start()
        run = await load()
        figures = run.summary(self.args.seconds)
        figures["cpu_percent"] = self.cpu.shares()
        calls_after = await action_calls(self.http, self.args.rasa)
        if calls_before is not None and calls_after is not None and run.latencies:
            delta = {k: v - calls_before.get(k, 0) for k, v in calls_after.items()}
            delta = {k: v for k, v in delta.items() if v}
            figures["action_calls"] = delta
            figures["action_calls_per_turn"] = round(sum(delta.values()) / len(run.latencies), 2)
        return figures


def senders(http: httpx.AsyncClient, args: argparse.Namespace) -> dict[str, Send]:
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
        # the Rasa process the gateway would choose (api/rasa_client.py)
        rasa = args.rasa[zlib.crc32(conversation.encode()) % len(args.rasa)]
        response = await http.post(
            f"{rasa}/webhooks/rest/webhook",
            json={"sender": conversation, "message": text, "metadata": {"language": language}},
        )
        if response.status_code != 200:
            return None
        texts = [r.get("text") or "" for r in response.json()]
        return texts or None

    return {"gateway": via_gateway, "rasa_direct": via_rasa}


def capacity(open_loop_figures: dict[str, dict[str, Any]]) -> float | None:
    """The highest offered rate answered with p95 under 500 ms, no errors, no failures."""
    good = [
        float(rate)
        for rate, f in open_loop_figures.items()
        if f["p95_ms"] is not None
        and f["p95_ms"] < CAPACITY_P95_MS
        and not f["errors"]
        and not f["balance_failures"]
        and f["turns_per_s"] >= 0.9 * f["offered_per_s"]
    ]
    return max(good) if good else None


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    most = max(args.debtors, int(max(args.rates, default=1) * 4)) + 10
    limits = httpx.Limits(max_connections=most * 2, max_keepalive_connections=most)
    invoices = not args.no_invoices
    seconds = args.seconds
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT, limits=limits) as http:
        send = senders(http, args)
        phases = Phases(http, args)
        figures: dict[str, Any] = {
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "seconds": seconds,
            "invoices_turn": invoices,
            "load_average": os.getloadavg(),
            **await preflight(http, args),
        }
        handoffs_before = await waiting_handoffs(http, args.gateway, args.admin_token)
        # one conversation on each target first, so that lazy loading is not measured
        for target in send.values():
            await converse(script(0, False), target, Run(), stop_at=time.monotonic() + 30)
        if "sequential" in args.phases:
            for name, target in send.items():
                figures[f"sequential_{name}"] = await phases.measure(
                    f"sequential, {name}: 1 debtor for {seconds:g} s",
                    lambda t=target: closed_loop(1, seconds, t, invoices),
                )
            figures["ratio_gateway_to_direct"] = ratios(
                figures["sequential_gateway"], figures["sequential_rasa_direct"]
            )
        if "closed" in args.phases:
            figures["closed_loop"] = await phases.measure(
                f"closed loop, gateway: {args.debtors} debtors for {seconds:g} s",
                lambda: closed_loop(args.debtors, seconds, send["gateway"], invoices),
            )
            figures["closed_loop"]["debtors"] = args.debtors
        if "open" in args.phases:
            figures["open_loop"] = {}
            for rate in args.rates:
                figures["open_loop"][f"{rate:g}"] = await phases.measure(
                    f"open loop, gateway: {rate:g} turns/s offered for {seconds:g} s",
                    lambda r=rate: open_loop(r, seconds, send["gateway"], invoices),
                )
            figures["capacity_turns_per_s"] = capacity(figures["open_loop"])
        handoffs_after = await waiting_handoffs(http, args.gateway, args.admin_token)
    if handoffs_before is not None and handoffs_after is not None:
        figures["handoffs_created"] = handoffs_after - handoffs_before
    figures["rss_mib"] = memory(args.pid_dir)
    return figures


def rows(figures: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    result = [
        (label, figures[key])
        for key, label in (
            ("sequential_gateway", "seq gateway"),
            ("sequential_rasa_direct", "seq direct"),
            ("closed_loop", f"closed x{figures.get('closed_loop', {}).get('debtors', '')}"),
        )
        if key in figures
    ]
    for rate, f in figures.get("open_loop", {}).items():
        result.append((f"open {rate}/s", f))
    return result


def report(figures: dict[str, Any]) -> str:
    def cell(value: object) -> str:
        return "-" if value is None else str(value)

    columns = ("turns", "offered_per_s", "turns_per_s", "p50_ms", "p95_ms", "p99_ms", "errors")
    header = f"{'':13}" + "".join(f"{c:>14}" for c in columns)
    header += f"{'bal.fail':>10}{'calls/turn':>12}"
    lines = [header]
    for label, f in rows(figures):
        lines.append(
            f"{label:13}"
            + "".join(f"{cell(f[c]):>14}" for c in columns)
            + f"{f['balance_failures']:>10}{cell(f.get('action_calls_per_turn')):>12}"
        )
    if ratio := figures.get("ratio_gateway_to_direct"):
        lines.append(
            f"{'gw / direct':13}{'':28}" + "".join(f"{cell(ratio[c]):>14}" for c in columns[2:6])
        )
    if "open_loop" in figures:
        lines.append(
            f"capacity (offered rate answered with p95 < {CAPACITY_P95_MS:.0f} ms, no errors): "
            f"{cell(figures['capacity_turns_per_s'])} turns/s"
        )
    lines.append("CPU, % of one core per process (children included), per phase:")
    for label, f in rows(figures):
        shares = ", ".join(f"{k} {v}" for k, v in f["cpu_percent"].items())
        lines.append(f"  {label:13} {shares}")
    calls = {label: f.get("action_calls") for label, f in rows(figures)}
    if any(calls.values()):
        lines.append("action-server calls, by action:")
        for label, by_action in calls.items():
            lines.append(f"  {label:13} {by_action}")
    memory_text = ", ".join(f"{k} {cell(v)}" for k, v in figures["rss_mib"].items())
    lines.append(f"resident memory, MiB (children included): {memory_text or 'no pid files'}")
    if "handoffs_created" in figures:
        lines.append(f"handoffs created during the run: {figures['handoffs_created']}")
    failures = sum(f["balance_failures"] for _label, f in rows(figures))
    lines.append(f"balance answers wrong or missing: {failures}")
    lines.append(
        f"load average at the start: {', '.join(f'{x:.2f}' for x in figures['load_average'])}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    figures = asyncio.run(bench(args))
    print(report(figures))
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"figures written to {path}")
    return 1 if any(f["balance_failures"] for _label, f in rows(figures)) else 0


if __name__ == "__main__":
    sys.exit(main())

"""The credit manager's dashboard in the console: the report figures as tables, each with a
chart drawn as SVG and a CSV download, in Dutch or English (catalogue/dashboard.yml)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from api.console.charts import bar_chart, line_chart
from api.console.i18n import page_texts
from receivables.common.dates import format_date
from receivables.common.money import format_money

TABLES = ("dso", "ageing", "payments", "handoffs", "arrangements", "reminders", "portfolio")


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    header: list[str]
    rows: list[list[str]]
    chart: str


def _money(value: Any, language: str) -> str:
    return format_money(value, language) if value is not None else "–"


def tables(figures: dict[str, Any], language: str) -> list[Table]:
    """The dashboard's tables (and charts) from the reports API's figures."""
    t = page_texts("dashboard", language)
    dso = figures["dso"]
    weeks = dso["weeks"]
    week_labels = [format_date(w["start"], language)[:6] for w in weeks]
    ageing = figures["ageing"]["buckets"]
    bucket_labels = [t["not_due"] if b["bucket"] == "not_due" else b["bucket"] for b in ageing]
    ways = figures["payments"]["current"]["by_way"]
    assistant = figures["assistant"]["current"]
    arrangements = figures["arrangements"]["current"]
    portfolio = figures["portfolio"]["groups"]
    steps = figures["reminders"]["current"]["steps"]
    return [
        Table(
            "dso",
            t["dso_weeks"],
            [t["week"], t["dso"], t["receivables"]],
            [
                [
                    format_date(w["start"], language),
                    str(w["dso"] or "–"),
                    _money(w["receivables"], language),
                ]
                for w in weeks
            ],
            line_chart(
                week_labels,
                [float(w["dso"]) if w["dso"] is not None else None for w in weeks],
                title=t["dso_weeks"],
            ),
        ),
        Table(
            "ageing",
            t["ageing"],
            [t["bucket"], t["amount"], t["count"]],
            [
                [label, _money(b["amount"], language), str(b["count"])]
                for label, b in zip(bucket_labels, ageing, strict=True)
            ],
            bar_chart(bucket_labels, [float(b["amount"]) for b in ageing], title=t["ageing"]),
        ),
        Table(
            "payments",
            t["payments"],
            [t["method"], t["channel"], t["count"], t["amount"]],
            [
                [w["method"], w["channel"], str(w["count"]), _money(w["amount"], language)]
                for w in ways
            ],
            bar_chart(
                [f"{w['method']}/{w['channel']}" for w in ways],
                [float(w["amount"]) for w in ways],
                title=t["payments"],
            ),
        ),
        Table(
            "handoffs",
            t["handoffs"],
            [t["reason"], t["level"], t["count"]],
            [[h["reason"], h["level"], str(h["count"])] for h in assistant["handoffs"]],
            bar_chart(
                [f"{h['reason']} ({h['level']})" for h in assistant["handoffs"]],
                [float(h["count"]) for h in assistant["handoffs"]],
                title=t["handoffs"],
            ),
        ),
        Table(
            "arrangements",
            t["arrangements"],
            [t["figure"], t["count"]],
            [
                [f"{kind}: {name}", str(count)]
                for kind in ("plans", "promises", "disputes")
                for name, count in arrangements[kind].items()
            ],
            bar_chart(
                list(arrangements["plans"]),
                [float(v) for v in arrangements["plans"].values()],
                title=t["arrangements"],
            ),
        ),
        Table(
            "reminders",
            t["reminders"],
            [
                t["step"],
                t["channel"],
                t["group"],
                t["sent"],
                t["paid"],
                t["promised"],
                t["disputed"],
            ],
            [
                [
                    f"{s['plan']}: {s['step']}",
                    s["channel"],
                    s["group"],
                    str(s["sent"]),
                    str(s["paid"]),
                    str(s["promised"]),
                    str(s["disputed"]),
                ]
                for s in steps
            ],
            bar_chart(
                [f"{s['step']}/{s['channel']}" for s in steps],
                [100.0 * ((s["paid"] + s["promised"] + s["disputed"]) / s["sent"]) for s in steps],
                title=t["reminders"],
                unit="%",
            ),
        ),
        Table(
            "portfolio",
            t["portfolio"],
            [t["group"], t["risk"], t["debtors"], t["owed"]],
            [
                [g["group"], g["risk"], str(g["debtors"]), _money(g["owed"], language)]
                for g in portfolio
            ],
            bar_chart(
                [f"{g['group']}/{g['risk']}" for g in portfolio],
                [float(g["owed"]) for g in portfolio],
                title=t["portfolio"],
            ),
        ),
    ]


def as_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.header)
    writer.writerows(table.rows)
    return out.getvalue()


def summary(figures: dict[str, Any], language: str) -> list[tuple[str, str]]:
    """The headline figures at the top of the page."""
    t = page_texts("dashboard", language)
    dso = figures["dso"]
    assistant = figures["assistant"]["current"]
    containment = assistant["containment"]
    return [
        (t["dso"], f"{dso['dso'] or '–'} ({t['previous']}: {dso['previous'] or '–'})"),
        (t["receivables"], _money(dso["receivables"], language)),
        (t["conversations"], str(assistant["conversations"])),
        (t["containment"], f"{containment:.0%}" if containment is not None else "–"),
        (t["claim"], str(assistant["median_hours_to_claim"] or "–")),
        (t["failures"], str(assistant["verification_failures"])),
        (
            t["first_contact"],
            str(figures["payments"]["current"]["median_hours_from_first_contact"] or "–"),
        ),
    ]

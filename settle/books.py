"""The creditor's books in and out: `settle import`, `settle bank`, `settle credit-import`,
`settle books-out`."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from receivables.books.columns import KINDS
from settle.context import fail, pass_settings, policy_of, sessions_of

if TYPE_CHECKING:
    from collections.abc import Sequence

    from receivables.books.bank_statements import StatementReport
    from receivables.books.columns import Kind
    from receivables.books.statements import StatementLine
    from receivables.settings import Settings

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command("import")
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("file", type=FILE)
@click.option("--mapping", type=FILE, help="column-mapping file (YAML; default: the shipped one)")
@click.option(
    "--batch", type=click.IntRange(min=1), default=1000, show_default=True, help="rows per commit"
)
@click.option("--dry-run", is_flag=True, help="check every row, store nothing")
@pass_settings
def import_books(
    settings: Settings, kind: Kind, file: Path, mapping: Path | None, batch: int, dry_run: bool
) -> None:
    """Import debtors, invoices or payments (CSV or JSON).

    KIND: debtors, invoices (credit notes among them) or payments. CSV: comma or semicolon separated, Dutch or English headers (mapped by
    config/import-columns.yml or --mapping); JSON (.json): a list of objects with Settle's
    field names. Rows are keyed by the creditor's own ids, so an import run twice changes
    nothing and a changed invoice is updated. A bad row is reported with its line number and
    never blocks the good ones. Exit status 1 when any row was not imported.
    """
    from tqdm import tqdm  # the progress bar is for people at a terminal

    from receivables.books.columns import ColumnError
    from receivables.books.imports import ImportReport, import_rows, rows_of
    from receivables.db import session_scope

    try:
        rows, decimal = rows_of(
            file.read_text(encoding="utf-8-sig"),
            kind,
            json_input=file.suffix.lower() == ".json",
            mapping_file=mapping,
        )
    except (OSError, UnicodeDecodeError, ColumnError) as exc:
        fail(f"cannot import {file}: {exc}", 2)
    policy = policy_of(settings)  # a new debtor's language when the file gives none
    sessions = sessions_of(settings)
    report = ImportReport(kind)
    with tqdm(total=len(rows), unit="row", file=sys.stderr) as bar:
        for start in range(0, len(rows), batch):
            with session_scope(sessions) as session:
                part = import_rows(
                    session=session,
                    kind=kind,
                    rows=rows[start : start + batch],
                    decimal=decimal,
                    progress=bar.update,
                    default_language=policy.creditor.language,
                )
                if dry_run:
                    session.rollback()
            report.add(part)
    click.echo(
        f"{report.rows} rows: {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged, {len(report.problems)} not imported"
        + (" (dry run: nothing stored)" if dry_run else "")
    )
    for problem in report.problems:
        click.echo(f"line {problem.line}: {problem.reason}")
    if report.problems:
        raise SystemExit(1)


@click.command()
@click.argument("file", type=FILE)
@pass_settings
def bank(settings: Settings, file: Path) -> None:
    """Import a bank statement (CAMT.053 or MT940).

    The transfers it proves are booked. A credit is booked only on evidence (a structured payment reference, an invoice or
    customer number, a payer's account a collector confirmed before); the others wait for a
    collector in the console. A statement imported twice books nothing twice. Each debtor
    whose payment was booked hears of it in their conversation. The admin API's
    POST /api/v1/bank-statements does the same.
    """
    from receivables.books.bank_statements import StatementError, parse_statement

    try:
        statement = parse_statement(file.read_bytes())
    except (OSError, StatementError) as exc:
        fail(f"cannot import {file}: {exc}")
    report = asyncio.run(_book_statement(settings, statement.lines))
    click.echo(
        f"{report.credits} credits: {report.booked} booked ({report.partly_matched} of them "
        f"partly matched), {report.unmatched} waiting for a collector, "
        f"{report.already_imported} imported before"
    )


async def _book_statement(settings: Settings, lines: Sequence[StatementLine]) -> StatementReport:
    """As the gateway does it: the debtors' channels and the change bus open (their
    messages go out through the outbox; the consoles see the payments at once)."""
    from api.flows.channel_delivery import open_channel_senders
    from api.flows.payment_news import book_bank_statement
    from api.outbound import Outbound, connect_change_bus
    from receivables.db import engine_for, make_session_factory

    engine = engine_for(settings.database_url)
    sessions = make_session_factory(engine)
    outbound = Outbound()
    async with (
        open_channel_senders(settings, sessions, outbound),
        connect_change_bus(settings, engine, outbound),
    ):
        return await book_bank_statement(sessions=sessions, outbound=outbound, lines=lines)


@click.command("credit-import")
@click.argument("file", type=FILE)
@click.option("--source", help="where the information comes from (default: the file name)")
@click.option("--dry-run", is_flag=True, help="check the file, change nothing")
@pass_settings
def credit_import(settings: Settings, file: Path, source: str | None, dry_run: bool) -> None:
    """Import credit scores and business attributes (CSV).

    Per debtor: credit scores and flags, business attributes. Columns (any order, comma or semicolon): reference (required), credit_score (0-100),
    credit_flag, kind (consumer | business), industry, country. An empty cell clears that
    value, a column left out leaves it. The file is imported whole or not at all: every bad
    row is reported with its line number (exit status 1). The profiles of the debtors in it
    are recomputed with the policy's thresholds.
    """
    from receivables.db import session_scope
    from receivables.profiles.credit_import import import_credit_text

    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {file}: {exc}")
    policy = policy_of(settings)
    with session_scope(sessions_of(settings)) as session:
        result = import_credit_text(
            session=session,
            text=text,
            source=source or f"csv:{file.name}",
            policy=policy,
            dry_run=dry_run,
        )
    if not result.ok:
        for error in result.errors:
            click.echo(f"{file}: {error}", err=True)
        fail(f"{len(result.errors)} bad rows; nothing imported")
    if dry_run:
        click.echo(f"{file}: {result.rows} rows are fine; nothing imported (--dry-run)")
    else:
        click.echo(f"{file}: imported {len(result.imported)} debtors")


@click.command("books-out")
@click.option("--once", is_flag=True, help="send what is due, then stop (cron)")
@pass_settings
def books_out(settings: Settings, once: bool) -> None:
    """Send agreements and payments to the creditor's books.

    Through a signed webhook. Needs SETTLE_BOOKS_WEBHOOK_URL and SETTLE_BOOKS_WEBHOOK_SECRET. In order, once each,
    retried with back-off while the receiver is down. The gateway does this in the
    background when the URL is set; this command is for running it on its own.
    """
    from api.flows.books_out import deliver_due, send_book_events

    url, secret = settings.books_webhook_url, settings.books_webhook_secret
    if not (url and secret):
        fail("set SETTLE_BOOKS_WEBHOOK_URL and SETTLE_BOOKS_WEBHOOK_SECRET", 2)
    sessions = sessions_of(settings)
    if once:
        click.echo(f"{deliver_due(sessions, url=url, secret=secret)} book event(s) delivered")
        return
    asyncio.run(send_book_events(sessions, url=url, secret=secret))

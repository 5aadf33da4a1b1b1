"""``clincode reports``: the department's reports from the command line, for scheduled jobs
(a nightly data-quality check, the outstanding list e-mailed each morning)."""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import app
from .store_commands import DatabaseUrl, _clear_errors, _database

reports_app = typer.Typer(help="Department reports: outstanding coding, data quality, statistics.",
                          no_args_is_help=True)
app.add_typer(reports_app, name="reports")

Output = Annotated[Optional[Path], typer.Option("--csv", help="write the rows as CSV to this file")]


def _day(text: str | None, default: date) -> date:
    if not text:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date (YYYY-MM-DD)") from None


@reports_app.command("outstanding")
def outstanding(database_url: DatabaseUrl = None, today: Annotated[Optional[str], typer.Option(
        help="report as of this day (YYYY-MM-DD; default today)")] = None, csv: Output = None) -> None:
    """Episodes discharged and not yet coded, against the local target and national deadline."""
    from ..config import get_settings
    from ..workflow.export import to_csv
    from ..workflow.outstanding import outstanding_report, outstanding_rows
    from ..workflow.settings import deadline_rules

    day = _day(today, date.today())
    rules = deadline_rules(get_settings())
    db = _database(database_url)
    with _clear_errors(), db.session() as s:
        r = outstanding_report(s, day, rules)
        d = r.department
        typer.echo(f"{d.total} outstanding on {day}: {d.not_started} not started, {d.incomplete} incomplete; "
                   f"{d.past_local} past the local target, {d.past_national} past the national deadline, "
                   f"{d.due_soon} due within 2 days; {r.open_queries} held by an open query")
        for label, n in d.bands.items():
            typer.echo(f"  {label:>13}: {n}")
        if csv:
            csv.write_text(to_csv(outstanding_rows(s, day, rules)), encoding="utf-8")
            typer.echo(f"wrote {csv}")
    db.dispose()


@reports_app.command("check")
def check(database_url: DatabaseUrl = None) -> None:
    """Run the data-quality checks over every finalised episode and update the flags."""
    from ..classification import load_classifications
    from ..workflow.flags import flag_summary, run_checks
    from ..workflow.settings import WorkflowSettings

    db = _database(database_url)
    with _clear_errors(), db.session() as s:
        run = run_checks(s, load_classifications(), elderly_age=WorkflowSettings().elderly_age)
        typer.echo(f"checked {run.episodes} finalised episodes: {run.found} problems, {run.new} new flags, "
                   f"{run.closed} closed (problem gone)")
        for row in flag_summary(s):
            if row["open"]:
                typer.echo(f"  {row['open']:>6} open  {row['label']}")
    db.dispose()


@reports_app.command("statistics")
def statistics(database_url: DatabaseUrl = None,
               start: Annotated[Optional[str], typer.Option(help="discharged from (YYYY-MM-DD)")] = None,
               end: Annotated[Optional[str], typer.Option(help="discharged to (YYYY-MM-DD)")] = None) -> None:
    """Case mix, coding depth, timeliness, deaths, Charlson index and engine use for a period."""
    from ..config import get_settings
    from ..workflow.settings import deadline_rules
    from ..workflow.statistics import Period, statistics_report

    last = _day(end, date.today())
    first = _day(start, last - timedelta(days=365))
    if first > last:
        raise typer.BadParameter("the period starts after it ends")
    db = _database(database_url)
    with _clear_errors(), db.session() as s:
        r = statistics_report(s, Period(first, last), deadline_rules(get_settings()))
        t = r.timeliness
        typer.echo(f"{r.episodes} coded episodes discharged {first} to {last}; {r.mean_secondary} secondary diagnoses "
                   f"per episode; {t.get('pct_local')}% coded within the local target (median {t.get('median_days')} "
                   f"days); {r.deaths} deaths; mean Charlson index {r.charlson_mean}")
        for numeral, title, n in r.by_chapter:
            typer.echo(f"  {numeral:>5} {title:<28} {n}")
        e = r.engine
        typer.echo(f"engine codes: {e['accepted']} accepted, {e['coder_entered']} entered or amended by coders, "
                   f"{e['rejected']} rejected")
    db.dispose()

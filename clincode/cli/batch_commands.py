"""``clincode batch``: code a folder, JSON Lines or Parquet file of documents; resumable."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from . import app


def _progress(console):
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)
    from rich.text import Text

    class RateColumn(ProgressColumn):
        """Documents per second, over Rich's recent window (what the batch is doing now)."""

        def render(self, task):
            return Text(f"{task.speed:,.0f} docs/s" if task.speed else "- docs/s", style="cyan")

    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    RateColumn(), TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(),
                    console=console, transient=False)


@app.command()
def batch(
    input_path: Annotated[Path, typer.Argument(
        metavar="INPUT", help="a folder of .txt files, a .jsonl file or a .parquet file with id and text")],
    output: Annotated[Path, typer.Option("--output", "-o", help="output file (.jsonl or .parquet)")],
    workers: Annotated[int | None, typer.Option("--workers", "-w", min=1, help="worker processes (default: all cores)")] = None,
    all_findings: Annotated[bool, typer.Option("--all-findings", help="every current affirmed condition, ranked")] = False,
    output_format: Annotated[str | None, typer.Option("--format", help="jsonl or parquet (default: from the output suffix)")] = None,
    id_column: Annotated[str, typer.Option("--id-column", help="id field of JSON Lines / Parquet input")] = "id",
    text_column: Annotated[str, typer.Option("--text-column", help="text field of JSON Lines / Parquet input")] = "text",
    encoding: Annotated[str, typer.Option("--encoding", help="encoding of .txt files (e.g. cp1252)")] = "utf-8",
    folder_per_episode: Annotated[bool, typer.Option("--folder-per-episode", help="each sub-folder's documents are one episode")] = False,
    timeout: Annotated[float, typer.Option("--timeout", min=1, help="seconds allowed per document")] = 600.0,
    restart: Annotated[bool, typer.Option("--restart", help="discard this output's checkpoint and start over")] = False,
    no_progress: Annotated[bool, typer.Option("--no-progress", help="no progress bar")] = False,
    commit_every: Annotated[int, typer.Option("--commit-every", min=1, help="documents per checkpoint commit (at most 2 s apart)")] = 500,
) -> None:
    """Code every document as one episode, exactly once; run it again after a stop to resume.

    The checkpoint sits beside the output (OUTPUT.checkpoint/); documents that cannot be coded
    are listed with their reason in OUTPUT-stem.failures.jsonl.
    """
    from rich.console import Console

    from ..batch import BatchInputError, CheckpointMismatch, EngineLoadError, run_batch

    console = Console(stderr=True)
    if output_format is not None and output_format not in ("jsonl", "parquet"):
        raise typer.BadParameter("choose jsonl or parquet", param_hint="--format")
    progress = None if no_progress else _progress(console)
    try:
        if progress is not None:
            progress.start()
        report = run_batch(input_path, output, workers=workers, all_findings=all_findings,
                           output_format=output_format, id_field=id_column, text_field=text_column,
                           encoding=encoding, folder_per_episode=folder_per_episode, restart=restart, timeout=timeout, commit_every=commit_every,
                           progress=progress)
    except (BatchInputError, CheckpointMismatch, EngineLoadError, FileNotFoundError) as exc:
        if progress is not None:
            progress.stop()
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    except OSError as exc:  # disk full, no permission: what was committed is kept
        if progress is not None:
            progress.stop()
        where = f" ({exc.filename})" if exc.filename else ""
        console.print(f"[red]error:[/red] {exc.strerror or exc}{where}; the work committed so far is kept: "
                      "fix this and run the same command again.")
        raise typer.Exit(1) from None
    finally:
        if progress is not None:
            progress.stop()

    if report.interrupted:
        console.print(f"[yellow]stopped[/yellow] after {report.this_run:,} documents; the work is saved: "
                      f"run the same command again to finish.")
        raise typer.Exit(130)
    if report.already_complete:
        console.print(f"{output} is already complete ({report.coded:,} coded, {report.failed:,} failed); "
                      "use --restart to code it again.")
        if report.not_in_output:
            console.print(f"[yellow]warning:[/yellow] the input now has {report.not_in_output:,} more records than "
                          "were coded: write them to a new --output, or --restart.")
        return
    console.print(f"[green]done:[/green] {report.coded:,} coded, {report.failed:,} failed -> {output}"
                  + (f" ({report.docs_per_second:,.1f} docs/s this run, engine load "
                     f"{max(report.load_seconds, default=0):.1f} s included)" if report.this_run else ""))
    if report.failed:
        reasons = ", ".join(f"{n:,} {r}" for r, n in report.reasons.most_common())
        console.print(f"[yellow]failures[/yellow] ({reasons}) listed in {report.failures_file}")

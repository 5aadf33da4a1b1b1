"""``clincode lookup``, ``clincode search`` and ``clincode validate``: the coders' reference books.

Readable Rich tables by default, ``--json`` for machines. Exit codes: 0 success, 1 a code is
invalid or a search found nothing, 2 bad input (unknown code, bad option, missing files).
"""
from __future__ import annotations

import json
import warnings
from contextlib import contextmanager
from typing import Annotated, Iterator, Optional

import typer
from rich.console import Console
from rich.table import Table

from . import app

out = Console()
err = Console(stderr=True)


@contextmanager
def _friendly_errors() -> Iterator[None]:
    """Bad input becomes a one-line message and exit code 2, never a traceback."""
    from ..classification.normalise import CodeError
    from ..classification.rules import RuleFileError
    from ..classification.service import FallbackWarning
    from ..classification.sources import SourceError

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
        for message in dict.fromkeys(str(w.message) for w in caught if issubclass(w.category, FallbackWarning)):
            err.print(f"[yellow]warning:[/yellow] {message}", highlight=False)
    except (CodeError, LookupError, OSError, SourceError, RuleFileError, ValueError) as exc:
        # ValueError covers a malformed table file (file and line in the message); OSError an
        # unreadable one.
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None


def _classifications():
    from ..classification import load_classifications
    from ..config import get_settings

    return load_classifications(get_settings())


def _check_system(system: Optional[str]) -> Optional[str]:
    if system is None:
        return None
    value = system.strip().lower().replace("-", "")
    if value not in ("icd10", "opcs4"):
        raise typer.BadParameter("must be icd10 or opcs4", param_hint="--system")
    return value


def _emit_json(data) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


@app.command()
def lookup(
    code: Annotated[str, typer.Argument(help="A code as typed: K80.2, k802, J183, S22.49XA ...")],
    system: Annotated[Optional[str], typer.Option("--system", "-s", help="icd10 or opcs4")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
) -> None:
    """Show a code's title, place in the hierarchy, validity and the rules that apply to it."""
    from ..classification.lookup import describe

    system = _check_system(system)
    with _friendly_errors():
        info = describe(_classifications(), code, system)
    if as_json:
        _emit_json(info)
        return
    out.print(f"[bold]{info['code']}[/bold]  {info['full_title']}  [dim]({info['system']}, {info['kind']})[/dim]",
              highlight=False)
    if info["note"]:
        out.print(f"[yellow]note:[/yellow] {info['note']}", highlight=False)
    if info["also_in"]:
        other = info["also_in"]
        out.print(f"[yellow]note:[/yellow] {other['code']} is also OPCS-4 \"{other['title']}\" "
                  "(use --system opcs4)", highlight=False)
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="dim")
    table.add_column()
    for level in info["hierarchy"]:
        table.add_row(level["kind"], f"{level['code']}  {level['title']}")
    table.add_row("status", "[green]current[/green]" if info["current"] else "[red]retired[/red]")
    table.add_row("valid", "[green]yes[/green]" if info["valid"] else
                  "[red]no[/red]: " + "; ".join(f["reason"] for f in info["failures"]))
    for note in info["notes"]:
        table.add_row("rule", note)
    if info["children"]:
        shown = ", ".join(c["code"] for c in info["children"][:20])
        table.add_row("subdivisions", shown + (" ..." if len(info["children"]) > 20 else ""))
    out.print(table)


@app.command()
def search(
    text: Annotated[list[str], typer.Argument(help="Free text, e.g. 'acute cholecystitis with gallstones'")],
    system: Annotated[Optional[str], typer.Option("--system", "-s", help="icd10 or opcs4")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=200, help="how many codes")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
) -> None:
    """Find codes for a clinical phrase, with the index path that leads to each."""
    phrase = " ".join(text).strip()
    if not phrase:
        err.print("[red]error:[/red] nothing to search for")
        raise typer.Exit(2)
    system = _check_system(system)
    with _friendly_errors():
        hits = _classifications().search(phrase, system=system, limit=limit)
    if as_json:
        _emit_json([h.as_dict() for h in hits])
    elif hits:
        table = Table(title=f"'{phrase}'", title_justify="left")
        for column in ("code", "title", "score", "found via"):
            table.add_column(column, overflow="fold")
        for h in hits:
            code = h.code if h.current else f"{h.code} [red](retired)[/red]"
            table.add_row(code, h.title, f"{h.score:.2f}", h.path or "[dim]tabular title[/dim]")
        out.print(table)
    else:
        err.print(f"no codes found for {phrase!r}")
    if not hits:
        raise typer.Exit(1)


@app.command()
def validate(
    codes: Annotated[list[str], typer.Argument(help="One or more codes")],
    sex: Annotated[Optional[str], typer.Option("--sex", help="patient's sex: M or F")] = None,
    age: Annotated[Optional[int], typer.Option("--age", help="patient's age in years", min=0, max=130)] = None,
    primary: Annotated[bool, typer.Option("--primary", help="check as the primary (first) code")] = False,
    system: Annotated[Optional[str], typer.Option("--system", "-s", help="icd10 or opcs4")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
) -> None:
    """Validate codes as the PAS and SUS would; exit 1 if any is invalid."""
    if sex is not None and sex.strip().upper() not in ("M", "F"):
        raise typer.BadParameter("must be M or F", param_hint="--sex")
    system = _check_system(system)
    with _friendly_errors():
        clf = _classifications()
        results = [clf.validate(c, sex=sex, age=age, primary=primary, system=system) for c in codes]
    if as_json:
        _emit_json([r.as_dict() for r in results])
    else:
        table = Table()
        for column in ("input", "code", "title", "valid", "reasons"):
            table.add_column(column, overflow="fold")
        for r in results:
            reasons = [f"{'⚠ ' if f.severity == 'warning' else ''}{f.reason}" for f in r.failures]
            if r.note:
                reasons.insert(0, f"note: {r.note}")
            table.add_row(r.text, r.code.code if r.code else "-", r.code.title if r.code else "-",
                          "[green]valid[/green]" if r.valid else "[red]invalid[/red]", "\n".join(reasons))
        out.print(table)
    if not all(r.valid for r in results):
        raise typer.Exit(1)


@app.command("index")
def index_command(
    reference: Annotated[str, typer.Argument(help='A main term or reference, e.g. "Cholecystitis" or "Calculus, gallbladder"')],
    depth: Annotated[int, typer.Option("--depth", "-d", min=1, max=10, help="levels of subterms to show")] = 3,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
) -> None:
    """Browse the Alphabetic Index: a term and its subterms with their UK codes, like the book."""
    from ..classification.index import load_index
    from ..config import get_settings

    with _friendly_errors():
        index = load_index(get_settings())
        entry = index.lookup(reference)
    if entry is None:
        err.print(f"[red]error:[/red] no index entry for {reference!r}", highlight=False)
        raise typer.Exit(2)
    rows = []

    def walk(e, level):
        rows.append((level, e))
        if level < depth:
            for child in index.children(e):
                walk(child, level + 1)

    walk(entry, 0)
    if as_json:
        _emit_json([{"path": list(e.path), "level": level, "code_cm": e.code_cm, "code": e.code, "see": e.see,
                     "see_also": e.see_also, "see_code": e.see_code, "nonessential": list(e.nonessential),
                     "codes_by_behaviour": e.codes_by_behaviour} for level, e in rows])
        return
    for level, e in rows:
        words = e.display_path if level == 0 else e.term
        extra = f" [dim]({') ('.join(e.nonessential)})[/dim]" if e.nonessential else ""
        code = f" [bold]{e.code}[/bold]" if e.code else ""
        if e.code and e.code_cm and e.code_cm.rstrip("-") != e.code:
            code += f" [dim](CM {e.code_cm})[/dim]"
        see = f" [italic]see[/italic] {e.see}" + (f" -> [bold]{e.see_code}[/bold]" if e.see_code else "") if e.see else ""
        also = f" [italic]see also[/italic] {e.see_also}" if e.see_also else ""
        if e.codes_by_behaviour:
            code = " " + " / ".join(f"{name.replace('_', ' ')} [bold]{c}[/bold]"
                                    for name, c in e.codes_by_behaviour.items() if c and name != "unspecified")
        out.print("  " * level + ("- " if level else "") + words + extra + code + see + also, highlight=False)


@app.command()
def info(as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False) -> None:
    """Which classifications and index are loaded, from where, and what the caches hold."""
    from ..config import get_settings

    settings = get_settings()
    with _friendly_errors():
        clf = _classifications()
    data = {
        "classification_dir": str(settings.classification_dir) if settings.classification_dir else None,
        "source_kind": clf.source_kind,
        "icd10": {"codes": len(clf.icd10), "retired": sum(1 for c in clf.icd10 if not c.current),
                  "files": list(clf.icd10.source_files)},
        "opcs4": ({"codes": len(clf.opcs4), "retired": sum(1 for c in clf.opcs4 if not c.current),
                   "files": list(clf.opcs4.source_files)} if clf.opcs4 else None),
        "index_dir": str(settings.index_dir) if settings.index_dir else None,
        "cache_dir": str(settings.cache_dir),
        "warnings": clf.warnings,
    }
    if as_json:
        _emit_json(data)
        return
    table = Table(show_header=False, box=None)
    table.add_column(style="dim")
    table.add_column()
    table.add_row("classification dir", f"{data['classification_dir']} ({data['source_kind']})")
    table.add_row("ICD-10", f"{data['icd10']['codes']} rows, {data['icd10']['retired']} retired")
    table.add_row("OPCS-4", f"{data['opcs4']['codes']} rows, {data['opcs4']['retired']} retired"
                  if data["opcs4"] else "[red]unavailable[/red]")
    table.add_row("index dir", str(data["index_dir"]))
    table.add_row("cache dir", data["cache_dir"])
    for warning in data["warnings"]:
        table.add_row("warning", f"[yellow]{warning}[/yellow]")
    out.print(table)

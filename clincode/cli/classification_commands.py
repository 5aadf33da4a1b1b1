"""PLACEHOLDER: ``clincode lookup`` (to be completed with search and validate)."""
from __future__ import annotations

import typer

from . import app


@app.command()
def lookup(code: str) -> None:
    """Show a code's title and place in the hierarchy."""
    from ..classification import load_classifications

    clf = load_classifications()
    for table in (clf.icd10, clf.opcs4):
        found = table.get(code.strip().upper()) if table else None
        if found:
            typer.echo(f"{found.code}\t{found.title}")
            return
    typer.echo(f"unknown code: {code!r}", err=True)
    raise typer.Exit(2)

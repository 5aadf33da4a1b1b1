"""``clincode text FILE``: show how clincode reads a document (sections, sentences, context, abbreviations).

For a coder or developer checking why a mention was read as negated, historical or family history.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from . import app


@app.command("text")
def show_text(
    path: Annotated[Path, typer.Argument(help="a .txt document")],
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
) -> None:
    """Sections, sentences with their ConText triggers, and abbreviations of one document."""
    from ..config import get_settings
    from ..coding.models import Document
    from ..text import parse_document
    from ..text.abbreviations import find_abbreviations
    from ..text.context import triggers_in
    from .coding_commands import read_document_text

    if not path.is_file():
        raise typer.BadParameter(f"no such file: {path}", param_hint="PATH")
    text, warnings = read_document_text(path, get_settings().max_document_bytes)
    for warning in warnings:
        typer.echo(f"warning: {warning}", err=True)
    if text is None:
        raise typer.Exit(code=1)
    parsed = parse_document(Document(id=path.stem, text=text))
    sentences = []
    for i, s in enumerate(parsed.sentences):
        hits = [
            {"category": h.rule.category.lower(), "trigger": h.text, "scope": text[h.scope_start:h.scope_end]}
            for h in triggers_in(parsed, i)
        ]
        sentences.append({"start": s.start, "end": s.end, "section": s.section.name, "text": s.text,
                          "triggers": hits})
    abbreviations = [
        {"start": a.start, "end": a.end, "text": a.text, "expansion": a.expansion,
         "confidence": round(a.confidence, 2), "alternatives": list(a.alternatives)}
        for a in find_abbreviations(parsed)
    ]
    if as_json:
        typer.echo(json.dumps({
            "id": path.stem,
            "sections": [{"name": s.name, "heading": s.heading, "start": s.start, "end": s.end}
                         for s in parsed.sections],
            "sentences": sentences, "abbreviations": abbreviations}, ensure_ascii=False))
        return
    for section in parsed.sections:
        typer.echo(f"[{section.name}] {section.heading!r} {section.start}-{section.end}")
        for s in sentences:
            if section.start <= s["start"] < section.end:
                typer.echo(f"  {s['start']:>6}  {s['text'][:110]}".replace("\n", " "))
                for h in s["triggers"]:
                    typer.echo(f"          {h['category']}: {h['trigger']!r} -> {h['scope']!r}".replace("\n", " "))
    if abbreviations:
        typer.echo("abbreviations:")
        for a in abbreviations:
            other = f" (not {', '.join(a['alternatives'])})" if a["alternatives"] else ""
            typer.echo(f"  {a['start']:>6}  {a['text']} = {a['expansion']} [{a['confidence']}]{other}")

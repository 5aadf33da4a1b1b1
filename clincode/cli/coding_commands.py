"""``clincode code``: code documents as episodes and write JSON Lines.
``clincode train-diagnosis-model`` / ``clincode evaluate-codiesp``: build and measure the diagnosis model."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from . import app

_SNIFF = 8192


def read_document_text(path: Path, max_bytes: int) -> tuple[str | None, list[str]]:
    """A text file's content and warnings; None (with the reason) when it cannot be coded.

    UTF-8 first; text that is not UTF-8 is read as Windows-1252 (then Latin-1) with a warning, so a
    pound sign or a smart quote from a PAS export never stops a run. Binary and oversized files are
    refused with a clear message rather than coded as garbage or silently cut.
    """
    try:
        size = path.stat().st_size
    except OSError as exc:
        return None, [f"{path.name}: cannot read ({exc.strerror or exc})"]
    if size > max_bytes:
        return None, [f"{path.name}: {size:,} bytes is over the {max_bytes:,}-byte limit "
                      "(CLINCODE_MAX_DOCUMENT_BYTES); not coded - split it or raise the limit"]
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [f"{path.name}: cannot read ({exc.strerror or exc})"]
    if not data.strip():
        return "", [f"{path.name}: empty document, nothing to code"]
    head = data[:_SNIFF]
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    if b"\x00" in head or controls > len(head) * 0.05:
        return None, [f"{path.name}: looks like a binary file, not text; not coded"]
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    for encoding in ("cp1252", "latin-1"):
        try:
            return data.decode(encoding), [f"{path.name}: not valid UTF-8, read as {encoding}"]
        except UnicodeDecodeError:
            continue
    return None, [f"{path.name}: undecodable text"]  # unreachable: latin-1 decodes any bytes


def _episodes(paths: list[Path], folder_per_episode: bool) -> list[tuple[str, list[Path]]]:
    """Each .txt file is one episode; with --folder-per-episode each sub-folder is one."""
    episodes: list[tuple[str, list[Path]]] = []
    for path in paths:
        if path.is_dir():
            if folder_per_episode:
                subs = sorted(p for p in path.iterdir() if p.is_dir())
                if not subs and any(path.glob("*.txt")):
                    subs = [path]  # the folder itself is the episode
                for sub in subs:
                    files = sorted(sub.glob("*.txt"))
                    if files:
                        episodes.append((sub.name, files))
            else:
                episodes.extend((f.stem, [f]) for f in sorted(path.glob("*.txt")))
        elif path.is_file():
            episodes.append((path.stem, [path]))
        else:
            raise typer.BadParameter(f"no such file or folder: {path}")
    return episodes


@app.command()
def code(
    paths: Annotated[list[Path], typer.Argument(help=".txt files or folders of them")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="JSON Lines file (default: stdout)")] = None,
    all_findings: Annotated[bool, typer.Option("--all-findings", help="every current affirmed condition, ranked")] = False,
    folder_per_episode: Annotated[bool, typer.Option("--folder-per-episode", help="each sub-folder is one episode")] = False,
) -> None:
    """Code each document (or folder of documents) as one episode."""
    from ..coding import CodedEpisode, Document
    from ..engine import default_engine

    episodes = _episodes(paths, folder_per_episode)
    engine = default_engine()
    problems = 0
    out = open(output, "w", encoding="utf-8") if output else sys.stdout
    try:
        for episode_id, files in episodes:
            docs, warnings = [], []
            for f in files:
                text, notes = read_document_text(f, engine.settings.max_document_bytes)
                warnings += notes
                if text is not None:
                    docs.append(Document(id=f.name, text=text))
                else:
                    problems += 1
            for note in warnings:
                typer.echo(f"clincode code: {note}", err=True)
            episode = engine.code_episode(episode_id, docs, all_findings=all_findings) if docs else CodedEpisode(id=episode_id)
            episode.warnings = warnings + [w for w in episode.warnings if w not in warnings]
            out.write(json.dumps(episode.model_dump(), ensure_ascii=False) + "\n")
    finally:
        if output:
            out.close()
    if problems:
        typer.echo(f"clincode code: {problems} document(s) could not be coded (see warnings)", err=True)
        raise typer.Exit(1)


def _codiesp_dir(split: str) -> Path:
    from ..config import get_settings

    settings = get_settings()
    base = settings.classification_dir.parent if settings.classification_dir else None
    path = Path(split) if Path(split).is_dir() else (base / "codiesp" / split if base else Path(split))
    if not (path / "text_en").is_dir():
        raise typer.BadParameter(f"{path} is not a CodiEsp split folder (with text_en/ and diagnoses.tsv)")
    return path


@app.command("train-diagnosis-model")
def train_diagnosis_model(
    split: Annotated[str, typer.Option(help="CodiEsp training split: a folder or a name under ../shared/data/codiesp")] = "train",
    output: Annotated[Path | None, typer.Option(help="model file (default: the packaged model)")] = None,
    cross_validate: Annotated[int, typer.Option("--cv", help="also report k-fold cross-validation (0 = skip)")] = 0,
) -> None:
    """Rebuild the diagnosis candidate scorer from CodiEsp train (CC BY 4.0); deterministic."""
    from ..classification import load_classifications
    from ..config import get_settings
    from ..diagnosis.finder import DiagnosisFinder
    from ..diagnosis.model import DEFAULT_MODEL
    from ..diagnosis.training import fit, prepare
    from ..evaluation import load_codiesp
    from ..evaluation.crossval import cross_validate as run_cv

    settings = get_settings()
    data = load_codiesp(_codiesp_dir(split))
    finder = DiagnosisFinder(load_classifications(settings), settings, model=None)
    typer.echo(f"reading {len(data.ids)} documents ...", err=True)
    docs = prepare(finder, data.ids, data.texts, data.gold)
    if cross_validate:
        typer.echo(json.dumps({"cross_validation": run_cv(finder, docs, cross_validate)}, indent=2))
    model = fit(finder, docs, meta={"source": "CodiEsp (CLEF eHealth 2020) English translations, CC BY 4.0",
                                    "split": data.name})
    target = output or DEFAULT_MODEL
    model.save(target)
    typer.echo(json.dumps({"model": str(target), **model.meta, "threshold": round(model.threshold, 4),
                           "ngrams": len(model.ngrams)}, indent=2))

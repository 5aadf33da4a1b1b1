"""``clincode code``: code documents as episodes and write JSON Lines."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from . import app


def _episodes(paths: list[Path], folder_per_episode: bool) -> list[tuple[str, list[Path]]]:
    """Each .txt file is one episode; with --folder-per-episode each sub-folder is one."""
    episodes: list[tuple[str, list[Path]]] = []
    for path in paths:
        if path.is_dir():
            if folder_per_episode:
                for sub in sorted(p for p in path.iterdir() if p.is_dir()):
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
    from ..coding import Document
    from ..engine import default_engine

    engine = default_engine()
    out = open(output, "w", encoding="utf-8") if output else sys.stdout
    try:
        for episode_id, files in _episodes(paths, folder_per_episode):
            docs = [Document(id=f.name, text=f.read_text(encoding="utf-8", errors="replace")) for f in files]
            episode = engine.code_episode(episode_id, docs, all_findings=all_findings)
            out.write(json.dumps(episode.model_dump(), ensure_ascii=False) + "\n")
    finally:
        if output:
            out.close()

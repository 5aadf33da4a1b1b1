"""Fixtures of the batch tests: small sets of real clinical texts (CodiEsp dev, English)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def codiesp_texts(shared_data) -> list[tuple[str, str]]:
    """(id, text) of the CodiEsp dev documents, in id order."""
    folder = shared_data / "codiesp" / "dev" / "text_en"
    if not folder.is_dir():
        pytest.skip("CodiEsp dev texts are not in ../shared/data")
    return [(p.stem, p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.txt"))]


@pytest.fixture
def text_folder(tmp_path, codiesp_texts) -> Path:
    """A folder of 30 CodiEsp texts as .txt files."""
    folder = tmp_path / "notes"
    folder.mkdir()
    for doc_id, text in codiesp_texts[:30]:
        (folder / f"{doc_id}.txt").write_text(text, encoding="utf-8")
    return folder


def write_jsonl(path: Path, rows) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write((row if isinstance(row, str) else json.dumps(row)) + "\n")
    return path


def engine_lines(settings, docs) -> dict[str, str]:
    """What the engine itself gives for each (id, text): the reference every batch must equal."""
    from clincode.coding import Document
    from clincode.engine import CodingEngine

    engine = CodingEngine(settings)
    return {doc_id: json.dumps(engine.code_episode(doc_id, [Document(id=doc_id, text=text)]).model_dump(mode="json"),
                               ensure_ascii=False) for doc_id, text in docs}


def read_lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def clincode_cmd(*args: str) -> list[str]:
    """The clincode command line, run with this interpreter (no reliance on PATH)."""
    return [sys.executable, "-c", "from clincode.cli import app; app()", *map(str, args)]


def run_clincode(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(clincode_cmd(*args), capture_output=True, text=True, timeout=timeout)


class Helpers:
    """The helpers above, handed to tests as the ``batch_helpers`` fixture (importlib import mode)."""

    write_jsonl = staticmethod(write_jsonl)
    engine_lines = staticmethod(engine_lines)
    read_lines = staticmethod(read_lines)
    clincode_cmd = staticmethod(clincode_cmd)
    run_clincode = staticmethod(run_clincode)


@pytest.fixture(scope="session")
def batch_helpers() -> type[Helpers]:
    return Helpers

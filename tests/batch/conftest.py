"""Fixtures of the batch tests: small sets of real clinical texts (CodiEsp dev, English)."""
from __future__ import annotations

import json
import os
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


def opening(text: str, limit: int = 320) -> str:
    """The first sentences of a text, up to about ``limit`` characters (cut at a full stop)."""
    cut = text.rfind(". ", 0, limit)
    return text[:cut + 1] if cut > 0 else text[:limit]


@pytest.fixture(scope="session")
def short_texts(codiesp_texts) -> list[tuple[str, str]]:
    """The opening sentences of each CodiEsp dev text: real clinical prose, quick to code.

    The engine's speed changes as its finders grow; the batch machinery is what these tests
    exercise, so they use short documents to stay quick whatever the engine costs per sentence.
    """
    return [(doc_id, opening(text)) for doc_id, text in codiesp_texts]


@pytest.fixture(scope="session")
def reference(settings, short_texts):
    """The engine's own coding of the first 64 short texts (one process), and seconds per document."""
    timings: dict[str, float] = {}
    lines = engine_lines(settings, short_texts[:64], timings)
    return lines, timings


@pytest.fixture
def text_folder(tmp_path, short_texts) -> Path:
    """A folder of 12 short CodiEsp texts as .txt files."""
    folder = tmp_path / "notes"
    folder.mkdir()
    for doc_id, text in short_texts[:12]:
        (folder / f"{doc_id}.txt").write_text(text, encoding="utf-8")
    return folder


def write_jsonl(path: Path, rows) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write((row if isinstance(row, str) else json.dumps(row)) + "\n")
    return path


_REFERENCE = """
import json, sys
from clincode.coding import Document
from clincode.engine import CodingEngine
import time
engine = CodingEngine()
for line in sys.stdin:
    doc = json.loads(line)
    started = time.perf_counter()
    if isinstance(doc["text"], list):  # an episode's documents: [document id, text, type]
        documents = [Document(id=i, text=t, type=k) for i, t, k in doc["text"] if t and t.strip()]
    else:
        documents = [Document(id=doc["id"], text=doc["text"])]
    episode = engine.code_episode(doc["id"], documents)
    print(json.dumps({"id": doc["id"], "line": json.dumps(episode.model_dump(mode="json"), ensure_ascii=False),
                      "seconds": time.perf_counter() - started}))
"""


def engine_lines(settings, docs, timings: dict | None = None) -> dict[str, str]:
    """What the engine itself gives for each (id, text), coded one by one in a single process.

    The reference every batch and Spark result must equal. It runs in a fresh interpreter with
    PYTHONHASHSEED=0, the seed batch workers and Spark executors use (see clincode.batch.pool).
    """
    env = {**os.environ, "PYTHONHASHSEED": "0",
           "CLINCODE_CLASSIFICATION_DIR": str(settings.classification_dir)}
    stdin = "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in docs)
    done = subprocess.run([sys.executable, "-c", _REFERENCE], input=stdin, capture_output=True, text=True,
                          env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    if timings is not None:
        timings.update((row["id"], row["seconds"]) for row in rows)
    return {row["id"]: row["line"] for row in rows}


def evidence_problems(line: str, episode_id: str, content) -> list[str]:
    """Why a JSON line cannot be this document's coding: another id, or evidence that does not quote
    this document's text at its offsets (what a batch that mixed up documents would produce)."""
    episode = json.loads(line)
    if episode["id"] != episode_id:
        return [f"id {episode['id']!r} in the line of {episode_id!r}"]
    texts = {episode_id: content} if not isinstance(content, list) else {name: t for name, t, _ in content}
    problems = []
    for item in episode["diagnoses"] + episode["procedures"]:
        for ev in item["evidence"]:
            text = texts.get(ev["document"])
            if text is None or text[ev["start"]:ev["end"]] != ev["text"]:
                problems.append(f"{item['code']}: {ev['document']}[{ev['start']}:{ev['end']}] is not {ev['text']!r}")
    return problems


def assert_same_coding(got: dict[str, str], expected: dict[str, str], settings, docs) -> None:
    """Every id present, each episode this document's own, and byte-identical to the expected one.

    A batch that lost, duplicated, swapped or cut results fails the first two checks; the engine is
    deterministic (tests/standards/test_standards_determinism.py), so the bytes must match too.
    """
    assert set(got) == {i for i, _ in docs}
    expected = {i: expected[i] for i, _ in docs}
    contents = dict(docs)
    for doc_id in got:
        problems = evidence_problems(got[doc_id], doc_id, contents[doc_id])
        if problems:
            raise AssertionError(f"the episode of {doc_id} is not its own: {problems[:3]}")
    differ = sorted(i for i in expected if got[i] != expected[i])
    assert not differ, f"{len(differ)} of {len(docs)} document(s) coded differently, e.g. {differ[:3]}"


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
    evidence_problems = staticmethod(evidence_problems)
    assert_same_coding = staticmethod(assert_same_coding)
    read_lines = staticmethod(read_lines)
    clincode_cmd = staticmethod(clincode_cmd)
    run_clincode = staticmethod(run_clincode)


@pytest.fixture(scope="session")
def batch_helpers() -> type[Helpers]:
    return Helpers

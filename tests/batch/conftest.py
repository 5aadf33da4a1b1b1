"""Fixtures of the batch tests: small sets of real clinical texts (CodiEsp dev, English)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
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


def engine_unstable(settings, docs, runs: int = 3) -> set[str]:
    """The ids of ``docs`` the engine itself codes differently from one fresh process to the next."""
    seen: dict[str, set[str]] = {}
    for _ in range(runs):
        for doc_id, line in engine_lines(settings, docs).items():
            seen.setdefault(doc_id, set()).add(line)
    return {doc_id for doc_id, lines in seen.items() if len(lines) > 1}


def assert_same_coding(got: dict[str, str], expected: dict[str, str], settings, docs) -> None:
    """Every id in both, with byte-identical episodes, unless the engine is not reproducible there.

    A batch that lost, swapped or altered a result differs on documents the engine codes the same
    way every time; a document the engine itself codes differently in each process (a tie broken
    by object identity, say) cannot tell the batch's fault from the engine's, so it is reported
    as a warning, not hidden: see docs/batch.md.
    """
    assert set(got) == {i for i, _ in docs}
    expected = {i: expected[i] for i, _ in docs}
    differ = sorted(i for i in expected if got[i] != expected[i])
    if not differ:
        return
    # The engine sometimes lists rationale or candidates in a different order from one process to
    # the next: the same content in another order is not a batch fault.
    reordered = [i for i in differ if _canonical(json.loads(got[i])) == _canonical(json.loads(expected[i]))]
    if reordered:
        warnings.warn(f"the engine orders lists differently run to run in {len(reordered)} document(s) "
                      f"(e.g. {reordered[:3]}): compared as sets")
    differ = [i for i in differ if i not in reordered]
    if not differ:
        return
    texts = dict(docs)
    unstable = engine_unstable(settings, [(i, texts[i]) for i in differ])
    if unstable:
        warnings.warn(f"the engine codes {len(unstable)} document(s) differently run to run "
                      f"(e.g. {sorted(unstable)[:3]}): not compared")
    wrong = [i for i in differ if i not in unstable]
    if wrong:
        a, b = got[wrong[0]], expected[wrong[0]]
        at = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        raise AssertionError(f"{len(wrong)} episodes differ (first {wrong[0]}):\n"
                             f"...{a[max(0, at - 150):at + 150]}\n...{b[max(0, at - 150):at + 150]}")


def _canonical(value):
    """``value`` with every list sorted, so that only content, not order, is compared."""
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted((_canonical(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return value


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
    engine_unstable = staticmethod(engine_unstable)
    assert_same_coding = staticmethod(assert_same_coding)
    read_lines = staticmethod(read_lines)
    clincode_cmd = staticmethod(clincode_cmd)
    run_clincode = staticmethod(run_clincode)


@pytest.fixture(scope="session")
def batch_helpers() -> type[Helpers]:
    return Helpers

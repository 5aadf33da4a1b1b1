"""The same documents must always get the same coding, whatever Python's hash seed: coders,
auditors and the batch's exactly-once check compare runs byte for byte."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def documents(tmp_path_factory, shared_data) -> Path:
    """The project's samples plus a few CodiEsp case reports (long texts with many rival codes)."""
    folder = tmp_path_factory.mktemp("determinism")
    samples = Path(__file__).resolve().parents[2] / "samples"
    for path in list(samples.glob("*.txt")) + sorted((shared_data / "codiesp" / "dev" / "text_en").glob("*.txt"))[:12]:
        (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    return folder


def _code(tmp_path: Path, documents: Path, seed: str, all_findings: bool) -> str:
    out = tmp_path / f"out-{seed}-{all_findings}.jsonl"
    args = [sys.executable, "-m", "clincode.cli", "code", str(documents), "--output", str(out)]
    if all_findings:
        args.append("--all-findings")
    env = {**os.environ, "PYTHONHASHSEED": seed}
    subprocess.run(args, check=True, env=env, capture_output=True, timeout=300)
    return out.read_text(encoding="utf-8")


def test_episode_coding_is_identical_across_hash_seeds(tmp_path, documents):
    first, second = _code(tmp_path, documents, "1", False), _code(tmp_path, documents, "2", False)
    assert first.strip(), "the samples produced no coding"
    assert first == second


def test_all_findings_ranking_is_identical_across_hash_seeds(tmp_path, documents):
    assert _code(tmp_path, documents, "3", True) == _code(tmp_path, documents, "4", True)

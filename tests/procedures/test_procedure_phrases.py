"""Table-driven test: held-out procedure statements -> the OPCS-4 sequence a coder would assign."""
from __future__ import annotations

from pathlib import Path

PHRASES = [Path(__file__).with_name(name)
           for name in ("phrases.tsv", "phrases_second_batch.tsv", "phrases_third_batch.tsv",
                        "phrases_fourth_batch.tsv")]
MIN_HIT_RATE = 0.9


def _cases() -> list[tuple[str, list[str]]]:
    out = []
    for path in PHRASES:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                statement, codes = line.split("\t")
                out.append((statement, codes.split()))
    return out


def test_there_are_at_least_60_phrases():
    assert len(_cases()) >= 60


def test_held_out_phrases_hit_rate(code_note):
    misses = []
    cases = _cases()
    for statement, expected in cases:
        got, *_ = code_note(f"PREOPERATIVE DIAGNOSIS: See below.\nPROCEDURE: {statement}\n")
        if got != expected:
            misses.append(f"{statement!r}: expected {expected}, got {got}")
    rate = 1 - len(misses) / len(cases)
    print(f"\nprocedure phrase hit rate: {rate:.3f} ({len(cases) - len(misses)}/{len(cases)})")
    for m in misses:
        print("  MISS", m)
    assert rate >= MIN_HIT_RATE, "\n".join(misses)

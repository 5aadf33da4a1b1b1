"""Procedure engine figures: speed after load, and accuracy on the UK development set.

    .venv/bin/python benchmarks/procedure_bench.py [--repeat 20] [--cases ../shared/data/uk_dev/cases.jsonl]

Prints:
- load time of the lexicon (synonyms + OPCS-4 titles) and its size;
- documents per second on one core for text parsing + procedure finding + the OPCS-4 standards
  (the diagnosis engine is not timed here);
- procedure accuracy on the dev set with the full lexicon; leave-one-case-out (each case coded without
  the lexicon rows added after reading it); and without any row added after reading the dev cases
  (a pessimistic bound: it also removes common terms such as "pyeloplasty").
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from clincode.classification import load_classifications
from clincode.coding import Document
from clincode.config import get_settings
from clincode.procedures import ProcedureFinder
from clincode.procedures.lexicon import RESOURCES, Lexicon, read_terms, title_entries
from clincode.standards.procedures import code_procedures
from clincode.text import parse_document


def _norm(code: str) -> str:
    return code.upper().replace(".", "")


def score(cases, predictions) -> dict:
    """Primary procedure accuracy and micro P/R/F1 over code sets, as ../shared/tools/score.py --uk."""
    n = hits = tp = fp = fn = 0
    for case in cases:
        gold = case["gold"]
        pred = predictions[case["id"]]
        if gold.get("primary_procedure"):
            n += 1
            hits += bool(pred) and _norm(pred[0]) == _norm(gold["primary_procedure"])
        g, p = {_norm(c) for c in gold["procedures"]}, {_norm(c) for c in pred}
        tp, fp, fn = tp + len(g & p), fp + len(p - g), fn + len(g - p)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"primary_procedure_accuracy": round(hits / n, 4) if n else 0.0, "precision": round(precision, 4),
            "recall": round(recall, 4), "f1": round(f1, 4)}


def run(finder, classifications, cases) -> dict[str, list[str]]:
    out = {}
    for case in cases:
        parsed = [parse_document(Document(id=case["id"], text=case["text"]))]
        assignments, _, _ = code_procedures(finder.find(parsed), classifications, parsed)
        out[case["id"]] = [a.code for a in assignments]
    return out


def main() -> int:
    settings = get_settings()
    default_cases = (settings.classification_dir.parent / "uk_dev" / "cases.jsonl") if settings.classification_dir else None
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=Path, default=default_cases)
    ap.add_argument("--repeat", type=int, default=20, help="passes over the documents for the speed figure")
    args = ap.parse_args()
    if args.cases is None or not args.cases.exists():
        print("no UK dev cases found: pass --cases", file=sys.stderr)
        return 2
    cases = [json.loads(line) for line in args.cases.read_text(encoding="utf-8").splitlines() if line.strip()]
    classifications = load_classifications(settings)

    t0 = time.perf_counter()
    finder = ProcedureFinder(classifications, settings)
    load = time.perf_counter() - t0
    print(f"lexicon: {len(finder.lexicon)} distinct terms, loaded in {load:.2f}s")

    run(finder, classifications, cases[:3])  # warm caches
    t0 = time.perf_counter()
    for _ in range(args.repeat):
        run(finder, classifications, cases)
    elapsed = time.perf_counter() - t0
    docs = args.repeat * len(cases)
    chars = args.repeat * sum(len(c["text"]) for c in cases)
    print(f"speed: {docs / elapsed:.0f} documents/s on one core ({chars / elapsed / 1e6:.2f} M chars/s), "
          f"parse + find + standards, {docs} documents")
    parsed = [[parse_document(Document(id=c["id"], text=c["text"]))] for c in cases]
    t0 = time.perf_counter()
    for _ in range(args.repeat):
        for p in parsed:
            code_procedures(finder.find(p), classifications, p)
    elapsed = time.perf_counter() - t0
    print(f"speed: {docs / elapsed:.0f} documents/s on one core, find + standards only (text parsed once, "
          f"shared with the diagnosis engine)")

    full = score(cases, run(finder, classifications, cases))
    print("dev set, full lexicon:        ", json.dumps(full))
    rows = read_terms(RESOURCES / "procedure_terms.tsv")
    titles = title_entries(classifications.opcs4)
    dev_rows = [e for e in rows if e.source.startswith("dev-reading")]
    # Leave-one-case-out: each case is coded without the lexicon rows added after reading it.
    loo = {}
    for case in cases:
        keep = [e for e in rows if e.source != f"dev-reading:{case['id']}"]
        held_out = ProcedureFinder(classifications, settings, lexicon=Lexicon(keep + titles))
        loo.update(run(held_out, classifications, [case]))
    print(f"dev set, each case without its own {len(dev_rows)} dev-reading rows (leave-one-case-out):",
          json.dumps(score(cases, loo)))
    no_dev = ProcedureFinder(classifications, settings,
                             lexicon=Lexicon([e for e in rows if e not in dev_rows] + titles))
    print(f"dev set, without any of the {len(dev_rows)} dev-reading rows:",
          json.dumps(score(cases, run(no_dev, classifications, cases))))
    return 0


if __name__ == "__main__":
    sys.exit(main())

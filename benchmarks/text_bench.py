"""Throughput of text understanding (parse + ConText + abbreviations) on CodiEsp dev texts.

    .venv/bin/python benchmarks/text_bench.py [--limit N] [--repeat R]

Prints load time, documents per second and milliseconds per document (and per 3 KB) for:
parse_document alone; parse + context_of for every trigger-scanned sentence and one mention per
five words (a generous mention density); and find_abbreviations.
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORD = re.compile(r"\w+")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=250)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    t0 = time.perf_counter()
    from clincode.config import get_settings
    from clincode.text import context_of, parse_document
    from clincode.text.abbreviations import default_abbreviations, find_abbreviations
    from clincode.text.context import default_rules
    from clincode.text.sections import heading_table

    heading_table(), default_rules(), default_abbreviations()
    load = time.perf_counter() - t0

    settings = get_settings()
    if settings.classification_dir is None:
        sys.exit("text_bench: ../shared/data is not beside the checkout")
    folder = settings.classification_dir.parent / "codiesp" / "dev" / "text_en"
    texts = [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))[: args.limit]]
    chars = sum(len(t) for t in texts)
    mentions = [[m.span() for i, m in enumerate(WORD.finditer(t)) if i % 5 == 0] for t in texts]

    def parse_only():
        for text in texts:
            parse_document(text)

    def parse_and_context():
        for text, spans in zip(texts, mentions):
            parsed = parse_document(text)
            for start, end in spans:
                context_of(parsed, start, end)

    def abbreviations():
        for text in texts:
            find_abbreviations(parse_document(text))

    print(f"load (headings, ConText rules, abbreviations): {load * 1000:.0f} ms (imports included)")
    print(f"{len(texts)} CodiEsp dev documents, mean {chars / len(texts):.0f} characters, "
          f"{sum(map(len, mentions))} mentions queried")
    for name, job in [("parse", parse_only), ("parse + context", parse_and_context),
                      ("parse + abbreviations", abbreviations)]:
        runs, cpu = [], []
        for _ in range(args.repeat):
            start, start_cpu = time.perf_counter(), time.process_time()
            job()
            runs.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        # CPU time of this process: the machine is shared, so wall time varies with others' load.
        best = min(cpu)
        per_doc = best / len(texts) * 1000
        per_3kb = best / chars * 3000 * 1000
        print(f"{name:24s} {len(texts) / best:8.0f} docs/s  {per_doc:6.2f} ms/doc  {per_3kb:6.2f} ms per 3 KB"
              f"  (CPU time; median wall {statistics.median(runs):.2f} s)")


if __name__ == "__main__":
    main()

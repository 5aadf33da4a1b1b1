"""How coding time grows with document length: 1 KB, 10 KB, 100 KB (should be linear, not worse).

    .venv/bin/python benchmarks/length_scaling.py
    .venv/bin/python benchmarks/length_scaling.py --sizes 1 10 100 1000

Documents of each size are made by joining distinct CodiEsp dev texts (real clinical prose, so
the finders meet a realistic density of terms) and cutting at a line end near the size. One
engine, loaded once, codes each size a few times; the median is reported with time per KB and
the growth exponent k in time ~ size^k between neighbouring sizes (1.0 = linear).
"""
from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path


def make_document(texts: list[str], kb: int, offset: int) -> str:
    """About ``kb`` KB of distinct clinical texts, starting at text ``offset``, cut at a line end."""
    target = kb * 1024
    parts, size, i = [], 0, offset
    while size < target:
        text = texts[i % len(texts)]
        parts.append(text)
        size += len(text.encode("utf-8")) + 1
        i += 1
    doc = "\n".join(parts)
    cut = doc.rfind("\n", 0, target)
    return doc[:cut if cut > target // 2 else target]


def main() -> None:
    from clincode.coding import Document
    from clincode.config import get_settings
    from clincode.engine import CodingEngine

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 100], help="document sizes in KB")
    parser.add_argument("--texts", type=Path, default=None, help="folder of .txt files (default: CodiEsp dev)")
    args = parser.parse_args()

    settings = get_settings()
    folder = args.texts or (settings.classification_dir.parent / "codiesp" / "dev" / "text_en")
    texts = [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))]
    if not texts:
        sys.exit(f"no .txt files in {folder}")
    t0 = time.perf_counter()
    engine = CodingEngine(settings)
    print(f"engine load: {time.perf_counter() - t0:.2f} s")
    engine.code_episode("warm-up", [Document(id="w", text=texts[0])])

    rows = []
    for kb in args.sizes:
        # Fewer repeats for big documents, but several different documents at every size.
        repeats = max(3, min(30, 300 // kb))
        times, findings = [], 0
        for r in range(repeats):
            doc = make_document(texts, kb, offset=r * 7)
            # CPU time: on a machine shared with other jobs, wall time measures them as well
            start = time.process_time()
            episode = engine.code_episode(f"len-{kb}-{r}", [Document(id="d", text=doc)])
            times.append(time.process_time() - start)
            findings += len(episode.diagnoses) + len(episode.procedures)
        median = statistics.median(times)
        rows.append((kb, median, findings / repeats))
        print(f"{kb:>6} KB: median {median * 1000:9.1f} ms CPU over {repeats} documents, "
              f"{median * 1000 / kb:7.2f} ms/KB, {findings / repeats:.0f} codes per document")
    for (kb1, t1, _), (kb2, t2, _) in zip(rows, rows[1:]):
        k = math.log(t2 / t1) / math.log(kb2 / kb1) if t1 > 0 and t2 > 0 else float("nan")
        verdict = "linear or better" if k <= 1.15 else "SUPERLINEAR"
        print(f"{kb1} KB -> {kb2} KB: time x{t2 / t1:.1f} for size x{kb2 / kb1:.0f}; exponent k = {k:.2f} ({verdict})")


if __name__ == "__main__":
    main()

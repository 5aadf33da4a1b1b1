"""Benchmark the classification service: cold and warm load, search latency, memory.

    .venv/bin/python benchmarks/classification_bench.py [--cache-dir DIR]

Each load is timed in a fresh Python process (so the per-process caches do not hide the cost):
"cold" with an empty cache folder (parse the sources, write the compiled cache), "warm" reading it.
Search latency is measured over the phrases of tests/classification/search_phrases*.tsv after one
warm-up query. Memory is the peak resident set size of the process that loaded everything.
Targets (issue 2): warm load < 2 s, search < 20 ms per query.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, resource, statistics, sys, time
t0 = time.perf_counter()
from clincode.config import get_settings
from clincode.classification import load_classifications
from clincode.classification.index import load_index
from clincode.classification.search import get_searcher
s = get_settings()
t1 = time.perf_counter(); clf = load_classifications(s); t2 = time.perf_counter()
index = load_index(s); t3 = time.perf_counter()
searcher = get_searcher(s, clf); t4 = time.perf_counter()
phrases = []
for name in sys.argv[1:]:
    for line in open(name, encoding="utf-8"):
        if line.strip() and not line.startswith(("#", "phrase\t")):
            phrase, system, *_ = line.rstrip("\n").split("\t")
            phrases.append((phrase, system))
searcher.search("warm up")
times = []
for phrase, system in phrases * 3:
    a = time.perf_counter(); searcher.search(phrase, limit=10); times.append((time.perf_counter() - a) * 1000)
times.sort()
n = sum(1 for _ in index)
t5 = time.perf_counter()
print(json.dumps({
    "import_s": t1 - t0, "classifications_s": t2 - t1, "index_s": t3 - t2, "search_index_s": t4 - t3,
    "iterate_index_s": t5 - t4 - sum(times) / 1000,
    "entries": n, "queries": len(times), "search_mean_ms": statistics.mean(times),
    "search_p95_ms": times[int(0.95 * (len(times) - 1))], "search_max_ms": times[-1],
    "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


def run(cache_dir: str) -> dict:
    env = dict(os.environ, CLINCODE_CACHE_DIR=cache_dir)
    phrases = [str(p) for p in sorted((ROOT / "tests" / "classification").glob("search_phrases*.tsv"))]
    out = subprocess.run([sys.executable, "-c", CHILD, *phrases], env=env, capture_output=True, text=True,
                         cwd=ROOT)
    if out.returncode != 0:
        sys.exit(f"benchmark child failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache-dir", help="cache folder to use (default: a fresh temporary one)")
    args = parser.parse_args()
    cache_dir = args.cache_dir or tempfile.mkdtemp(prefix="clincode-bench-")
    cold, warm = run(cache_dir), run(cache_dir)
    for label, r in (("cold", cold), ("warm", warm)):
        load = r["classifications_s"] + r["index_s"]
        print(f"{label}: classifications {r['classifications_s']:.2f} s + index {r['index_s']:.2f} s "
              f"= {load:.2f} s; search index {r['search_index_s']:.2f} s; "
              f"total ready {load + r['search_index_s']:.2f} s (imports {r['import_s']:.2f} s)")
    print(f"index entries: {warm['entries']}; iterating them all: {warm['iterate_index_s'] * 1000:.0f} ms")
    print(f"search latency over {warm['queries']} queries: mean {warm['search_mean_ms']:.1f} ms, "
          f"p95 {warm['search_p95_ms']:.1f} ms, max {warm['search_max_ms']:.1f} ms")
    print(f"peak RSS with everything loaded: {warm['rss_mb']:.0f} MB (cold run {cold['rss_mb']:.0f} MB)")
    load = warm["classifications_s"] + warm["index_s"]
    print(f"targets: warm load < 2 s: {'met' if load < 2 else 'NOT met'}; "
          f"search < 20 ms: {'met' if warm['search_p95_ms'] < 20 else 'NOT met'} (p95)")


if __name__ == "__main__":
    main()

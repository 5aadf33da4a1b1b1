"""Department reports over 100,000 generated episodes on PostgreSQL: each must answer in < 2 s.

    .venv/bin/python benchmarks/reports_bench.py [--episodes 100000] [--repeat 3] [--sqlite]

Uses a schema of its own in the PostgreSQL test database (CLINCODE_TEST_POSTGRES_URL, default
postgres@127.0.0.1:5432/test, trust auth), dropped at the end. Prints the median of --repeat
runs of each report after one warm-up run, and the row counts they covered.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, datetime, timezone

from sqlalchemy import text

from clincode.store.roles import Role
from clincode.store.services import Actor
from clincode.store.testing import postgres_available, temporary_database
from clincode.workflow import audit as wa
from clincode.workflow.flags import flag_summary, list_flags
from clincode.workflow.outstanding import outstanding_report, outstanding_rows
from clincode.workflow.queries import query_lifecycle
from clincode.workflow.statistics import Period, episode_charlson, statistics_report
from clincode.workflow.synthetic import generate, insert_episodes

TODAY = date(2026, 11, 25)
AUDITOR = Actor("bench.auditor", Role.AUDITOR)
MANAGER = Actor("bench.manager", Role.CODING_MANAGER)
LIMIT_S = 2.0


def timed(db, fn, repeat: int) -> tuple[float, object]:
    with db.session() as s:  # warm-up: plans cached, pages in memory
        result = fn(s)
    runs = []
    for _ in range(repeat):
        with db.session() as s:
            t = time.perf_counter()
            result = fn(s)
            runs.append(time.perf_counter() - t)
    return statistics.median(runs), result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--episodes", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sqlite", action="store_true", help="run on SQLite instead (no 2 s target)")
    args = ap.parse_args()
    backend = "sqlite" if args.sqlite else "postgresql"
    if backend == "postgresql" and (reason := postgres_available()):
        print(f"PostgreSQL is not reachable: {reason}", file=sys.stderr)
        return 2
    with temporary_database(backend) as db:
        t = time.perf_counter()
        specs = generate(args.episodes, TODAY, seed=2026)
        with db.session() as s:
            insert_episodes(s, specs)
        if backend == "postgresql":  # what autovacuum does after a bulk load: statistics, visibility map
            with db.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        with db.session() as s:
            codes = s.execute(text("select count(*) from episode_codes")).scalar()
        print(f"{backend}: {args.episodes:,} episodes, {codes:,} codes generated and stored in "
              f"{time.perf_counter() - t:.1f} s")
        year = Period(date(2026, 1, 1), TODAY)
        with db.session() as s:  # data-quality flags and an audit to report on
            from clincode.classification import load_classifications
            from clincode.workflow.flags import run_checks

            t = time.perf_counter()
            run = run_checks(s, load_classifications())
            print(f"data-quality checks over {run.episodes:,} finalised episodes: {run.found:,} findings in "
                  f"{time.perf_counter() - t:.1f} s (a batch job, not an interactive report)")
            audit_id = wa.create_audit(s, AUDITOR, "bench", size=200, seed=1).id
            for item in wa.get_audit(s, audit_id).items[:150]:
                codes_ = item.coder_codes
                item.auditor_codes = {"icd10": list(reversed(codes_["icd10"])), "opcs4": codes_["opcs4"]}
        reports = [
            ("outstanding coding (backlog, bands, specialty, coder, 12-week trend)",
             lambda s: outstanding_report(s, TODAY)),
            ("outstanding coding CSV (every outstanding episode)", lambda s: len(list(outstanding_rows(s, TODAY)))),
            ("statistics for the year (case mix, depth, timeliness, deaths, Charlson, engine use)",
             lambda s: statistics_report(s, year)),
            ("Charlson index per episode (CSV)", lambda s: len(episode_charlson(s, year))),
            ("clinician query lifecycle", lambda s: query_lifecycle(s, datetime.now(timezone.utc))),
            ("data-quality summary and first 500 open flags",
             lambda s: (flag_summary(s), len(list_flags(s, MANAGER, limit=500)))),
            ("audit sample of 200 drawn from all finalised episodes",
             lambda s: wa.create_audit(s, AUDITOR, "timed", size=200, seed=7)),
            ("audit report (200 episodes)", lambda s: wa.audit_report(s, audit_id)),
        ]
        worst = 0.0
        for name, fn in reports:
            seconds, result = timed(db, fn, args.repeat)
            worst = max(worst, seconds)
            mark = "" if backend == "sqlite" else ("  ok" if seconds < LIMIT_S else "  TOO SLOW")
            print(f"  {seconds * 1000:8.0f} ms  {name}{mark}")
            if name.startswith("outstanding coding ("):
                d = result.department
                print(f"              ({d.total:,} outstanding, {d.past_local:,} past the local target, "
                      f"{d.past_national:,} past the national deadline)")
            if name.startswith("statistics"):
                print(f"              ({result.episodes:,} finalised episodes, mean Charlson {result.charlson_mean})")
    print(f"slowest report: {worst:.2f} s" + ("" if backend == "sqlite" else f" (target < {LIMIT_S:.0f} s)"))
    return 0 if backend == "sqlite" or worst < LIMIT_S else 1


if __name__ == "__main__":
    sys.exit(main())

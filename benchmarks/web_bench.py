"""How fast the coders' web pages render on a department-sized store.

Builds a temporary SQLite store of N generated episodes (default 5,000, through the service
layer as an interface would), runs the real coding engine on a few of them, starts the web
application on a loopback port and times each page over HTTP (server render + transfer), then
prints p50/p95 per page against the 300 ms target.

    .venv/bin/python benchmarks/web_bench.py [--episodes 5000] [--repeat 30] [--coded 20]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

TARGET_MS = 300.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--episodes", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--coded", type=int, default=20, help="episodes the engine codes first")
    args = parser.parse_args()

    import httpx
    import uvicorn

    from clincode.store import Database, services, upgrade
    from clincode.store.services import Actor
    from clincode.web import create_web_app
    from clincode.web.sample import add_user, populate

    today = date(2026, 11, 25)
    with tempfile.TemporaryDirectory(prefix="clincode-web-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        db = Database(url)
        started = time.perf_counter()
        ids = populate(db, args.episodes, today=today)
        print(f"generated {len(ids):,} episodes in {time.perf_counter() - started:.1f} s")
        token = add_user(db, "bench.coder", "coder", "Bench Coder")
        coder = Actor("bench.coder", "coder")
        started = time.perf_counter()
        for episode_id in ids[: args.coded]:
            with db.session() as session:
                services.run_coding(session, coder, episode_id)
        print(f"coded {args.coded} episodes with the engine in {time.perf_counter() - started:.1f} s")
        with db.session() as session:  # one episode with accepted codes and an open query
            services.accept_proposal(session, coder, ids[0], None)
            services.raise_query(session, coder, ids[0], "Please confirm the laterality.")

        app = create_web_app(db, today=lambda: today)
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        port = server.servers[0].sockets[0].getsockname()[1]
        base = f"http://127.0.0.1:{port}"
        client = httpx.Client(base_url=base, timeout=30)
        r = client.post("/login", data={"username": "bench.coder", "token": token})
        assert r.status_code in (200, 303), r.status_code

        last_page = (args.episodes + 49) // 50
        pages = {
            "worklist (to code)": "/",
            "worklist (specialty + consultant)": "/?specialty=110&consultant=C1234567",
            f"worklist (page {last_page // 2})": f"/?page={last_page // 2}",
            "worklist (past local target)": "/?status=overdue",
            "worklist (search spell number)": f"/?q=SP{200000 + args.episodes // 2}",
            "coding screen (uncoded)": f"/episodes/{ids[-1]}",
            "coding screen (engine proposal)": f"/episodes/{ids[1]}",
            "coding screen (accepted + query)": f"/episodes/{ids[0]}",
            "encoder search": f"/encoder?q=acute+cholecystitis&system=icd10&episode={ids[0]}",
            "live validation": f"/episodes/{ids[0]}/validate?system=icd10&code=K80.0&primary=1",
            "clinician queries": "/queries",
        }
        print(f"\n{'page':40} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  target {TARGET_MS:.0f} ms")
        worst = 0.0
        for name, path in pages.items():
            client.get(path)  # warm: first use loads the classification tables and search index
            times = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                r = client.get(path)
                times.append((time.perf_counter() - t) * 1000)
                if r.status_code != 200:
                    print(f"{name}: HTTP {r.status_code}", file=sys.stderr)
                    return 1
            p50, p95 = statistics.median(times), percentile(times, 0.95)
            worst = max(worst, p95)
            print(f"{name:40} {p50:8.1f} {p95:8.1f} {max(times):8.1f}  {'ok' if p95 < TARGET_MS else 'SLOW'}")
        client.close()
        server.should_exit = True
        thread.join(timeout=10)
        db.dispose()
    print(f"\nworst p95 {worst:.1f} ms ({'within' if worst < TARGET_MS else 'over'} the {TARGET_MS:.0f} ms target)")
    return 0 if worst < TARGET_MS else 2


if __name__ == "__main__":
    sys.exit(main())

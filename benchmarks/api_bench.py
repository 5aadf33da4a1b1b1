"""API benchmark: 20 concurrent clients on loopback reading and coding episodes.

    .venv/bin/python benchmarks/api_bench.py [--clients 20] [--reads 400] [--codings 200]
                                            [--postgres | --database-url URL] [--workers N]
                                            [--documents-dir DIR] [--server-root DIR]

Starts its own `clincode serve` on a free port against a fresh database (a temporary SQLite file
unless --postgres or --database-url is given), loads synthetic episodes whose documents rotate
through the texts of --documents-dir (default: the sample discharge summary and operation note in
samples/; e.g. ../shared/data/codiesp/dev/text_en for case-report sized texts), each made unique,
then measures:
  read:   GET /episodes/{id}        (target p95 < 50 ms)
  coding: POST /episodes/{id}/code  (target p95 < 200 ms for a typical discharge summary)
It prints throughput and p50/p95/p99 latencies, the engine's own time per coding (from the
responses) and the load average before and after, then stops the server. Bounded in requests and
in time (--timeout seconds overall). --server-root runs the server from another checkout (an
older commit's worktree) so before/after runs can be interleaved with the same client.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = [ROOT / "samples" / "discharge_summary_cholecystitis.txt", ROOT / "samples" / "operation_note_hip.txt"]


def load_documents(folder: str | None) -> list[str]:
    """The texts the episodes rotate through: every .txt in ``folder``, else the repo's samples."""
    paths = sorted(Path(folder).glob("*.txt")) if folder else SAMPLES
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in paths]
    texts = [t for t in texts if t.strip()]
    if not texts:
        raise SystemExit(f"no .txt documents in {folder}")
    return texts


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def nhs_numbers(n: int) -> list[str]:
    from clincode.store.nhs_number import check_digit

    out, i = [], 200000
    while len(out) < n:
        nine = f"999{i:06d}"
        digit = check_digit(nine)
        if digit is not None:
            out.append(nine + str(digit))
        i += 1
    return out


def prepare(url: str, episodes: int, texts: list[str]) -> str:
    """Schema, a coder with a token, and ``episodes`` synthetic episodes, episode i with text
    i modulo len(texts) plus its own reference line (no two documents alike); returns the token."""
    from clincode.store import Database, upgrade
    from clincode.store import services as sv
    from clincode.store.records import EpisodeRecord

    upgrade(url)
    db = Database(url)
    with db.session() as s:
        sv.create_user(s, sv.SYSTEM, "bench", "coder")
        token = sv.issue_token(s, sv.SYSTEM, "bench", "bench")
        for i, nhs in enumerate(nhs_numbers(episodes)):
            sv.ingest_record(s, sv.INTEGRATION, EpisodeRecord.model_validate({
                "patient": {"nhs_number": nhs},
                "spell": {"spell_number": f"BENCH{i:05d}", "admission_date": "2026-03-01T09:00:00+00:00",
                          "discharge_date": "2026-03-04T12:00:00+00:00"},
                "documents": [{"text": texts[i % len(texts)] + f"\nRef {i}", "doc_type": "discharge_summary"}]}))
    db.dispose()
    return token


def cpu_by_part(server_pid: int, engine_processes: bool = True) -> dict[str, float]:
    """CPU seconds used so far (Linux /proc; empty elsewhere): the server (the uvicorn supervisor
    and workers), its engine processes, PostgreSQL's processes, this client."""
    out = {"client": time.process_time()}
    try:
        tick = os.sysconf("SC_CLK_TCK")
        procs = {}
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                try:
                    raw = Path(entry.path, "stat").read_text()
                except OSError:
                    continue
                comm = raw[raw.index("(") + 1:raw.rindex(")")]
                fields = raw[raw.rindex(")") + 2:].split()
                procs[int(entry.name)] = (comm, int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    except (OSError, ValueError, AttributeError):
        return {}
    # The server's process tree by depth: the deepest level is the engine processes (and
    # multiprocessing's resource tracker, which does next to nothing); the levels above are the
    # uvicorn supervisor and workers (one level when there is a single worker).
    levels = [{server_pid}]
    while True:
        kids = {pid for pid, (_, ppid, _) in procs.items() if ppid in levels[-1]}
        if not kids:
            break
        levels.append(kids)
    cpu = lambda pids: sum(procs[p][2] for p in pids if p in procs)  # noqa: E731
    if engine_processes and len(levels) > 1:
        out["server"] = sum(cpu(level) for level in levels[:-1])
        out["engine processes"] = cpu(levels[-1])
    else:
        out["server"] = sum(cpu(level) for level in levels)
    out["postgres"] = sum(cpu for comm, _, cpu in procs.values() if comm.startswith("postgres"))
    return out


def percentiles(samples: list[float]) -> dict:
    s = sorted(samples)
    pick = lambda p: s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]  # noqa: E731
    return {"n": len(s), "p50": pick(50), "p95": pick(95), "p99": pick(99), "mean": statistics.fmean(s)}


class RawClient:
    """A minimal HTTP/1.1 keep-alive client on one asyncio stream: the benchmark's 20 clients share
    the server's two cores, so the client must cost as little CPU as possible (httpx spends about
    a millisecond of Python per request, which would be charged to the server's latency)."""

    def __init__(self, host: str, port: int, token: str):
        self.host, self.port = host, port
        self.head = f"Host: {host}:{port}\r\nAuthorization: Bearer {token}\r\n".encode()
        self.reader = self.writer = None

    async def request(self, method: str, path: str) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        body = b"{}" if method == "POST" else b""
        extra = b"Content-Type: application/json\r\n" if body else b""
        self.writer.write(f"{method} {path} HTTP/1.1\r\n".encode() + self.head + extra
                          + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = None
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        if length is None:  # the API always sends Content-Length; anything else is a server fault
            raise ConnectionError("response without Content-Length")
        return status, await self.reader.readexactly(length)

    async def close(self):
        if self.writer is not None:
            self.writer.close()


async def phase(base: str, token: str, clients: int, total: int, make_request, deadline: float,
                engine_ms: list | None = None):
    latencies: list[float] = []
    errors: dict = {}
    queue = list(range(total))
    host, port = base.rsplit("//", 1)[1].split(":")

    async def client_loop():
        client = RawClient(host, int(port), token)
        try:
            while queue and time.monotonic() < deadline:
                i = queue.pop()
                method, path = make_request(i)
                t0 = time.perf_counter()
                try:
                    status, body = await client.request(method, path)
                except (OSError, asyncio.IncompleteReadError, ValueError) as exc:  # counted, not fatal
                    errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                    await client.close()
                    client = RawClient(host, int(port), token)
                    continue
                latencies.append((time.perf_counter() - t0) * 1000)
                if status >= 400:
                    errors[status] = errors.get(status, 0) + 1
                elif engine_ms is not None:
                    at = body.find(b'"duration_ms":')
                    if at >= 0:
                        engine_ms.append(int(body[at + 14:body.find(b",", at)]))
        finally:
            await client.close()

    started = time.perf_counter()
    await asyncio.gather(*(client_loop() for _ in range(clients)))
    wall = time.perf_counter() - started
    return latencies, errors, wall


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--reads", type=int, default=1000)
    ap.add_argument("--codings", type=int, default=200)
    ap.add_argument("--episodes", type=int, default=200)
    ap.add_argument("--documents-dir", help="folder of .txt documents to rotate through (default: samples/)")
    ap.add_argument("--server-root", help="run the server from this checkout (default: this one)")
    ap.add_argument("--database-url", help="an existing, empty database (default: a temporary SQLite file)")
    ap.add_argument("--postgres", action="store_true",
                    help="use a temporary schema in the PostgreSQL test database (dropped afterwards)")
    ap.add_argument("--workers", type=int, help="server worker processes (default: clincode serve's)")
    ap.add_argument("--timeout", type=float, default=300, help="stop measuring after this many seconds")
    args = ap.parse_args()

    tmp = tempfile.TemporaryDirectory(prefix="clincode-bench-")
    with contextlib.ExitStack() as stack:
        if args.postgres:
            from clincode.store.testing import temporary_database

            db = stack.enter_context(temporary_database("postgresql", migrate=False))
            db.dispose()
            url = db.url
        else:
            url = args.database_url or f"sqlite:///{Path(tmp.name) / 'bench.db'}"
        return run(args, url, tmp)


def run(args, url: str, tmp) -> int:
    texts = load_documents(args.documents_dir)
    load_before = os.getloadavg()[0]
    token = prepare(url, args.episodes, texts)
    port = free_port()
    env = {**os.environ, "CLINCODE_DATABASE_URL": url}
    server_log = open(Path(tmp.name) / "server.log", "w+")
    server_root = Path(args.server_root).resolve() if args.server_root else ROOT
    command = [sys.executable, "-m", "clincode.cli"]  # run from server_root: its clincode comes first on sys.path
    workers = ["--workers", str(args.workers)] if args.workers else []
    server = subprocess.Popen(command + ["serve", "--host", "127.0.0.1", "--port", str(port)] + workers,
                              env=env, cwd=server_root, stdout=subprocess.DEVNULL, stderr=server_log)
    base = f"http://127.0.0.1:{port}"
    try:
        t0 = time.monotonic()
        while True:
            try:
                if httpx.get(base + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() - t0 > 120:
                server_log.seek(0)
                print("server did not start:", server_log.read()[-2000:])
                return 1
            time.sleep(0.2)
        startup = time.monotonic() - t0
        deadline = time.monotonic() + args.timeout
        ids = list(range(1, args.episodes + 1))
        engine_processes = os.environ.get("CLINCODE_ENGINE_PROCESSES", "").strip() != "0"
        rng = random.Random(7)
        # warm-up: the first coding loads nothing new (the server preloads the engine) but fills caches
        asyncio.run(phase(base, token, 2, 4, lambda i: ("POST", f"/episodes/{ids[i]}/code"), deadline))
        results = {}
        # service time first: one client, one request at a time (no queueing)
        for name, total, maker in [
            ("read x1", 50, lambda i: ("GET", f"/episodes/{rng.choice(ids)}")),
            ("coding x1", 10, lambda i: ("POST", f"/episodes/{ids[-1 - i]}/code")),
        ]:
            lat, errors, wall = asyncio.run(phase(base, token, 1, total, maker, deadline))
            results[name] = {**percentiles(lat), "throughput_rps": len(lat) / wall, "errors": errors}
        for name, total, maker in [
            ("read", args.reads, lambda i: ("GET", f"/episodes/{rng.choice(ids)}")),
            # each coding request on its own episode: two at once on one episode would rightly get 409
            ("coding", args.codings, lambda i: ("POST", f"/episodes/{ids[i % len(ids)]}/code")),
        ]:
            engine_ms: list[int] = []
            cpu_before = cpu_by_part(server.pid, engine_processes)
            lat, errors, wall = asyncio.run(phase(base, token, args.clients, total, maker, deadline,
                                                  engine_ms if name == "coding" else None))
            cpu_after = cpu_by_part(server.pid, engine_processes)
            results[name] = {**percentiles(lat), "throughput_rps": len(lat) / wall, "errors": errors}
            results[name]["cpu_ms_per_request"] = {
                part: round((cpu_after[part] - cpu_before[part]) * 1000 / max(1, len(lat)), 2)
                for part in cpu_after if part in cpu_before}
            if engine_ms:
                results[name]["engine_ms_mean"] = statistics.fmean(engine_ms)
        sizes = [len(t) for t in texts]
        print(f"server: {server_root}; start (engine preloaded): {startup:.1f} s; database: {url.split(':')[0]}; "
              f"workers: {args.workers or 'default'}; threads: {os.environ.get('CLINCODE_API_THREADS', 'default')}; "
              f"engine processes: {os.environ.get('CLINCODE_ENGINE_PROCESSES', 'default')}; "
              f"clients: {args.clients}; cores: {os.cpu_count()}")
        print(f"documents: {len(texts)} from {args.documents_dir or 'samples/'}, mean {statistics.fmean(sizes):.0f} "
              f"chars; engine time per coding under load (mean, as the server measured it): "
              f"{results['coding'].get('engine_ms_mean', float('nan')):.1f} ms; "
              f"load average before {load_before:.1f}, after {os.getloadavg()[0]:.1f}")
        for name in ("read", "coding"):
            parts = results[name].get("cpu_ms_per_request") or {}
            if parts:
                print(f"CPU ms per {name} request: " + ", ".join(f"{k} {v:.1f}" for k, v in parts.items())
                      + f" (total {sum(parts.values()):.1f})")
        print(f"{'':10}{'n':>6}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}  errors  target")
        targets = {"read": 50, "coding": 200}
        for name, r in results.items():
            target = targets.get(name.split()[0])
            verdict = ("met" if r["p95"] < target else "MISSED") if " " not in name else "(1 client)"
            print(f"{name:10}{r['n']:>6}{r['throughput_rps']:>9.1f}{r['p50']:>9.1f}{r['p95']:>9.1f}{r['p99']:>9.1f}"
                  f"  {sum(r['errors'].values()):>6}  p95<{target} ms {verdict}")
        print(json.dumps({k: {kk: (round(vv, 2) if isinstance(vv, float) else vv) for kk, vv in v.items()}
                          for k, v in results.items()}))
        if server.poll() is not None or any(r["errors"] for r in results.values()):
            server_log.seek(0)
            print("server log tail:\n" + "".join(l for l in server_log.read().splitlines(True)[-15:]
                                                  if "clincode.api" not in l))
        return 0
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        tmp.cleanup()


if __name__ == "__main__":
    sys.exit(main())

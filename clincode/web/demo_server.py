"""``python -m clincode.web.demo_server``: the web application on a throw-away database of sample
episodes, for a demonstration or a look at the screens (prints the sign-in details; the database
is deleted when the server stops)."""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path


def serve_demo(folder: Path, episodes: int, port: int, code: int) -> None:
    import uvicorn

    from ..store import Database, services, upgrade
    from . import create_web_app
    from .sample import add_user, populate

    url = f"sqlite:///{folder / 'demo.db'}"
    upgrade(url)
    db = Database(url)
    try:
        ids = populate(db, episodes)
        token = add_user(db, "demo.coder", "coder", "Demo Coder")
        coder = services.Actor("demo.coder", "coder")
        for episode_id in ids[:code]:
            with db.session() as session:
                services.run_coding(session, coder, episode_id)
        print(f"clincode web demo: http://127.0.0.1:{port}/  username demo.coder  token {token}", flush=True)
        uvicorn.run(create_web_app(db), host="127.0.0.1", port=port, log_level="warning")
    finally:
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--episodes", type=int, default=60)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--code", type=int, default=3, help="run the coding engine on the first N episodes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="clincode-demo-") as tmp:
        serve_demo(Path(tmp), args.episodes, args.port, args.code)


if __name__ == "__main__":
    main()

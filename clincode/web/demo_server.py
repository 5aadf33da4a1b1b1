"""``python -m clincode.web.demo_server``: the web application on a throw-away database of sample
episodes, for a demonstration or a look at the screens (prints the sign-in details)."""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--episodes", type=int, default=60)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--code", type=int, default=3, help="run the coding engine on the first N episodes")
    args = parser.parse_args()

    import uvicorn

    from ..store import Database, upgrade
    from ..store import services
    from ..store.services import SYSTEM
    from . import create_web_app
    from .sample import add_user, populate

    folder = Path(tempfile.mkdtemp(prefix="clincode-demo-"))
    url = f"sqlite:///{folder / 'demo.db'}"
    upgrade(url)
    db = Database(url)
    ids = populate(db, args.episodes)
    token = add_user(db, "demo.coder", "coder", "Demo Coder")
    coder = services.Actor("demo.coder", "coder")
    for episode_id in ids[: args.code]:
        with db.session() as session:
            services.run_coding(session, coder, episode_id)
    print(f"clincode web demo: http://127.0.0.1:{args.port}/  username demo.coder  token {token}")
    print(f"database: {folder / 'demo.db'}")
    uvicorn.run(create_web_app(db), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()

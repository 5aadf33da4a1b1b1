"""The web tests' server: the real application on a free loopback port, with a temporary SQLite
database of sample episodes, driven by Debian's Chromium through Playwright."""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import threading
import time
from datetime import date
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
TODAY = date(2026, 11, 25)  # the sample data's 'today': deadlines are computed from it


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running(app):
    """The application served by uvicorn on a free loopback port, in a thread: yields its base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started:
        if time.time() > deadline or not thread.is_alive():
            raise RuntimeError("the web application did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def serve_app():
    """``running`` for the other web test modules that start a server of their own."""
    return running


@pytest.fixture(scope="session")
def web_server(settings):
    """(base_url, database, tokens by username, episode ids) of a running web application."""
    from clincode.store.testing import temporary_database
    from clincode.web import create_web_app
    from clincode.web.sample import add_user, populate

    with temporary_database("sqlite") as db:
        ids = populate(db, 40, today=TODAY)
        tokens = {
            "amira.shah": add_user(db, "amira.shah", "coder", "Amira Shah"),
            "tom.reed": add_user(db, "tom.reed", "senior_coder", "Tom Reed"),
            "alex.audit": add_user(db, "alex.audit", "auditor", "Alex Auditor"),
        }
        with running(create_web_app(db, settings, today=lambda: TODAY)) as base_url:
            yield base_url, db, tokens, ids


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless. In CI a missing browser fails the run instead of skipping."""
    if not (os.path.exists(CHROMIUM) and shutil.which(CHROMIUM)):
        message = f"{CHROMIUM} is missing: run scripts/install-system-deps.sh (Debian's chromium)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="en-GB")
    # No network beyond this machine: the NHS.UK stylesheet names its web font on assets.nhs.uk.
    context.route(lambda url: not url.startswith("http://127.0.0.1"), lambda route: route.abort())
    pg = context.new_page()
    pg.set_default_timeout(15000)
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS

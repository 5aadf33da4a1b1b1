"""Signed session cookies for the coders' web application.

A coder signs in once with their username and access token (the same token the API accepts);
the browser then holds a cookie naming the user, signed with HMAC-SHA256 so it cannot be forged,
that expires after a working day. The cookie holds no patient data. Each session carries its
own CSRF token, sent back by every form and htmx request that changes anything.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

COOKIE_NAME = "clincode_session"
SESSION_SECONDS = 10 * 60 * 60  # a working day; coders sign in again next morning


@dataclass(frozen=True, slots=True)
class WebSession:
    username: str
    csrf: str
    expires: int


class SessionSigner:
    def __init__(self, secret: bytes):
        if len(secret) < 16:
            raise ValueError("the web session secret must be at least 16 bytes")
        self._secret = secret

    def _mac(self, payload: bytes) -> str:
        return base64.urlsafe_b64encode(hmac.new(self._secret, payload, hashlib.sha256).digest()).decode().rstrip("=")

    def issue(self, username: str, now: float | None = None) -> tuple[str, WebSession]:
        session = WebSession(username, secrets.token_urlsafe(24), int((now or time.time()) + SESSION_SECONDS))
        payload = base64.urlsafe_b64encode(
            json.dumps({"u": session.username, "c": session.csrf, "e": session.expires}).encode()
        ).decode().rstrip("=")
        return f"{payload}.{self._mac(payload.encode())}", session

    def read(self, cookie: str | None, now: float | None = None) -> WebSession | None:
        """The session in a cookie, or None when absent, tampered with or expired."""
        if not cookie or "." not in cookie:
            return None
        payload, mac = cookie.rsplit(".", 1)
        if not hmac.compare_digest(mac, self._mac(payload.encode())):
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            session = WebSession(str(data["u"]), str(data["c"]), int(data["e"]))
        except (ValueError, KeyError, TypeError):
            return None
        if session.expires < (now or time.time()):
            return None
        return session


def load_secret(configured: str | None, cache_dir: Path) -> bytes:
    """The signing secret: ``CLINCODE_WEB_SECRET`` when set (several servers behind one load
    balancer must share it), else a random one kept in the cache folder so that restarting the
    server does not sign everybody out."""
    if configured:
        return configured.encode()
    path = Path(cache_dir) / "web_session_secret"
    try:
        return bytes.fromhex(path.read_text().strip())
    except (OSError, ValueError):
        pass
    secret = secrets.token_bytes(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secret.hex())
    except OSError:
        pass  # a read-only cache: sessions then last as long as this process
    return secret

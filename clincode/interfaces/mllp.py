"""HL7 v2 over MLLP, the way a trust's integration engine sends it, with an ACK for every message.

Frames are ``<VT> message <FS><CR>`` (0x0B ... 0x1C 0x0D). Each message goes through
``receive_hl7`` (idempotent, one transaction, rejected messages kept) and is answered with:
  MSA|AA  applied, or a duplicate of a message already applied (safe to resend);
  MSA|AE  rejected for its content (the reason in MSA-3), kept for review;
  MSA|AR  not an HL7 message at all.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone
from itertools import count

from ..store.db import Database
from ..store.services import INTEGRATION, Actor, MessageOutcome
from .hl7v2 import control_id_of, receive_hl7

VT, FS, CR = b"\x0b", b"\x1c", b"\x0d"
log = logging.getLogger("clincode.interfaces.mllp")
_ack_numbers = count(1)


def _escape(text: str) -> str:
    return (text.replace("\\", "\\E\\").replace("|", "\\F\\").replace("^", "\\S\\")
            .replace("&", "\\T\\").replace("~", "\\R\\").replace("\r", " ").replace("\n", " "))


def ack_for(raw: str, outcome: MessageOutcome) -> str:
    """The HL7 ACK for a received message and what became of it."""
    first = raw.replace("\n", "\r").split("\r", 1)[0]
    fields = first.split("|") if first.startswith("MSH|") else ["MSH", "^~\\&"]
    get = lambda i: fields[i] if len(fields) > i else ""  # noqa: E731  (MSH-n is fields[n-1])
    event = get(8).split("^")[1] if "^" in get(8) else ""
    version = get(11) or "2.4"
    if outcome.status in ("applied", "duplicate"):
        code, text = "AA", ""
    elif first.startswith("MSH|"):
        code, text = "AE", outcome.reason or "rejected"
    else:
        code, text = "AR", outcome.reason or "not an HL7 message"
    now = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S")
    msh = f"MSH|^~\\&|CLINCODE|{get(5)}|{get(2)}|{get(3)}|{now}||ACK^{event}^ACK|ACK{now}{next(_ack_numbers):05d}|P|{version}"
    msa = f"MSA|{code}|{control_id_of(raw) or ''}"
    if text:
        msa += f"|{_escape(text)[:200]}"
    return msh + "\r" + msa + "\r"


def frame(message: str) -> bytes:
    return VT + message.encode("utf-8") + FS + CR


async def _handle(db: Database, actor: Actor, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    loop = asyncio.get_running_loop()
    buffer = b""
    try:
        while True:
            chunk = await reader.read(65536)
            if not chunk:
                break
            buffer += chunk
            while FS + CR in buffer:
                block, buffer = buffer.split(FS + CR, 1)
                start = block.find(VT)
                raw = (block[start + 1:] if start >= 0 else block).decode("utf-8", errors="replace")
                outcome = await loop.run_in_executor(None, receive_hl7, db, raw, actor)
                writer.write(frame(ack_for(raw, outcome)))
                await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


async def serve_mllp(db: Database, host: str = "127.0.0.1", port: int = 2575, actor: Actor = INTEGRATION,
                     started: asyncio.Event | None = None) -> None:
    server = await asyncio.start_server(lambda r, w: _handle(db, actor, r, w), host, port)
    log.info("MLLP listener on %s:%s", host, port)
    if started is not None:
        started.set()
    async with server:
        await server.serve_forever()

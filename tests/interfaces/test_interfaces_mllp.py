"""HL7 v2 over a real MLLP socket: each message ACKed, duplicates AA, malformed AE and kept."""
from __future__ import annotations

import asyncio
import socket
import threading
from pathlib import Path

from sqlalchemy import func, select

from clincode.interfaces.mllp import FS, CR, frame, serve_mllp
from clincode.store.models import Document, Episode

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "interfaces"


def start_listener(db):
    """Run the listener in a thread; returns (port, stop)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    loop = asyncio.new_event_loop()
    started = threading.Event()
    holder = {}

    async def main():
        ready = asyncio.Event()
        holder["task"] = asyncio.ensure_future(serve_mllp(db, "127.0.0.1", port, started=ready))
        await ready.wait()
        started.set()
        try:
            await holder["task"]
        except asyncio.CancelledError:
            pass

    thread = threading.Thread(target=lambda: loop.run_until_complete(main()), daemon=True)
    thread.start()
    assert started.wait(10)

    def stop():
        loop.call_soon_threadsafe(holder["task"].cancel)
        thread.join(10)
        loop.close()

    return port, stop


def send(port: int, messages: list[str]) -> list[str]:
    acks = []
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        for m in messages:
            conn.sendall(frame(m))
            data = b""
            while FS + CR not in data:
                data += conn.recv(65536)
            acks.append(data.strip(b"\x0b\x1c\r").decode())
    return acks


def msa(ack: str) -> list[str]:
    return next(seg for seg in ack.split("\r") if seg.startswith("MSA")).split("|")


def test_mllp_round_trip(db):
    port, stop = start_listener(db)
    try:
        names = ["01_adt_a01_admission.hl7", "02_mdm_t02_discharge_summary.hl7", "03_adt_a03_discharge.hl7",
                 "02_mdm_t02_discharge_summary.hl7", "malformed_mdm_t02_no_visit_number.hl7"]
        acks = send(port, [(SAMPLES / n).read_text() for n in names] + ["garbage"])
    finally:
        stop()
    codes = [msa(a)[1] for a in acks]
    assert codes == ["AA", "AA", "AA", "AA", "AE", "AR"]
    assert [msa(a)[2] for a in acks[:3]] == ["PAS000101", "EPR000201", "PAS000102"]
    assert "PV1-19" in msa(acks[4])[3]
    assert acks[0].startswith("MSH|^~\\&|CLINCODE|RXX01|PAS|RXX01|") and "ACK^A01^ACK" in acks[0]
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Episode)) == 1
        assert s.scalar(select(func.count()).select_from(Document)) == 1

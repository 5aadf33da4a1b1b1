"""Files and folders in: plain text documents, JSON episode records, FHIR bundles, HL7 v2 files.

``ingest_path(db, path)`` walks a file or folder and sends everything through the same
idempotent door as the live interfaces, so ingesting a folder twice stores nothing twice:

- ``*.hl7``: one or more HL7 v2 messages (each from its MSH segment);
- ``*.json``: a FHIR Bundle, or an episode record (``clincode.store.records.EpisodeRecord``
  shape), or a list of records; ``*.jsonl``: one record a line;
- ``*.txt``: one document per file, one episode per file. A folder holding an ``episode.json``
  (the PAS data, same shape as a record without documents) makes all its ``.txt`` files the
  documents of that one episode. Without PAS data the file name stands in for the spell number.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..config import get_settings
from ..store.db import Database
from ..store.records import DocumentData, EpisodeRecord
from ..store.services import (
    INTEGRATION, Actor, MessageOutcome, MessageRejected, content_control_id, ingest_record, receive_message,
)
from .doc_types import document_type_from_label
from .fhir_in import receive_bundle
from .hl7v2 import receive_hl7, split_messages


@dataclass
class FileOutcome:
    source: str  # file name (and message number within it)
    outcome: MessageOutcome


def read_text(path: Path) -> str:
    """Decode a file: UTF-8, else Windows-1252 (what many NHS systems still write); never lossy-silent."""
    limit = get_settings().max_document_bytes
    size = path.stat().st_size
    if size > limit:
        raise MessageRejected(f"{path.name} is {size} bytes, over the {limit}-byte limit (CLINCODE_MAX_DOCUMENT_BYTES)")
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _records_from_json(data) -> list[EpisodeRecord]:
    items = data if isinstance(data, list) else [data]
    return [EpisodeRecord.model_validate(item) for item in items]


def receive_records(db: Database, raw: str, records_of, actor: Actor = INTEGRATION, channel: str = "json") -> MessageOutcome:
    """Store the records parsed from ``raw`` in one transaction, filed under the content's hash."""

    def apply(session, who):
        episode = None
        for record in records_of(raw):
            episode = ingest_record(session, who, record)
        return episode

    return receive_message(db, channel, content_control_id(raw), "EpisodeRecord", raw, apply, actor)


def json_records(raw: str) -> list[EpisodeRecord]:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise MessageRejected(f"not JSON: {exc.msg} at line {exc.lineno}") from None
    return _records_from_json(data)


def jsonl_records(raw: str) -> list[EpisodeRecord]:
    records = []
    for n, line in enumerate(raw.splitlines(), start=1):
        if line.strip():
            try:
                records.extend(_records_from_json(json.loads(line)))
            except json.JSONDecodeError as exc:
                raise MessageRejected(f"line {n}: not JSON: {exc.msg}") from None
    return records


def text_record(stem: str, texts: list[tuple[str, str]], pas: dict | None = None) -> EpisodeRecord:
    """An episode record for text documents ``[(file name, text)]``, with optional PAS data."""
    base = dict(pas or {})
    base.setdefault("patient", {"local_patient_id": f"FILE-{stem}"[:20]})
    base.setdefault("spell", {"spell_number": stem[:30]})
    docs = [DocumentData(text=text, doc_type=document_type_from_label(name.replace("_", " "), text[:80]),
                         external_id=name[:64], source_system="file") for name, text in texts]
    return EpisodeRecord.model_validate({**base, "documents": [d.model_dump() for d in docs]})


def ingest_path(db: Database, path: Path, actor: Actor = INTEGRATION) -> list[FileOutcome]:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no such file or folder: {path}")
    if path.is_dir():
        return _ingest_folder(db, path, actor)
    return _ingest_file(db, path, actor)


def _rejected_file(db: Database, path: Path, reason: str, actor: Actor) -> FileOutcome:
    outcome = receive_message(db, "file", f"file:{path.name}", None, f"(file {path.name} not read)",
                              lambda s, w: (_ for _ in ()).throw(MessageRejected(reason)), actor)
    return FileOutcome(path.name, outcome)


def _ingest_file(db: Database, path: Path, actor: Actor) -> list[FileOutcome]:
    try:
        raw = read_text(path)
    except MessageRejected as exc:
        return [_rejected_file(db, path, str(exc), actor)]
    suffix = path.suffix.lower()
    if suffix == ".hl7":
        return [FileOutcome(f"{path.name}#{i}", receive_hl7(db, m, actor)) for i, m in enumerate(split_messages(raw), 1)]
    if suffix == ".json":
        try:
            is_bundle = isinstance(data := json.loads(raw), dict) and data.get("resourceType") == "Bundle"
        except json.JSONDecodeError:
            is_bundle = False
        if is_bundle:
            return [FileOutcome(path.name, receive_bundle(db, raw, actor))]
        return [FileOutcome(path.name, receive_records(db, raw, json_records, actor))]
    if suffix == ".jsonl":
        return [FileOutcome(path.name, receive_records(db, raw, jsonl_records, actor))]
    if suffix == ".txt":
        return [FileOutcome(path.name, receive_records(
            db, raw, lambda r: [text_record(path.stem, [(path.name, r)])], actor, channel="text"))]
    return []


def _ingest_folder(db: Database, folder: Path, actor: Actor) -> list[FileOutcome]:
    results: list[FileOutcome] = []
    sidecar = folder / "episode.json"
    if sidecar.is_file():
        try:
            pas = json.loads(read_text(sidecar))
            texts = [(p.name, read_text(p)) for p in sorted(folder.glob("*.txt"))]
        except (json.JSONDecodeError, MessageRejected) as exc:
            return [_rejected_file(db, sidecar, f"episode folder {folder.name}: {exc}", actor)]
        raw = json.dumps({"pas": pas, "documents": texts}, sort_keys=True)
        results.append(FileOutcome(folder.name, receive_records(
            db, raw, lambda r: [text_record(folder.name, texts, pas)], actor, channel="text")))
    else:
        for p in sorted(folder.iterdir()):
            if p.is_file() and p.suffix.lower() in (".txt", ".json", ".jsonl", ".hl7"):
                results.extend(_ingest_file(db, p, actor))
    for sub in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        results.extend(_ingest_folder(db, sub, actor))
    return results

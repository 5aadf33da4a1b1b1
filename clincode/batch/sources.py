"""Batch inputs: a folder of .txt files, a JSON Lines file, or a Parquet file with id and text columns.

Each source yields :class:`Record` s in a stable order (so a resumed run sees the same input)
and never raises for one bad document: an unreadable file, a malformed line or a missing id
becomes a record carrying its :class:`~clincode.batch.outcome.Failure`. Problems with the input
as a whole (missing path, a Parquet file without the named columns) raise :class:`BatchInputError`
before any work starts.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from . import outcome
from .outcome import EpisodeDocuments, Failure


class BatchInputError(ValueError):
    """The input as a whole cannot be read: the message says what to fix."""


@dataclass(slots=True)
class Record:
    id: str  # the record key: the episode id, or a stand-in naming where a bad record sits
    text: str | EpisodeDocuments | None  # one document's text, or an episode's documents
    source: str  # "notes/a.txt", "line 17", "row 4032"
    failure: Failure | None = None


@dataclass(slots=True)
class SourceSpec:
    path: Path
    format: str  # "folder" | "jsonl" | "parquet"
    id_field: str = "id"
    text_field: str = "text"
    encoding: str = "utf-8"
    folder_per_episode: bool = False  # each sub-folder's .txt files are one episode


def detect(path: Path, id_field: str = "id", text_field: str = "text", encoding: str = "utf-8",
           folder_per_episode: bool = False) -> SourceSpec:
    """Work out the input format from the path, checking it can be read at all."""
    path = Path(path)
    if not path.exists():
        raise BatchInputError(f"input not found: {path}")
    if path.is_dir():
        fmt = "folder"
    elif path.suffix.lower() in (".parquet", ".pq"):
        fmt = "parquet"
    elif path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        fmt = "jsonl"
    else:
        raise BatchInputError(
            f"{path}: expected a folder of .txt files, a .jsonl file or a .parquet file")
    try:
        "".encode(encoding)
    except LookupError:
        raise BatchInputError(f"unknown text encoding: {encoding!r}") from None
    if folder_per_episode and fmt != "folder":
        raise BatchInputError("--folder-per-episode needs a folder as input")
    spec = SourceSpec(path, fmt, id_field, text_field, encoding, folder_per_episode)
    if fmt == "parquet":
        _parquet_columns(spec)  # fail now, not after the workers have started
    elif fmt == "jsonl":
        _first_line_is_an_object(spec)
    return spec


def _first_line_is_an_object(spec: SourceSpec) -> None:
    """A file whose first record is not a JSON object is not JSON Lines at all (a JSON array, a
    CSV renamed): say so now, rather than list every line of it as a malformed record."""
    try:
        with open(spec.path, "rb") as fh:
            first = next((line for line in fh if line.strip()), None)
    except OSError as exc:
        raise BatchInputError(f"cannot read {spec.path}: {exc.strerror}") from None
    if first is None:
        return  # an empty file is an empty batch
    try:
        obj = json.loads(first)
    except ValueError:
        obj = None
    if not isinstance(obj, dict):
        hint = " (a JSON array: write one object per line)" if first.lstrip().startswith(b"[") else ""
        raise BatchInputError(f"{spec.path}: the first line is not a JSON object{hint}; expected JSON Lines, "
                              f"one {{\"{spec.id_field}\": ..., \"{spec.text_field}\": ...}} object per line")


def count(spec: SourceSpec) -> int:
    """How many records the source holds (for the progress bar), without decoding them."""
    if spec.format == "folder":
        if spec.folder_per_episode:
            return sum(1 for _ in _episode_items(spec.path))
        return sum(1 for _ in _text_files(spec.path))
    if spec.format == "jsonl":
        n = 0
        with open(spec.path, "rb") as fh:
            for line in fh:
                n += bool(line.strip())
        return n
    import pyarrow.parquet as pq

    return pq.ParquetFile(spec.path).metadata.num_rows


def read(spec: SourceSpec, max_bytes: int) -> Iterator[Record]:
    """Every record of the source, in a stable order, duplicates flagged."""
    reader = {"folder": _read_folder, "jsonl": _read_jsonl, "parquet": _read_parquet}[spec.format]
    seen: set[str] = set()
    for record in reader(spec, max_bytes):
        if record.failure is None or record.failure.reason not in (outcome.MALFORMED, outcome.MISSING_ID):
            if record.id in seen:
                key = f"{record.id}@{record.source}"
                record = Record(key, None, record.source, Failure(
                    key, outcome.DUPLICATE_ID, f"id {record.id!r} appears earlier in the input", record.source))
            else:
                seen.add(record.id)
        yield record


# --- a folder of text files -------------------------------------------------------------------
def _text_files(folder: Path) -> Iterator[Path]:
    return iter(sorted(p for p in folder.rglob("*.txt") if p.is_file()))


def _episode_items(folder: Path) -> Iterator[Path]:
    """Sub-folders holding .txt files (one episode each), and loose .txt files (one each), sorted."""
    for item in sorted(folder.iterdir()):
        if item.is_dir() and next(_text_files(item), None) is not None:
            yield item
        elif item.is_file() and item.suffix == ".txt":
            yield item


def _read_folder(spec: SourceSpec, max_bytes: int) -> Iterator[Record]:
    if spec.folder_per_episode:
        yield from _read_episode_folders(spec, max_bytes)
        return
    for path in _text_files(spec.path):
        rel = path.relative_to(spec.path)
        # The id is the file name without .txt (its folder too when nested), as `clincode code` uses.
        doc_id = rel.with_suffix("").as_posix()
        yield _file_record(path, doc_id, str(rel), spec.encoding, max_bytes)


def _read_episode_folders(spec: SourceSpec, max_bytes: int) -> Iterator[Record]:
    for item in _episode_items(spec.path):
        episode_id = item.relative_to(spec.path).with_suffix("").as_posix() if item.is_file() else item.name
        if item.is_file():
            yield _file_record(item, episode_id, item.name, spec.encoding, max_bytes)
            continue
        documents: EpisodeDocuments = []
        failure = None
        for path in _text_files(item):
            name = path.relative_to(item).as_posix()
            record = _file_record(path, name, f"{item.name}/{name}", spec.encoding, max_bytes)
            if record.failure is not None and record.failure.reason != outcome.EMPTY:
                # One unreadable document makes the episode incomplete: code none of it, say which.
                failure = Failure(episode_id, record.failure.reason, f"document {name}: {record.failure.detail}",
                                  item.name)
                break
            documents.append((name, record.text, None))
        yield Record(episode_id, None if failure else documents, item.name, failure)


def _file_record(path: Path, doc_id: str, source: str, encoding: str, max_bytes: int) -> Record:
    try:
        size = path.stat().st_size
        if size > max_bytes:  # refuse before reading a huge file into memory
            return Record(doc_id, None, source, Failure(
                doc_id, outcome.OVERSIZED, f"{size:,} bytes is over the limit of {max_bytes:,}", source))
        data = path.read_bytes()
    except OSError as exc:
        return Record(doc_id, None, source, Failure(doc_id, outcome.UNREADABLE, str(exc), source))
    return _decoded(doc_id, data, source, encoding)


def _decoded(doc_id: str, data: bytes, source: str, encoding: str) -> Record:
    if b"\x00" in data and encoding.lower().replace("-", "") not in ("utf16", "utf32"):
        return Record(doc_id, None, source, Failure(
            doc_id, outcome.NOT_TEXT, "contains NUL bytes: a binary file (PDF, Word) rather than text?", source))
    try:
        text = data.decode("utf-8-sig" if encoding.lower() in ("utf-8", "utf8") else encoding)
    except UnicodeDecodeError as exc:
        detail = (f"not valid {encoding} at byte {exc.start}: {data[max(0, exc.start - 20):exc.end + 20]!r}; "
                  "if the documents come from Windows, try --encoding cp1252")
        return Record(doc_id, None, source, Failure(doc_id, outcome.ENCODING, detail, source))
    return Record(doc_id, text, source)


# --- JSON Lines ----------------------------------------------------------------------------------
def _read_jsonl(spec: SourceSpec, max_bytes: int) -> Iterator[Record]:
    with open(spec.path, "rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            yield _jsonl_record(raw, lineno, spec)


def _jsonl_record(raw: bytes, lineno: int, spec: SourceSpec) -> Record:
    source = f"line {lineno}"
    bad_key = f"#line-{lineno}"  # stands in for the id of a record whose id cannot be read
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        # Still try to name the document, so the failure can be traced back to it.
        guess = _id_of(raw.decode("utf-8", errors="replace"), spec.id_field) or bad_key
        return Record(guess, None, source, Failure(
            guess, outcome.ENCODING, f"line {lineno} is not valid UTF-8 at byte {exc.start}", source))
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return Record(bad_key, None, source, Failure(
            bad_key, outcome.MALFORMED, f"line {lineno} is not valid JSON: {exc.msg} at column {exc.colno}", source))
    if not isinstance(obj, dict):
        return Record(bad_key, None, source, Failure(
            bad_key, outcome.MALFORMED, f"line {lineno} is a JSON {type(obj).__name__}, not an object", source))
    doc_id = obj.get(spec.id_field)
    if doc_id is None or str(doc_id).strip() == "":
        return Record(bad_key, None, source, Failure(
            bad_key, outcome.MISSING_ID, f"line {lineno} has no {spec.id_field!r} field", source))
    doc_id = str(doc_id)
    if "documents" in obj and spec.text_field not in obj:
        return _episode_record(doc_id, obj["documents"], source, spec)
    text = obj.get(spec.text_field)
    if text is not None and not isinstance(text, str):
        return Record(doc_id, None, source, Failure(
            doc_id, outcome.UNREADABLE, f"field {spec.text_field!r} is a {type(text).__name__}, not text", source))
    if text is None and spec.text_field not in obj:
        return Record(doc_id, None, source, Failure(
            doc_id, outcome.EMPTY, f"line {lineno} has no {spec.text_field!r} field", source))
    return Record(doc_id, text, source)


def _episode_record(episode_id: str, items, source: str, spec: SourceSpec) -> Record:
    """``{"id": ..., "documents": [{"id": ..., "type": ..., "text": ...}, ...]}``: one episode."""
    if not isinstance(items, list) or not items:
        return Record(episode_id, None, source, Failure(
            episode_id, outcome.MALFORMED, "'documents' must be a non-empty list of objects", source))
    documents: EpisodeDocuments = []
    for n, item in enumerate(items):
        text = item.get(spec.text_field) if isinstance(item, dict) else None
        if not isinstance(text, str) and text is not None:
            return Record(episode_id, None, source, Failure(
                episode_id, outcome.MALFORMED, f"documents[{n}] has no {spec.text_field!r} text", source))
        documents.append((str(item.get("id") or f"{episode_id}-{n + 1}"), text, item.get("type")))
    return Record(episode_id, documents, source)


def _id_of(line: str, id_field: str) -> str | None:
    try:
        obj = json.loads(line)
        value = obj.get(id_field) if isinstance(obj, dict) else None
        return str(value) if value not in (None, "") else None
    except ValueError:
        return None


# --- Parquet -------------------------------------------------------------------------------------
def _parquet_columns(spec: SourceSpec) -> None:
    import pyarrow.parquet as pq

    try:
        schema = pq.ParquetFile(spec.path).schema_arrow
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a bad file
        raise BatchInputError(f"{spec.path}: not a readable Parquet file ({exc})") from None
    missing = [c for c in (spec.id_field, spec.text_field) if c not in schema.names]
    if missing:
        raise BatchInputError(
            f"{spec.path}: no column {' or '.join(map(repr, missing))}; the file has "
            f"{', '.join(schema.names) or 'no columns'} (choose with --id-column / --text-column)")


def _read_parquet(spec: SourceSpec, max_bytes: int) -> Iterator[Record]:
    import pyarrow.parquet as pq

    row = 0
    for batch in pq.ParquetFile(spec.path).iter_batches(batch_size=2048, columns=[spec.id_field, spec.text_field]):
        ids = batch.column(0).to_pylist()
        texts = batch.column(1).to_pylist()
        for doc_id, text in zip(ids, texts):
            row += 1
            source = f"row {row}"
            if doc_id is None or str(doc_id).strip() == "":
                key = f"#row-{row}"
                yield Record(key, None, source, Failure(key, outcome.MISSING_ID, f"row {row} has no id", source))
                continue
            doc_id = str(doc_id)
            if isinstance(text, bytes):  # a binary column: decode as the files would be
                yield _decoded(doc_id, text, source, spec.encoding)
            else:
                yield Record(doc_id, text, source)

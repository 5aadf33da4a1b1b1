"""What coding one document yields, the same for the local batch and for Spark.

A document either becomes one JSON line (``CodedEpisode.model_dump()``, the stable output shape)
or a :class:`Failure` with a reason a person can act on. Both the local worker pool and the Spark
UDF call :func:`code_document`, so the two give identical results for the same text.
"""
from __future__ import annotations

import json
import traceback
from dataclasses import asdict, dataclass

# Reasons a document is not coded. Kept as a small closed vocabulary so a failures file can be
# filtered and counted ("how many were encoding problems?") without parsing free text.
UNREADABLE = "unreadable"  # the file or record could not be read at all
ENCODING = "encoding"  # bytes that are not valid text in the expected encoding
NOT_TEXT = "not_text"  # binary content (a PDF or Word file saved as .txt)
EMPTY = "empty"  # no text to code
OVERSIZED = "oversized"  # larger than settings.max_document_bytes
MALFORMED = "malformed_record"  # a JSON Lines line that is not a JSON object
MISSING_ID = "missing_id"  # a record without an id
DUPLICATE_ID = "duplicate_id"  # a second record with an id already seen in this input
ENGINE_ERROR = "engine_error"  # the coding engine raised an exception
WORKER_DIED = "worker_died"  # the worker process died while coding it (twice)
TIMEOUT = "timeout"  # coding took longer than the per-document time limit


@dataclass(slots=True)
class Failure:
    """A document that was not coded, and why. ``id`` is the record key used for exactly-once."""

    id: str
    reason: str
    detail: str = ""
    source: str = ""  # where in the input: a file path, "line 17", "row 4032"

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)


def check_text(text: str | None, max_bytes: int) -> tuple[str, str] | None:
    """``(reason, detail)`` when a decoded text cannot be coded, else None."""
    if text is None or not text.strip():
        return EMPTY, "the document has no text"
    if "\x00" in text:
        return NOT_TEXT, "the text contains NUL characters: a binary file (PDF, Word) rather than text?"
    size = len(text.encode("utf-8", errors="surrogatepass"))
    if size > max_bytes:
        return OVERSIZED, f"{size:,} bytes is over the limit of {max_bytes:,} (CLINCODE_MAX_DOCUMENT_BYTES)"
    return None


# An episode's documents as the batch carries them: (document id, text, document type).
EpisodeDocuments = list[tuple[str, str | None, str | None]]


def episode_documents(episode_id: str, content: "str | None | EpisodeDocuments", max_bytes: int):
    """The engine's Documents for a batch item, or ``(reason, detail)`` when they cannot be coded.

    ``content`` is one text (the document is the episode, as in ``clincode code``) or the list of
    an episode's documents (a discharge summary, its operation note, the histology ...). Empty
    documents of a multi-document episode are left out; the episode fails only if none has text.
    """
    from ..coding import Document

    if not isinstance(content, list):
        problem = check_text(content, max_bytes)
        return problem or [Document(id=episode_id, text=content)]
    documents = []
    for doc_id, text, doc_type in content:
        problem = check_text(text, max_bytes)
        if problem is not None and problem[0] == EMPTY:
            continue
        if problem is not None:
            return problem[0], f"document {doc_id}: {problem[1]}"
        documents.append(Document(id=doc_id, text=text, type=doc_type))
    return documents or (EMPTY, f"none of the episode's {len(content)} documents has text")


def code_document(engine, doc_id: str, text: "str | None | EpisodeDocuments", all_findings: bool,
                  max_bytes: int) -> tuple[str | None, Failure | None]:
    """Code one document (or one episode's documents) as one episode: ``(json_line, None)`` or
    ``(None, failure)``.

    Never raises for a bad document: an engine exception becomes an ``engine_error`` failure
    carrying the exception and the innermost frames, so one odd document cannot stop a batch.
    """
    documents = episode_documents(doc_id, text, max_bytes)
    if isinstance(documents, tuple):
        return None, Failure(doc_id, *documents)
    try:
        episode = engine.code_episode(doc_id, documents, all_findings=all_findings)
        return json.dumps(episode.model_dump(mode="json"), ensure_ascii=False), None
    except Exception as exc:  # noqa: BLE001 - any engine bug must become a recorded failure
        frames = traceback.format_exception(type(exc), exc, exc.__traceback__, limit=-3)
        return None, Failure(doc_id, ENGINE_ERROR, f"{type(exc).__name__}: {exc}\n" + "".join(frames[-4:]))


def summary_columns(episode: dict) -> dict:
    """The flat, query-friendly columns of a coded episode (Parquet output and Spark).

    Analysts filter on the primary diagnosis and search code lists; the full episode (evidence,
    rationale, queries) stays available as JSON in ``coding_json``.
    """
    diagnoses = episode.get("diagnoses") or []
    procedures = episode.get("procedures") or []
    primary_dx = next((d["code"] for d in diagnoses if d.get("primary")), None)
    main_px = next((p["code"] for p in procedures if p.get("primary")), None)
    return {
        "primary_diagnosis": primary_dx,
        "diagnoses": [d["code"] for d in diagnoses],
        "main_procedure": main_px,
        "procedures": [p["code"] for p in procedures],
        "queries": len(episode.get("queries") or []),
        "warnings": list(episode.get("warnings") or []),
    }

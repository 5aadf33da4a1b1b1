"""Code a Spark DataFrame of documents with the same engine as ``clincode batch``.

    from clincode.batch.spark import code_dataframe
    coded = code_dataframe(spark.table("notes"), text_col="note_text", id_col="note_id")
    coded.select("note_id", "primary_diagnosis", "diagnoses").show()

Each executor's Python worker loads the engine once (a module-level singleton, kept across tasks
because Spark reuses Python workers by default, ``spark.python.worker.reuse=true``) and codes its
partitions through ``mapInPandas`` in Arrow batches. Documents go through the same
:func:`clincode.batch.outcome.code_document` as the local batch, so the results are identical;
a document that cannot be coded gets ``coding_error`` ("reason: detail") instead of failing the job.

Settings (above all ``classification_dir``: a trust's TRUD release on DBFS or a Unity Catalog
volume) are taken on the driver and shipped with the function, so every executor codes with the
same classification, whatever its own environment says. See docs/batch.md for cluster set-up.
"""
from __future__ import annotations

import json
import threading
from typing import Iterator

from ..config import Settings, get_settings
from .outcome import code_document, summary_columns

# The coding results added to the DataFrame, in this order.
RESULT_COLUMNS = ("primary_diagnosis", "diagnoses", "main_procedure", "procedures", "queries",
                  "warnings", "coding_json", "coding_error")

_ENGINES: dict[str, object] = {}  # settings (as JSON) -> CodingEngine, one per executor process
_LOCK = threading.Lock()


def _engine(settings_json: str):
    """The engine of this Python process for these settings, loaded on first use."""
    engine = _ENGINES.get(settings_json)
    if engine is None:
        with _LOCK:
            engine = _ENGINES.get(settings_json)
            if engine is None:
                from ..engine import CodingEngine

                engine = CodingEngine(Settings(**json.loads(settings_json)))
                _ENGINES[settings_json] = engine
    return engine


def result_schema(prefix: str = ""):
    """The Spark type of each result column (``prefix`` is put before every name)."""
    from pyspark.sql.types import ArrayType, IntegerType, StringType, StructField

    types = {
        "primary_diagnosis": StringType(), "diagnoses": ArrayType(StringType()),
        "main_procedure": StringType(), "procedures": ArrayType(StringType()),
        "queries": IntegerType(), "warnings": ArrayType(StringType()),
        "coding_json": StringType(), "coding_error": StringType(),
    }
    return [StructField(prefix + name, types[name], True) for name in RESULT_COLUMNS]


def code_rows(ids, texts, settings_json: str, all_findings: bool) -> dict[str, list]:
    """Code parallel lists of ids and texts; the result columns as lists (one entry per row)."""
    settings_data = json.loads(settings_json)
    max_bytes = int(settings_data.get("max_document_bytes") or Settings().max_document_bytes)
    engine = _engine(settings_json)
    columns: dict[str, list] = {name: [] for name in RESULT_COLUMNS}
    for doc_id, text in zip(ids, texts):
        if isinstance(text, (bytes, bytearray)):  # a binary column: UTF-8, as the local batch reads files
            try:
                text = bytes(text).decode("utf-8")
            except UnicodeDecodeError as exc:
                text, doc_error = None, f"encoding: not valid UTF-8 at byte {exc.start}"
            else:
                doc_error = None
        else:
            doc_error = None
        if _missing(doc_id) or doc_error:
            row = {name: None for name in RESULT_COLUMNS}
            row["coding_error"] = "missing_id: the row has no id" if _missing(doc_id) else doc_error
        else:
            line, failure = code_document(engine, str(doc_id), text, all_findings, max_bytes)
            if failure is not None:
                row = {name: None for name in RESULT_COLUMNS}
                row["coding_error"] = f"{failure.reason}: {failure.detail}"
            else:
                row = {**summary_columns(json.loads(line)), "coding_json": line, "coding_error": None}
        for name in RESULT_COLUMNS:
            columns[name].append(row[name])
    return columns


def _missing(value) -> bool:
    """No id: null, pandas' NA/NaN (a null in a numeric column), or blank."""
    if value is None or (isinstance(value, float) and value != value):
        return True
    try:
        import pandas as pd

        if value is pd.NA:
            return True
    except ImportError:  # pragma: no cover - pandas comes with the Spark extra
        pass
    return str(value).strip() == ""


def code_dataframe(df, text_col: str = "text", id_col: str = "id", *, all_findings: bool = False,
                   settings: Settings | None = None, prefix: str = ""):
    """Add clincode's coding of each row's document to a Spark DataFrame.

    Every input column is kept; these are added (after ``prefix``): ``primary_diagnosis``,
    ``diagnoses`` (array of ICD-10 codes in sequence), ``main_procedure``, ``procedures``
    (array of OPCS-4 codes in sequence), ``queries`` (number of clinician queries), ``warnings``,
    ``coding_json`` (the whole CodedEpisode: evidence, rationale, queries) and ``coding_error``
    (null when coded; else "reason: detail", e.g. "empty: the document has no text").

    ``id_col`` is the episode id written into ``coding_json``; ``settings`` default to the
    driver's (CLINCODE_* environment variables). Lazy like any transformation: nothing is coded
    until an action (write, count, collect) runs.
    """
    from pyspark.sql.types import StructType

    for col in (text_col, id_col):
        if col not in df.columns:
            raise ValueError(f"no column {col!r} in the DataFrame; it has {', '.join(df.columns)}")
    clashes = [prefix + c for c in RESULT_COLUMNS if prefix + c in df.columns]
    if clashes:
        raise ValueError(f"the DataFrame already has {', '.join(clashes)}: pass prefix='clincode_' or similar")
    settings = settings or get_settings()
    if settings.classification_dir is None:
        raise ValueError("no classification directory: set CLINCODE_CLASSIFICATION_DIR (e.g. a TRUD release "
                         "on /dbfs or /Volumes) or pass settings=Settings(classification_dir=...)")
    settings_json = json.dumps(settings.model_dump(mode="json"), sort_keys=True)
    schema = StructType(list(df.schema.fields) + result_schema(prefix))
    names = [prefix + c for c in RESULT_COLUMNS]
    # An integer id column with nulls reaches pandas as floats (1.0): keep the ids as written ("1").
    integral_id = df.schema[id_col].dataType.typeName() in ("byte", "short", "integer", "long")

    def code_partition(batches: Iterator) -> Iterator:
        import pandas as pd

        for pdf in batches:
            ids = pdf[id_col].astype("Int64").tolist() if integral_id else pdf[id_col].tolist()
            columns = code_rows(ids, pdf[text_col].tolist(), settings_json, all_findings)
            pdf = pdf.copy()
            for name, (key, values) in zip(names, columns.items()):
                # a nullable integer, so a failed row's null is not turned into a float NaN
                pdf[name] = pd.array(values, dtype="Int32") if key == "queries" else pd.Series(values, dtype=object)
            yield pdf

    return df.mapInPandas(code_partition, schema=schema)

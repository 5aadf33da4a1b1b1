"""Batch outputs: the coded episodes as JSON Lines or Parquet, and the failures file.

Both are written from the checkpoint once every document is done, through a temporary file that
is fsynced and renamed: an output file that exists is always complete.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterable, Iterator

from .checkpoint import _fsync_dir, write_atomically
from .outcome import Failure, summary_columns

FORMATS = ("jsonl", "parquet")
_PARQUET_ROWS_PER_GROUP = 10_000


def output_format(path: Path, requested: str | None) -> str:
    """The format asked for, else the one the output's suffix names (JSON Lines by default)."""
    if requested:
        if requested not in FORMATS:
            raise ValueError(f"unknown output format {requested!r}: choose jsonl or parquet")
        return requested
    return "parquet" if path.suffix.lower() in (".parquet", ".pq") else "jsonl"


def failures_path(output: Path) -> Path:
    """``coded.jsonl`` -> ``coded.failures.jsonl``, beside the output."""
    return output.with_name(output.stem + ".failures.jsonl")


def write_jsonl(path: Path, lines: Iterable[bytes]) -> None:
    write_atomically(path, iter(lines))


def write_failures(path: Path, failures: Iterable[Failure]) -> None:
    write_atomically(path, (f.to_json().encode("utf-8") + b"\n" for f in failures))


def parquet_schema():
    import pyarrow as pa

    return pa.schema([
        pa.field("id", pa.string(), nullable=False),
        pa.field("primary_diagnosis", pa.string()),
        pa.field("diagnoses", pa.list_(pa.string())),
        pa.field("main_procedure", pa.string()),
        pa.field("procedures", pa.list_(pa.string())),
        pa.field("queries", pa.int32()),
        pa.field("warnings", pa.list_(pa.string())),
        # The whole CodedEpisode (evidence, rationale, queries) as JSON: its shape is owned by
        # clincode.coding.models, so it is kept whole rather than frozen into a Parquet schema.
        pa.field("coding_json", pa.string()),
    ])


def parquet_rows(lines: Iterable[bytes]) -> Iterator[dict]:
    for raw in lines:
        line = raw.decode("utf-8").rstrip("\n")
        episode = json.loads(line)
        yield {"id": episode["id"], **summary_columns(episode), "coding_json": line}


def write_parquet(path: Path, lines: Iterable[bytes]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = parquet_schema()
    tmp = path.with_name(path.name + ".tmp")
    with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
        batch: list[dict] = []
        for row in parquet_rows(lines):
            batch.append(row)
            if len(batch) >= _PARQUET_ROWS_PER_GROUP:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                batch = []
        if batch:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)

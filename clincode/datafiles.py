"""The shape every clincode data file shares: ``#`` comment lines naming its source, a header row,
then one tab-separated row a line. Each package validates its own columns on top of this."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable


def read_tsv(path: Path, required: Iterable[str], error: type[ValueError] = ValueError,
             strict_width: bool = False) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """(header, [(line number, row)]) of a commented TSV file; short rows are padded with "".

    Raises ``error`` naming the file and line for a header without a ``required`` column, a file with
    no header, and (with ``strict_width``) a row with more fields than the header has columns.
    """
    header: list[str] | None = None
    rows: list[tuple[int, dict[str, str]]] = []
    with open(path, encoding="utf-8", newline="") as fh:
        for lineno, line in enumerate(fh, start=1):
            line = line.rstrip("\r\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            fields = [f.strip() for f in line.split("\t")]
            if header is None:
                header = fields
                missing = [c for c in required if c not in header]
                if missing:
                    raise error(f"{path}:{lineno}: header lacks column(s) {', '.join(missing)}")
                continue
            if strict_width and len(fields) > len(header):
                raise error(f"{path}:{lineno}: {len(fields)} fields for {len(header)} columns")
            fields += [""] * (len(header) - len(fields))
            rows.append((lineno, dict(zip(header, fields))))
    if header is None:
        raise error(f"{path}: no header row")
    return header, rows

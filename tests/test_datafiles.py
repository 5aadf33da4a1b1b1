"""The shared reader of clincode's commented TSV data files."""
from __future__ import annotations

import pytest

from clincode.datafiles import read_tsv


class BadFile(ValueError):
    pass


def test_comments_blanks_and_short_rows(tmp_path):
    path = tmp_path / "rules.tsv"
    path.write_text("# source: a test\n\ncode\tnote\nI10\n# a later comment\nE11.9\ttype 2\n", encoding="utf-8")
    header, rows = read_tsv(path, ["code"])
    assert header == ["code", "note"]
    assert rows == [(4, {"code": "I10", "note": ""}), (6, {"code": "E11.9", "note": "type 2"})]


def test_missing_column_names_file_and_line(tmp_path):
    path = tmp_path / "rules.tsv"
    path.write_text("# source\ncode\nI10\n", encoding="utf-8")
    with pytest.raises(BadFile, match=r"rules.tsv:2: header lacks column\(s\) note"):
        read_tsv(path, ["code", "note"], BadFile)


def test_no_header_and_too_many_fields(tmp_path):
    empty = tmp_path / "empty.tsv"
    empty.write_text("# only a comment\n", encoding="utf-8")
    with pytest.raises(BadFile, match="no header row"):
        read_tsv(empty, ["code"], BadFile)
    wide = tmp_path / "wide.tsv"
    wide.write_text("code\nI10\textra\n", encoding="utf-8")
    assert read_tsv(wide, ["code"])[1] == [(2, {"code": "I10"})]
    with pytest.raises(BadFile, match=r"wide.tsv:2: 2 fields for 1 columns"):
        read_tsv(wide, ["code"], BadFile, strict_width=True)

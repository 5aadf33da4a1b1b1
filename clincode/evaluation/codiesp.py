"""The CodiEsp corpus (CLEF eHealth 2020, CC BY 4.0): English translations of Spanish case reports
coded in ICD-10-CM, read from ``../shared/data/codiesp/<split>``."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path


@dataclass
class CodiEspSplit:
    name: str
    ids: list[str]
    texts: dict[str, str]
    gold: dict[str, set[str]]  # doc id -> ICD-10-CM diagnosis codes (upper case, dotted as given)


def load_codiesp(split_dir: Path, limit: int | None = None) -> CodiEspSplit:
    split_dir = Path(split_dir)
    text_dir = split_dir / "text_en"
    if not text_dir.is_dir():
        raise FileNotFoundError(f"{split_dir} is not a CodiEsp split (no text_en/ folder)")
    gold: dict[str, set[str]] = defaultdict(set)
    tsv = split_dir / "diagnoses.tsv"
    if tsv.is_file():
        for line in tsv.read_text(encoding="utf-8").splitlines():
            if "\t" in line:
                doc, code = line.split("\t")[:2]
                gold[doc].add(code.strip().upper())
    ids = sorted(p.stem for p in text_dir.glob("*.txt"))
    if limit:
        ids = ids[:limit]
    texts = {i: (text_dir / f"{i}.txt").read_text(encoding="utf-8", errors="replace") for i in ids}
    return CodiEspSplit(split_dir.name, ids, texts, {i: set(gold.get(i, set())) for i in ids})

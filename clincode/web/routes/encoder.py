"""The encoder panel: search ICD-10 and OPCS-4 from the coding screen and insert a code.

Searching is ``clincode.classification``'s job (index path + tabular title, as ``clincode search``
shows it); this route only presents its hits. A typed code (``K80.2``, ``w371``) is looked up
directly so a coder who knows the code goes straight to it.
"""
from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request

from ...classification import load_classifications
from ..app import render
from ..auth import Reader

router = APIRouter()
LIMIT = 15


@dataclass
class Hit:
    code: str
    title: str
    path: str | None
    current: bool = True


def find(text: str, system: str) -> list[Hit]:
    clf = load_classifications()
    table = clf.table(system)
    hits: list[Hit] = []
    try:
        direct = table.get(table.normalise(text).code.code)
    except (ValueError, AttributeError):  # CodeError: not a code, so the words are searched
        direct = None
    if direct is not None and direct.kind.value not in ("chapter", "block"):
        hits.append(Hit(direct.code, direct.title, None, getattr(direct, "current", True)))
    search = getattr(clf, "search", None)
    if search is not None:
        for h in search(text, system=system, limit=LIMIT):
            if not any(x.code == h.code for x in hits):
                hits.append(Hit(h.code, h.title, h.path if h.path and h.path != h.title else None, h.current))
    return hits[:LIMIT]


@router.get("/encoder", name="encoder_search")
def encoder_search(request: Request, user: Reader, q: str = "", system: str = "icd10", episode: int | None = None):
    system = system if system in ("icd10", "opcs4") else "icd10"
    text = q.strip()[:200]
    hits = find(text, system) if len(text) >= 2 else []
    return render(request, "partials/encoder_results.html", {
        "user": user, "hits": hits, "q": text, "system": system, "episode_id": episode,
        "can_code": user.may("episodes:code"),
    })

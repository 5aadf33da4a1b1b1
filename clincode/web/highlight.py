"""Evidence highlighting: a document's text with the words behind each code marked.

The engine records evidence as character offsets into the document text. Coders click a code to
scroll to its words and click marked words to find their code, so each mark carries the ids of
every code whose evidence covers it. Overlapping evidence (``acute cholecystitis`` for K81.0 inside
``acute cholecystitis with gallstones`` for K80.0) is split into elementary pieces, each marked
with all the codes that cover it, so no word is marked twice or lost.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup, escape


@dataclass(frozen=True, slots=True)
class Span:
    """The words in one document behind one code (``ref`` names the code row on the screen)."""

    ref: str  # the coded row's id on the coding screen, e.g. "dx-2"
    code: str  # the code, shown in the mark's title
    start: int
    end: int
    text: str = ""  # the words as recorded by the engine; used to re-find moved offsets
    system: str = "icd10"  # procedures' words are marked in another colour


@dataclass(slots=True)
class Piece:
    start: int
    end: int
    refs: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    procedure_only: bool = True


def locate(text: str, span: Span) -> tuple[int, int] | None:
    """Where the span's words are in ``text``: at its offsets, or (if the document was re-sent
    with small edits) the nearest occurrence of its words. None when the words are gone."""
    start, end = span.start, span.end
    if 0 <= start < end <= len(text) and (not span.text or text[start:end] == span.text):
        return start, end
    if not span.text:
        return None
    found = [i for i in _occurrences(text, span.text)]
    if not found:
        lowered = text.lower()
        found = list(_occurrences(lowered, span.text.lower()))
    if not found:
        return None
    best = min(found, key=lambda i: abs(i - start))
    return best, best + len(span.text)


def _occurrences(text: str, needle: str):
    i = text.find(needle)
    while i >= 0:
        yield i
        i = text.find(needle, i + 1)


def pieces(text: str, spans: list[Span]) -> tuple[list[Piece], list[Span]]:
    """Split ``text`` into pieces at every evidence boundary; return the pieces and the spans
    whose words could not be found (shown to the coder as 'evidence not found in the text')."""
    located: list[tuple[int, int, Span]] = []
    missing: list[Span] = []
    for span in spans:
        where = locate(text, span)
        if where is None:
            missing.append(span)
        else:
            located.append((where[0], where[1], span))
    bounds = sorted({0, len(text), *(s for s, _, _ in located), *(e for _, e, _ in located)})
    out: list[Piece] = []
    for lo, hi in zip(bounds, bounds[1:]):
        if lo == hi:
            continue
        piece = Piece(lo, hi)
        for s, e, span in located:
            if s <= lo and hi <= e and span.ref not in piece.refs:
                piece.refs.append(span.ref)
                piece.codes.append(span.code)
                piece.procedure_only = piece.procedure_only and span.system == "opcs4"
        out.append(piece)
    return out, missing


def highlight(text: str, spans: list[Span]) -> tuple[Markup, list[Span]]:
    """The document as HTML with ``<mark>`` elements around evidence.

    Each mark is a keyboard-reachable button-like element (``tabindex=0``) carrying
    ``data-refs`` (the code rows it belongs to). The first mark of each code row gets the id
    ``ev-<ref>`` so that 'show evidence' can scroll to it.
    """
    parts: list[str] = []
    seen: set[str] = set()
    chunks, missing = pieces(text, spans)
    for piece in chunks:
        words = escape(text[piece.start:piece.end])
        if not piece.refs:
            parts.append(str(words))
            continue
        ids = [r for r in piece.refs if r not in seen]
        seen.update(ids)
        anchors = "".join(f'<span class="cc-anchor" id="ev-{escape(r)}"></span>' for r in ids)
        title = "Evidence for " + ", ".join(piece.codes)
        parts.append(
            f'{anchors}<mark class="cc-evidence{" cc-evidence--proc" if piece.procedure_only else ""}" '
            f'tabindex="0" role="button" '
            f'data-refs="{escape(" ".join(piece.refs))}" title="{escape(title)}" '
            f'aria-label="{escape(title)}: {words}">{words}</mark>'
        )
    return Markup("".join(parts)), missing

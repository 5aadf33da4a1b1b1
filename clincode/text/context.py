"""ConText (Harkema et al. 2009): negation, uncertainty, history, experiencer, hypothetical."""
from __future__ import annotations

from .document import Context, ParsedDocument

_SECTION_HISTORICAL = {"past_medical_history", "past_surgical_history"}


def context_of(parsed: ParsedDocument, start: int, end: int) -> Context:
    section = parsed.section_at(start)
    ctx = Context(section=section.name)
    if section.name == "family_history":
        ctx.family, ctx.experiencer = True, "family"
    if section.name in _SECTION_HISTORICAL:
        ctx.historical, ctx.historical_from = True, "section"
    if section.name == "plan":
        ctx.planned = True
    return ctx

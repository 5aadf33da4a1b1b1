"""ConText (Harkema et al. 2009): is a mention negated, uncertain, historical, someone else's, hypothetical?

Trigger terms come from ``resources/context_rules.json`` in medspaCy's rule format. Each sentence is
scanned once, on the first mention asked about in it (each word is looked up among the triggers'
first words and only those triggers are tried, longest first, so a pseudo-trigger such as "no increase"
or "gram negative" swallows the "no"/"negative" inside it); the triggers and their scopes are cached on
the ParsedDocument, so ``context_of`` is a cheap lookup per mention.

A trigger's scope runs FORWARD to the end of the sentence, BACKWARD to its start, or both, cut short by
a termination term ("but", "however", "which", "secondary to" ...), by a trigger of a category listed
in its ``terminated_by``, and by ``max_scope`` words.

We implement ConText here rather than importing medspaCy: importing medspacy alone takes 2.2 s on the
reference machine, which breaks the 3 s engine-load budget and the 100 documents/s/core target.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass
from functools import lru_cache

from .document import Context, ParsedDocument
from .rules import ContextRule, RuleSet, load_context_rules

# Section context: where a mention is written says something too.
SECTION_FAMILY = frozenset({"family_history"})
SECTION_HISTORICAL = frozenset({"past_medical_history", "past_surgical_history"})
SECTION_PLANNED = frozenset({"plan", "follow_up"})


@dataclass(slots=True, frozen=True)
class TriggerHit:
    """One trigger in a sentence and the character span it governs."""

    rule: ContextRule
    start: int
    end: int
    text: str
    scope_start: int
    scope_end: int


@lru_cache(maxsize=1)
def default_rules() -> RuleSet:
    return load_context_rules()


def scan_sentence(text: str, start: int, end: int, rules: RuleSet | None = None) -> list[TriggerHit]:
    """Triggers of the sentence ``text[start:end]`` with their scopes (pseudo-triggers dropped)."""
    rules = rules or default_rules()
    found, words = rules.matches(text, start, end)
    if not found:
        return []
    word_starts = [w[0] for w in words]
    word_ends = [w[1] for w in words]
    # Where scopes stop, as sorted offsets for binary search (a long list of triggers stays linear):
    # TERMINATE rules stop every scope; other categories only the rules naming them in terminated_by.
    stop_starts: dict[str, list[int]] = {}
    stop_ends: dict[str, list[int]] = {}
    for r, s, e in found:
        key = "TERMINATE" if r.direction == "TERMINATE" else r.category
        stop_starts.setdefault(key, []).append(s)
        stop_ends.setdefault(key, []).append(e)
    for key in stop_ends:
        stop_ends[key].sort()  # starts are already in order
    hits: list[TriggerHit] = []
    for rule, t_start, t_end in found:
        if rule.direction in ("TERMINATE", "PSEUDO") or rule.max_scope == 0:
            continue  # max_scope 0: a rule that only ends other rules' scopes (e.g. "the patient")
        limit = rules.default_max_scope if rule.max_scope is None else rule.max_scope
        stoppers = ("TERMINATE", *rule.terminated_by)
        scope_start, scope_end = (t_end, t_end) if rule.direction == "FORWARD" else (t_start, t_start)
        if rule.direction in ("FORWARD", "BIDIRECTIONAL"):
            scope_end = end
            for key in stoppers:
                starts = stop_starts.get(key)
                if starts:
                    i = bisect.bisect_left(starts, t_end)  # the first stop at or after the trigger's end
                    if i < len(starts):
                        scope_end = min(scope_end, starts[i])
            first = bisect.bisect_left(word_starts, t_end)  # the first word after the trigger
            if first + limit <= len(word_ends):
                scope_end = min(scope_end, word_ends[first + limit - 1])
        if rule.direction in ("BACKWARD", "BIDIRECTIONAL"):
            scope_start = start
            for key in stoppers:
                ends = stop_ends.get(key)
                if ends:
                    i = bisect.bisect_right(ends, t_start)  # the last stop ending before the trigger
                    if i:
                        scope_start = max(scope_start, ends[i - 1])
            last = bisect.bisect_right(word_ends, t_start)  # words wholly before the trigger
            if last - limit >= 0:
                scope_start = max(scope_start, word_starts[last - limit])
        hits.append(TriggerHit(rule, t_start, t_end, text[t_start:t_end], scope_start, scope_end))
    return hits


def triggers_in(parsed: ParsedDocument, index: int) -> list[TriggerHit]:
    """The context triggers of sentence ``index`` and their scopes (scanned once, then cached)."""
    cache = parsed._context_cache
    if cache is None:
        cache = parsed._context_cache = {}
    hits = cache.get(index)
    if hits is None:
        sentence = parsed.sentences[index]
        hits = cache[index] = scan_sentence(parsed.text, sentence.start, sentence.end)
    return hits


def _apply(ctx: Context, hit: TriggerHit) -> None:
    category = hit.rule.category
    if category == "NEGATED_EXISTENCE":
        ctx.negated = True
    elif category == "POSSIBLE_EXISTENCE":
        ctx.uncertain = True
    elif category == "HISTORICAL":
        ctx.historical, ctx.historical_from = True, "trigger"
    elif category == "HYPOTHETICAL":
        ctx.hypothetical = True
    elif category == "PLANNED":
        ctx.planned = True
    elif category == "FAMILY":
        ctx.family, ctx.experiencer = True, "family"
    elif category == "OTHER_EXPERIENCER":
        if ctx.experiencer == "patient":
            ctx.experiencer = "other"
    else:
        return
    ctx.triggers.append(f"{category.lower()}: {hit.text}")


def _in_scope(hit: TriggerHit, start: int, end: int) -> bool:
    """Does the trigger govern the mention text[start:end]?

    The mention must overlap the trigger's scope. A mention overlapping the trigger itself is not
    governed (ConText: a modifier is not its own target; "family history of colon cancer" as one lexicon
    term is the concept, not a family mention), except when the trigger sits strictly inside the mention
    and the mention runs on into the scope: a matcher that spanned "artery was free of disease" bridged a
    clause, and the "free of" still negates it.
    """
    if not (start < hit.scope_end and end > hit.scope_start):
        return False
    if start < hit.end and end > hit.start:  # the mention overlaps the trigger
        inside = start < hit.start and hit.end < end
        forward_on = hit.scope_end > hit.end and end > hit.end
        return inside and forward_on
    return True


def context_of(parsed: ParsedDocument, start: int, end: int) -> Context:
    """The context of the mention ``text[start:end]``: its sentence's triggers plus its section."""
    if not 0 <= start <= end <= len(parsed.text):
        raise ValueError(f"mention offsets {start}-{end} are outside the document (0-{len(parsed.text)})")
    section = parsed.section_at(start)
    ctx = Context(section=section.name)
    index = parsed.sentence_index(start)
    if index is not None:
        for hit in triggers_in(parsed, index):
            if _in_scope(hit, start, end):
                _apply(ctx, hit)
    if section.name in SECTION_FAMILY and not ctx.family:
        ctx.family, ctx.experiencer = True, "family"
        ctx.triggers.append(f"family: section {section.heading or section.name}")
    if section.name in SECTION_HISTORICAL and not ctx.historical:
        ctx.historical, ctx.historical_from = True, "section"
        ctx.triggers.append(f"historical: section {section.heading or section.name}")
    if "differential" in section.heading.lower() and not ctx.uncertain:
        # "Differential diagnosis: 1. PE 2. pneumonia": each item is one possibility.
        ctx.uncertain = True
        ctx.triggers.append(f"possible_existence: section {section.heading}")
    if section.name in SECTION_PLANNED and not ctx.planned:
        ctx.planned = True
        ctx.triggers.append(f"planned: section {section.heading or section.name}")
    return ctx

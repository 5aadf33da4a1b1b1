"""ConText rules as data: loading and validating ``resources/context_rules.json``.

The file follows medspaCy's ConText rule format (``{"context_rules": [{"literal", "category",
"direction", "pattern", "max_scope", "terminated_by", ...}]}``) so rules can move between the two.
One difference: ``pattern`` here is a regular expression string (case-insensitive, no capturing
groups), not a spaCy token pattern.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

DIRECTIONS = frozenset({"FORWARD", "BACKWARD", "BIDIRECTIONAL", "TERMINATE", "PSEUDO"})
# Categories that change a mention's context; others (e.g. PATIENT_EXPERIENCER, CONJ) only end scopes.
FLAG_CATEGORIES = frozenset(
    {"NEGATED_EXISTENCE", "POSSIBLE_EXISTENCE", "HISTORICAL", "HYPOTHETICAL", "PLANNED", "FAMILY",
     "OTHER_EXPERIENCER"}
)
ALLOWED_KEYS = frozenset(
    {"literal", "category", "direction", "pattern", "max_scope", "terminated_by", "allowed_types",
     "excluded_types", "on_match", "on_modifies", "max_targets", "metadata"}
)


class ContextRulesError(ValueError):
    """A ConText rules file that does not follow the format."""


@dataclass(frozen=True, slots=True)
class ContextRule:
    literal: str
    category: str
    direction: str
    pattern: str | None = None
    max_scope: int | None = None
    terminated_by: frozenset[str] = frozenset()

    def regex_source(self) -> str:
        if self.pattern:
            return self.pattern
        body = r"\s+".join(re.escape(word) for word in self.literal.split())
        prefix = r"(?<!\w)" if self.literal[:1].isalnum() else ""
        suffix = r"(?!\w)" if self.literal[-1:].isalnum() else ""
        return prefix + body + suffix


_WORD = re.compile(r"\w+")
_FIRST_WORD = re.compile(r"^\w+")
_LEAD = re.compile(r"^(?:(\w+)|\(\?:((?:\w+\|)*\w+)\))(?![*?{|])")


def _pattern_first_words(pattern: str) -> list[str] | None:
    """The words a pattern can start with, when it starts with a word or a (?:a|b|c) group of words:
    such a pattern is tried only where one of them starts. Any other pattern (e.g. "?" or ";") is
    searched across the sentence."""
    match = _LEAD.match(pattern)
    if not match:
        return None
    if match.group(1) and pattern[match.end():match.end() + 1].isalnum():
        return None  # "old" followed by more letters: only a prefix of the word
    words = match.group(1) or match.group(2)
    return [w.lower() for w in words.split("|")]


@dataclass(slots=True)
class RuleSet:
    """Compiled rules. Triggers are found word by word: the lower-cased word picks the few literal
    triggers that start with it (one small regex each, longest first), so a sentence costs one dict
    look-up per word instead of trying hundreds of alternatives at every character."""

    rules: list[ContextRule]
    default_max_scope: int
    # word -> regexes to try where it starts: the alternation of the literals starting with it, and
    # the pattern rules that can start with it
    by_first_word: dict[str, tuple[re.Pattern, ...]]
    special: re.Pattern | None  # pattern rules and literals starting with punctuation ("?", ";")
    # group name -> the rules sharing that trigger text ("likely" is both a FORWARD and a BACKWARD rule)
    _by_group: dict[str, tuple[ContextRule, ...]]
    # the characters a `special` match can start with ("," ";" "?" ...), when known: `special` is then
    # tried only where one stands instead of at every character
    special_start: re.Pattern | None = None

    def rules_for(self, match: re.Match) -> tuple[ContextRule, ...]:
        return self._by_group[match.lastgroup]

    def special_matches(self, text: str, start: int, end: int) -> list[re.Match]:
        """``special.finditer(text, start, end)``, trying ``special`` only where one of the characters
        its matches start with stands (a match always consumes one: none is empty)."""
        if self.special_start is None:
            return list(self.special.finditer(text, start, end))
        found, resume = [], start
        for c in self.special_start.finditer(text, start, end):
            at = c.start()
            if at >= resume and (match := self.special.match(text, at, end)):
                found.append(match)
                resume = match.end()  # as finditer: the next search starts where this match ended
        return found

    def matches(
        self, text: str, start: int, end: int
    ) -> tuple[list[tuple[ContextRule, int, int]], list[tuple[int, int]]]:
        """Non-overlapping triggers in text[start:end] (leftmost first, longest at a position), with
        the (start, end) offsets of its words, which scopes are counted in. Rules sharing one trigger
        text all apply at its match."""
        candidates: list[tuple[int, int, tuple[ContextRule, ...]]] = []
        get = self.by_first_word.get
        by_group = self._by_group
        lowered = text[start:end].lower()
        if len(lowered) != end - start:  # a rare character whose lower case is longer ("İ")
            lowered = "".join(c.lower()[:1] for c in text[start:end])
        # the words' offsets from the text, their lower-cased spellings from `lowered`: one word for
        # one word, as lower-casing never makes a word character of a non-word one or the reverse
        spans = [m.span() for m in _WORD.finditer(text, start, end)]
        for k, regexes in enumerate(map(get, _WORD.findall(lowered))):
            if regexes is not None:
                w_start = spans[k][0]
                for regex in regexes:
                    match = regex.match(text, w_start, end)
                    if match:
                        candidates.append((w_start, -match.end(), by_group[match.lastgroup]))
        if self.special is not None:
            for match in self.special_matches(text, start, end):
                candidates.append((match.start(), -match.end(), by_group[match.lastgroup]))
        if not candidates:
            return [], []
        candidates.sort(key=lambda c: (c[0], c[1]))
        found: list[tuple[ContextRule, int, int]] = []
        covered = start
        for s, neg_e, rules in candidates:
            if s >= covered:
                found.extend((rule, s, -neg_e) for rule in rules)
                covered = -neg_e
        return found, spans


def _rule_from_dict(raw: dict, position: int) -> ContextRule:
    where = f"context rule {position}"
    if not isinstance(raw, dict):
        raise ContextRulesError(f"{where}: expected an object, got {type(raw).__name__}")
    unknown = set(raw) - ALLOWED_KEYS
    if unknown:
        raise ContextRulesError(f"{where}: unknown keys {sorted(unknown)} (allowed: {sorted(ALLOWED_KEYS)})")
    literal = raw.get("literal")
    if not isinstance(literal, str) or not literal.strip():
        raise ContextRulesError(f"{where}: 'literal' must be a non-empty string")
    category = raw.get("category")
    if not isinstance(category, str) or not category:
        raise ContextRulesError(f"{where} ({literal!r}): 'category' must be a string")
    direction = raw.get("direction", "BIDIRECTIONAL")
    if direction not in DIRECTIONS:
        raise ContextRulesError(f"{where} ({literal!r}): direction {direction!r} not in {sorted(DIRECTIONS)}")
    pattern = raw.get("pattern")
    if pattern is not None:
        if not isinstance(pattern, str):
            raise ContextRulesError(f"{where} ({literal!r}): 'pattern' must be a regular expression string")
        try:
            compiled = re.compile(pattern, re.IGNORECASE)
        except re.error as exc:
            raise ContextRulesError(f"{where} ({literal!r}): bad pattern: {exc}") from None
        if compiled.groups:
            raise ContextRulesError(f"{where} ({literal!r}): use non-capturing groups (?:...) in 'pattern'")
    max_scope = raw.get("max_scope")
    if max_scope is not None and (not isinstance(max_scope, int) or max_scope < 0):
        raise ContextRulesError(f"{where} ({literal!r}): 'max_scope' must be a non-negative integer")
    terminated_by = raw.get("terminated_by", [])
    if not isinstance(terminated_by, list) or not all(isinstance(t, str) for t in terminated_by):
        raise ContextRulesError(f"{where} ({literal!r}): 'terminated_by' must be a list of categories")
    return ContextRule(literal, category, direction, pattern, max_scope, frozenset(terminated_by))


def build_rule_set(data: dict) -> RuleSet:
    """Validate parsed JSON and compile one case-insensitive regex over every trigger."""
    if not isinstance(data, dict) or not isinstance(data.get("context_rules"), list):
        raise ContextRulesError("context rules: expected an object with a 'context_rules' list")
    rules = [_rule_from_dict(raw, i) for i, raw in enumerate(data["context_rules"], 1)]
    default_max_scope = data.get("default_max_scope", 10)
    if not isinstance(default_max_scope, int) or default_max_scope < 1:
        raise ContextRulesError("context rules: 'default_max_scope' must be a positive integer")
    # Longest literal first: at one position the longer trigger (or pseudo-trigger) wins.
    ordered = sorted(enumerate(rules), key=lambda pair: (-len(pair[1].literal), pair[0]))
    by_group: dict[str, tuple[ContextRule, ...]] = {}
    group_of_source: dict[str, str] = {}
    grouped: dict[str, list[str]] = {}
    special: list[str] = []
    word_led: dict[str, list[str]] = {}
    for i, rule in ordered:
        source = rule.regex_source()
        if source.lower() in group_of_source:  # the same trigger text again: one match, several rules
            name = group_of_source[source.lower()]
            by_group[name] = by_group[name] + (rule,)
            continue
        name = group_of_source[source.lower()] = f"r{i}"
        by_group[name] = (rule,)
        part = f"(?P<{name}>{source})"
        first = _FIRST_WORD.match(rule.literal)
        lead_words = _pattern_first_words(rule.pattern) if rule.pattern else None
        if lead_words:
            for word in lead_words:
                word_led.setdefault(word, []).append(part)
        elif rule.pattern or first is None:
            special.append(part)
        else:
            grouped.setdefault(first.group().lower(), []).append(part)
    by_first_word: dict[str, tuple[re.Pattern, ...]] = {}
    for word in set(grouped) | set(word_led):
        regexes = []
        if word in grouped:
            regexes.append(re.compile("|".join(grouped[word]), re.IGNORECASE))
        if word in word_led:
            regexes.append(re.compile("|".join(word_led[word]), re.IGNORECASE))
        by_first_word[word] = tuple(regexes)
    special_regex = re.compile("|".join(special), re.IGNORECASE) if special else None
    starts = _first_characters(special_regex) if special_regex is not None else None
    special_start = re.compile("[" + "".join(re.escape(c) for c in sorted(starts)) + "]") if starts else None
    return RuleSet(rules, default_max_scope, by_first_word, special_regex, by_group, special_start)


def _first_characters(regex: re.Pattern) -> frozenset[str] | None:
    """Every character a match of ``regex`` can start with, or None when that is not plainly known.

    Known only when each alternative's first consumed item is a character without case (",", "?",
    ";", ")") or a set of them, possibly repeated at least once, after look-arounds; every match then
    consumes at least that one character."""
    from re import _parser

    def first(items) -> frozenset[str] | None:
        for op, av in items:
            name = str(op)
            if name in ("ASSERT", "ASSERT_NOT", "AT"):
                continue  # consumes nothing: the next item holds the first character
            if name == "LITERAL":
                return _uncased(chr(av))
            if name == "IN":
                if any(str(o) != "LITERAL" for o, _ in av):
                    return None
                chars = [_uncased(chr(v)) for _, v in av]
                return None if None in chars else frozenset().union(*chars)
            if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                return first(av[2]) if av[0] >= 1 else None
            if name in ("SUBPATTERN", "ATOMIC_GROUP"):
                return first(av[-1] if name == "SUBPATTERN" else av)
            if name == "BRANCH":
                options = [first(branch) for branch in av[1]]
                return None if not options or None in options else frozenset().union(*options)
            return None
        return None  # nothing consumed: may match empty text

    try:
        return first(_parser.parse(regex.pattern, regex.flags).data)
    except Exception:  # noqa: BLE001 - an internal parser that changed: scan every character
        return None


def _uncased(c: str) -> frozenset[str] | None:
    return frozenset(c) if c.lower() == c == c.upper() and c.casefold() == c and not c.isalnum() else None


def load_context_rules(path: str | Path | None = None) -> RuleSet:
    """The packaged rules, or a trust's own file in the same format."""
    if path is None:
        source = resources.files("clincode.text") / "resources" / "context_rules.json"
        text = source.read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ContextRulesError(f"context rules: not valid JSON ({exc})") from None
    return build_rule_set(data)

"""Find lexicon phrases in a sentence: all their words inside a short window, in any order.

"acute calculous cholecystitis", "cholecystitis, acute, with gallstones" and "gallstones with acute
cholecystitis" all hold the words of "Cholecystitis > acute > with calculus"; a bag-of-words match
inside a window of about twice the phrase length catches them all while keeping unrelated words
of a long sentence apart. The longest, most specific match wins: a match whose words are a strict
subset of another match's words is dropped ("cholecystitis" inside "acute cholecystitis").
"""
from __future__ import annotations

from dataclasses import dataclass

from .lexicon import NEOPLASM_MARK, Entry, Lexicon, file_by_second_word
from .normalise import STOPWORDS, Token, normal_forms

_MODIFIER_REACH = 3  # a behaviour modifier acts on a neoplasm noun at most this many words away
_OF = frozenset({("of",), ("from",)})


@dataclass(slots=True)
class Match:
    entry_id: int
    entry: Entry
    positions: tuple[int, ...]  # token indices within the sentence, sorted
    code: str
    exact: bool  # the words are written contiguously in the lexicon's order
    behaviour: str | None = None  # for neoplasm matches


def _nearest(positions: list[int], anchor: int) -> int:
    # on a tie prefer the later word: English puts the head noun last ("metastatic breast cancer")
    return min(positions, key=lambda p: (abs(p - anchor), -p))


class LexiconMatcher:
    def __init__(self, lexicon: Lexicon):
        self.lexicon = lexicon
        self._entries = lexicon.entries
        self._by_key = lexicon.by_key
        self._morphology = lexicon.morphology
        self._modifiers = lexicon.modifiers
        # key word -> its entries filed by second word (see file_by_second_word): filed when the
        # lexicon was compiled (and cached with it); a lexicon without them files a key the first
        # time a sentence holds it
        self._candidates: dict[str, tuple] = dict(lexicon.by_second_word)

    def match(self, tokens: list[Token], breaks: frozenset[int] = frozenset()) -> list[Match]:
        """Every lexicon match in one sentence's tokens, after dropping subsumed ones.

        ``breaks``: indices of the tokens followed by a comma or semicolon (list items).
        """
        form_pos: dict[str, list[int]] = {}
        behaviours: dict[int, str] = {}
        for i, tok in enumerate(tokens):
            for form in tok.forms:
                places = form_pos.get(form)
                if places is None:
                    form_pos[form] = [i]
                else:
                    places.append(i)
            noun = self._morphology.get(tok.forms)
            if noun is not None:
                form_pos.setdefault(NEOPLASM_MARK, []).append(i)
                behaviours[i] = noun
        if behaviours:
            self._apply_modifiers(tokens, behaviours)
        matches: list[Match] = []
        entries, candidates, by_key = self._entries, self._candidates, self._by_key
        frequency = self.lexicon.word_frequency
        present = form_pos.keys()
        for form, anchors in form_pos.items():
            index = candidates.get(form)
            if index is None:
                eids = by_key.get(form)
                if eids is None:
                    continue
                index = candidates[form] = file_by_second_word(form, eids, entries, frequency)
            eids, by_second = index
            if by_second:
                seconds = present & by_second.keys()
                if seconds:
                    eids = list(eids)
                    for second in seconds:
                        eids += by_second[second]
                    eids.sort()  # the lexicon's order, as one list under the key word had it
            for eid in eids:
                entry = entries[eid]
                words = entry.words
                if len(words) > 2 and not present >= words:
                    continue
                if len(words) == 1 and not entry.neoplasm_codes:  # the common case: one word
                    matches.append(Match(eid, entry, (anchors[0],), entry.code, True))
                    continue
                best = None
                places = [form_pos[w] for w in words]
                if all(len(p) == 1 for p in places):  # each word written once: one placement to try
                    pos = {p[0] for p in places}
                    lo, hi = min(pos), max(pos)
                    if hi - lo + 1 <= 2 * len(pos) + 2:
                        best = (lo, hi, pos)
                else:
                    for a in anchors:
                        pos = {p[0] if len(p) == 1 else _nearest(p, a) for p in places}
                        lo, hi = min(pos), max(pos)
                        if hi - lo + 1 <= 2 * len(pos) + 2 and (best is None or hi - lo < best[1] - best[0]):
                            best = (lo, hi, pos)
                if best is None:
                    continue
                positions = tuple(sorted(best[2]))
                if not _uses_whole_words(words, tokens, positions):
                    continue
                if breaks and not self._list_safe(tokens, positions, breaks, bool(entry.neoplasm_codes)):
                    continue
                code, behaviour = entry.code, None
                if entry.neoplasm_codes:
                    neo = [p for p in positions if p in behaviours]
                    behaviour = behaviours[neo[-1]] if neo else "unspecified"
                    code = entry.neoplasm_codes.get(behaviour) or entry.neoplasm_codes.get("uncertain", "")
                    if not code:
                        continue
                exact = len(positions) == positions[-1] - positions[0] + 1 and self._in_order(entry, tokens, positions)
                matches.append(Match(eid, entry, positions, code, exact, behaviour))
        return _drop_subsumed(matches)

    def _apply_modifiers(self, tokens: list[Token], behaviours: dict[int, str]) -> None:
        for i, tok in enumerate(tokens):
            modifier = self._modifiers.get(tok.forms)
            if modifier is None:
                continue
            # "metastatic adenocarcinoma" is secondary; "metastasis of/from prostatic adenocarcinoma"
            # names the primary's morphology: a modifier does not reach across "of"/"from"
            near = [p for p in behaviours
                    if (0 < p - i <= _MODIFIER_REACH and not any(tokens[k].forms in _OF for k in range(i + 1, p)))
                    or (modifier == "insitu" and 0 < i - p <= 2)]
            if near:
                p = min(near, key=lambda q: abs(q - i))
                behaviours[p] = modifier

    @staticmethod
    def _list_safe(tokens: list[Token], positions: tuple[int, ...], breaks, neoplasm: bool = False) -> bool:
        """Words taken from two items of a list are not one phrase: "pulmonary disease, hypertension"
        is not pulmonary hypertension. A match may cross a comma when the commas only part its own
        words, the inverted style of the index and of dictated notes ("cholecystitis, acute, with
        gallstones"; "diabetes, type 2, with nephropathy"), not when an item holds other words.
        A neoplasm site may also take the morphology of an apposition that names its lesion's
        nature: "base of tongue lesion, probable cancer" (the qualifier is ConText's to read)."""
        lo, hi = positions[0], positions[-1]
        if not any(p in breaks for p in range(lo, hi)):
            return True
        used = set(positions)
        spare = _APPOSITION_WORDS if neoplasm else frozenset()
        return all(p in used or tokens[p].forms[0] in STOPWORDS or tokens[p].forms[0] in spare
                   for p in range(lo, hi + 1))

    @staticmethod
    def _in_order(entry: Entry, tokens: list[Token], positions: tuple[int, ...]) -> bool:
        firsts = [tokens[p].forms[0] for p in positions]
        order = [w for w in entry.order if w in firsts]
        return order == [f for f in firsts if f in entry.order]


# "<site> lesion, probable cancer": the lesion words and the qualifiers that may stand between a
# neoplasm site and the morphology of its apposition (normal forms)
_APPOSITION_WORDS = frozenset(
    f for w in ("lesion", "mass", "lump", "growth", "nodule", "ulcer", "probable", "probably", "possible",
                "possibly", "likely", "suspicious", "suspected", "suspect", "query", "consistent", "presumed")
    for f in normal_forms(w))


def _uses_whole_words(words: frozenset[str], tokens: list[Token], positions: tuple[int, ...]) -> bool:
    """A word that stands for several (an abbreviation's expansion, "gallstones" = calculus of
    gallbladder) is used whole or not at all: "COPD and HTN" is not "pulmonary hypertension", and
    "NSTEMI" is not a bare "myocardial infarction"."""
    for p in positions:
        forms = tokens[p].forms
        if len(forms) > 1:
            used = sum(1 for f in forms if f in words)
            if used and used != len(forms):
                return False
    return True


def _drop_subsumed(matches: list[Match]) -> list[Match]:
    """Keep the most specific matches.

    Drop a match whose words are a strict subset of another's, or that overlaps a longer match to
    the same category ("type 2 diabetes" inside "type 2 diabetes with nephropathy"). Every test
    needs the two matches to share a token, so each match is compared only with the matches
    holding one of its tokens (a long sentence with many matches stays linear).
    """
    if len(matches) < 2:
        return matches
    at: dict[int, list[int]] = {}
    sets: dict[int, frozenset[int]] = {}  # the token sets of the matches of several words
    for j, m in enumerate(matches):
        for p in m.positions:
            at.setdefault(p, []).append(j)
        if len(m.positions) > 1:
            sets[j] = frozenset(m.positions)
    keep = []
    for i, m in enumerate(matches):
        wi = m.entry.words
        if i not in sets:
            # one word: any longer match over it holds it strictly; a one-word match on the same
            # word is more specific only when its phrase's words include all of this one's
            if any(j != i and (j in sets or wi < matches[j].entry.words) for j in at[m.positions[0]]):
                continue
        else:
            # several words: a one-word match cannot hold them, nor be longer
            si, cat = sets[i], m.code[:3]
            if any((si < sj or (si == sj and wi < matches[j].entry.words)
                    or (matches[j].code[:3] == cat and len(sj) > len(si)))
                   for j in {j for p in m.positions for j in at[p]} if j != i and (sj := sets.get(j)) is not None):
                continue
        keep.append(m)
    return keep

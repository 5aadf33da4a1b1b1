"""Fallback for a listed operation the lexicon does not know: the OPCS-4 title whose words it contains.

"Excisional biopsy with primary closure of a 4 mm right lateral base of tongue lesion" names no lexicon
phrase, but every content word of "Excision of lesion of tongue" is in it. A coder reads titles the same
way when the index fails. Only statement items with no lexicon match are looked up, the title must have
at least two content words, and the best is the title with most words whose action word comes first.
"""
from __future__ import annotations

from .lexicon import term_key

_STOP = frozenset({"nec", "and", "using", "into", "from", "to", "for", "with", "by", "other", "on", "in",
                   "or", "at", "through", "part", "operations", "operation"})
# Verb and adjective forms in notes -> the noun the titles use.
_ACTION = {
    "excisional": "excision", "excised": "excision", "excise": "excision", "removed": "removal",
    "biopsied": "biopsy", "repaired": "repair", "drained": "drainage", "placement": "insertion",
    "placed": "insertion", "inserted": "insertion", "implanted": "implantation", "closed": "closure",
    "reconstructed": "reconstruction", "released": "release", "divided": "division", "ligated": "ligation",
}


def _words(text: str) -> list[str]:
    return [_ACTION.get(w, w) for w in term_key(text).split()]


class TitleWords:
    """OPCS-4 subcategory titles as sets of content words."""

    def __init__(self, opcs4):
        self._by_word: dict[str, list[tuple[frozenset[str], str, str, str]]] = {}
        for code in opcs4:
            if code.kind.value != "subcategory" or code.code[0] in "YZO":
                continue
            title = code.title
            if title.lower().startswith(("other specified", "unspecified")):
                continue
            words = [w for w in _words(title) if w not in _STOP]
            if len(set(words)) < 2:
                continue
            item = (frozenset(words), words[0], code.code, title)
            for w in set(words):
                self._by_word.setdefault(w, []).append(item)

    def best(self, text: str) -> tuple[str, str] | None:
        """(code, title) of the title wholly named by the words of ``text``, or None."""
        words = [w for w in _words(text) if w not in _STOP]
        present = set(words)
        best_key, best = None, None
        seen: set[str] = set()
        for w in present:
            for wordset, action, code, title in self._by_word.get(w, ()):
                if code in seen or not wordset <= present:
                    continue
                seen.add(code)
                key = (len(wordset), -words.index(action), -int(title.endswith("NEC")))
                if best_key is None or key > best_key:
                    best_key, best = key, (code, title)
        return best


__all__ = ["TitleWords"]

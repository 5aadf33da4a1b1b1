"""The lexicon's phrases filed by second word when it is compiled give the matcher exactly what
filing them on demand gives (a lexicon without the filing, e.g. one built in a test, still works)."""
from __future__ import annotations

import dataclasses

from clincode.diagnosis.lexicon import file_by_second_word
from clincode.diagnosis.matcher import LexiconMatcher
from clincode.diagnosis.normalise import tokenise


def test_the_compiled_filing_is_the_on_demand_filing(finder):
    lexicon = finder.lexicon
    assert set(lexicon.by_second_word) == set(lexicon.by_key)
    for key in list(lexicon.by_key)[::7]:
        assert lexicon.by_second_word[key] == file_by_second_word(
            key, lexicon.by_key[key], lexicon.entries, lexicon.word_frequency), key
    # the filing is what a common key word needs: some phrases under their second word
    assert any(by_second for _singles, by_second in lexicon.by_second_word.values())


def test_a_lexicon_without_the_filing_matches_the_same(finder, shared_data):
    on_demand = LexiconMatcher(dataclasses.replace(finder.lexicon, by_second_word={}))
    texts = sorted((shared_data / "codiesp" / "dev" / "text_en").glob("*.txt"))[:40]
    compared = 0
    for path in texts:
        for line in path.read_text(encoding="utf-8").split("."):
            tokens = tokenise(line)
            expected = [(m.entry_id, m.positions, m.code, m.exact) for m in finder.matcher.match(tokens)]
            assert [(m.entry_id, m.positions, m.code, m.exact) for m in on_demand.match(tokens)] == expected, line
            compared += len(expected)
    assert compared > 100  # sentences with matches were compared, not only empty ones

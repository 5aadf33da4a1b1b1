"""The procedure lexicon and title words cached on disk find what freshly built ones find, and the
cache follows the OPCS-4 titles it was made from."""
from __future__ import annotations

import dataclasses

from clincode.procedures import finder as finder_module
from clincode.procedures.lexicon import load_lexicon
from clincode.procedures.titles import TitleWords

PHRASES = ["Laparoscopic cholecystectomy and left total hip replacement (THR).",
           "Excision of right breast lump; cystoscopy and TURBT; lap chole converted to open.",
           "Insertion of Ommaya reservoir, trabeculectomy, stapedectomy"]


def _found(lexicon, titles):
    return ([[(m.entry.code, m.entry.term, m.start, m.end) for m in lexicon.match(p)] for p in PHRASES],
            [titles.best(p) for p in PHRASES + ["repair of inguinal hernia", "excision of lesion of tongue"]])


def test_cached_lexicon_and_titles_find_the_same_as_built_ones(classifications, tmp_path):
    built = _found(load_lexicon(classifications.opcs4), TitleWords(classifications.opcs4))
    assert any(built[0]) and any(built[1])  # the phrases are found at all
    first = finder_module._lexicon_and_titles(classifications.opcs4, tmp_path)  # builds and writes
    assert len(list(tmp_path.glob("procedure-lexicon-*.pickle"))) == 1
    again = finder_module._lexicon_and_titles(classifications.opcs4, tmp_path)  # reads the pickle
    assert again[0] is not first[0]
    assert _found(*first) == built and _found(*again) == built


def test_changed_titles_make_a_new_cache_and_a_corrupt_one_is_rebuilt(classifications, tmp_path):
    finder_module._lexicon_and_titles(classifications.opcs4, tmp_path)
    (cache,) = tmp_path.glob("procedure-lexicon-*.pickle")
    # the same release with one title edited in place: another cache, not the stale one
    codes = list(classifications.opcs4)
    i = next(k for k, c in enumerate(codes) if c.kind.value == "subcategory" and c.code[0] not in "YZO")
    codes[i] = dataclasses.replace(codes[i], title="Laparoscopic frobnication of widget", children=[])
    lexicon, _titles = finder_module._lexicon_and_titles(codes, tmp_path)
    assert len(list(tmp_path.glob("procedure-lexicon-*.pickle"))) == 2
    assert [m.entry.code for m in lexicon.match("laparoscopic frobnication of widget")] == [codes[i].code]
    # a corrupt cache is rebuilt, not fatal
    cache.write_bytes(b"not a pickle")
    lexicon, titles = finder_module._lexicon_and_titles(classifications.opcs4, tmp_path)
    assert _found(lexicon, titles) == _found(load_lexicon(classifications.opcs4), TitleWords(classifications.opcs4))
    assert not lexicon.match("laparoscopic frobnication of widget")

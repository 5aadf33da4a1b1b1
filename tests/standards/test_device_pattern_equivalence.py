"""The device rows read in one combined pattern find what the rows tried one by one find."""
from __future__ import annotations

import re

from clincode.standards.diagnosis import devices


def _row_by_row(text: str, pos: int):
    for device in devices.device_table()[1]:
        m = device.words.match(text, pos)
        if m:
            return device, m
    return None


def _every_word_start(texts):
    for text in texts:
        for w in re.finditer(r"\b\w", text):
            yield text, w.start()


def test_the_combined_device_pattern_reads_the_same_row_and_span_at_every_word(shared_data):
    assert devices._any_device() is not None  # the data has no groups of its own: the combined pattern is used
    texts = [p.read_text(encoding="utf-8") for p in sorted((shared_data / "codiesp" / "dev" / "text_en").glob("*.txt"))]
    # and a phrase for every device row, so each row is met where it matches (not only where dev texts name it)
    texts.append("Septic left total knee arthroplasty. Thrombosed arteriovenous shunt. The AV graft was thrombosed. "
                 "Nonfunctioning inflatable penile prosthesis; pacemaker lead displacement; loosening of the femoral "
                 "component; infected ventriculoperitoneal shunt; blocked urinary catheter; PROSTHETIC MITRAL VALVE.")
    found = 0
    for text, pos in _every_word_start(texts):
        expected, got = _row_by_row(text, pos), devices._device_at(text, pos)
        if expected is None:
            assert got is None, (text[pos:pos + 40], got[0].name)
            continue
        found += 1
        assert got is not None and got[0] is expected[0] and got[1].span() == expected[1].span(), text[pos:pos + 40]
    assert found >= 20  # devices were actually met, not only non-matches compared

"""Unit tests of the web application's pure parts: evidence highlighting and deadlines."""
from __future__ import annotations

from datetime import date

from clincode.web.deadlines import (
    DeadlineRules, add_working_days, days_label, deadlines, local_deadline, national_deadline,
)
from clincode.web.highlight import Span, highlight, locate, pieces

TEXT = "Diagnosis: acute cholecystitis with gallstones. Type 2 diabetes <controlled>."


def test_overlapping_evidence_is_split_and_marked_with_every_code():
    outer = Span("dx-1", "K80.0", 11, 46, "acute cholecystitis with gallstones")
    inner = Span("dx-2", "K81.0", 11, 30, "acute cholecystitis")
    chunks, missing = pieces(TEXT, [outer, inner])
    assert not missing
    marked = [(TEXT[p.start:p.end], p.refs) for p in chunks if p.refs]
    assert marked == [("acute cholecystitis", ["dx-1", "dx-2"]), (" with gallstones", ["dx-1"])]
    # the pieces cover the text exactly once
    assert "".join(TEXT[p.start:p.end] for p in chunks) == TEXT


def test_highlight_escapes_text_and_anchors_each_code_once():
    spans = [Span("dx-1", "K80.0", 11, 46, "acute cholecystitis with gallstones"),
             Span("dx-2", "K81.0", 11, 30, "acute cholecystitis"),
             Span("dx-3", "E11.9", 48, 63, "Type 2 diabetes")]
    html, missing = highlight(TEXT, spans)
    assert not missing
    assert str(html).count('id="ev-dx-1"') == 1 and 'id="ev-dx-3"' in html
    assert "&lt;controlled&gt;" in html and "<controlled>" not in html
    assert html.count("<mark") == 3


def test_moved_evidence_is_found_again_and_lost_evidence_reported():
    moved = Span("dx-1", "E11.9", 0, 15, "Type 2 diabetes")  # offsets stale: document re-sent
    assert locate(TEXT, moved) == (48, 63)
    gone = Span("dx-9", "I10", 5, 17, "hypertension")
    _, missing = highlight(TEXT, [moved, gone])
    assert missing == [gone]
    out_of_range = Span("dx-8", "I10", 500, 510, "")
    assert locate(TEXT, out_of_range) is None


def test_local_deadline_counts_working_days():
    friday = date(2026, 11, 20)
    assert add_working_days(friday, 1) == date(2026, 11, 23)  # Monday
    assert local_deadline(friday) == date(2026, 11, 27)  # 5 working days
    assert local_deadline(friday, DeadlineRules(local_working_days=10)) == date(2026, 12, 4)


def test_national_deadline_is_day_of_month_after_discharge_month():
    assert national_deadline(date(2026, 5, 3)) == date(2026, 7, 20)
    assert national_deadline(date(2026, 11, 30)) == date(2027, 1, 20)  # across the year
    assert national_deadline(date(2026, 12, 1), DeadlineRules(national_day=31)) == date(2027, 2, 28)


def test_days_left_and_urgency():
    d = deadlines(date(2026, 11, 2), today=date(2026, 11, 10))
    assert d.local == date(2026, 11, 9) and d.local_days_left == -1
    assert d.national_days_left == (date(2027, 1, 20) - date(2026, 11, 10)).days
    assert d.urgency == "overdue"
    assert deadlines(None, today=date(2026, 11, 10)) is None
    assert days_label(0) == "due today" and days_label(1) == "1 day left" and days_label(-3) == "3 days overdue"


def test_missing_laterality_is_flagged_until_z94_follows(classifications):
    from clincode.web.validation import missing_laterality

    hip = ("W37.1", classifications.opcs4.get("W37.1").title)
    assert 0 in missing_laterality([hip])
    assert missing_laterality([hip, ("Z94.2", "Right sided operation")]) == {}
    # the Z94 must qualify this procedure, not the next one
    chole = ("J18.3", classifications.opcs4.get("J18.3").title)
    assert 0 in missing_laterality([hip, chole, ("Z94.2", "Right sided operation")])
    assert missing_laterality([chole]) == {}  # the gallbladder is not paired


def test_live_validation_combines_classification_and_sequencing_rules(classifications):
    from clincode.web.validation import validate_code

    assert validate_code("icd10", "K80.2").ok
    male_only = validate_code("icd10", "N40", sex="2", age=50)
    assert not male_only.ok and any("male" in m.text for m in male_only.messages)
    asterisk = validate_code("icd10", "G01", primary=True)
    assert not asterisk.ok and any("asterisk" in m.text for m in asterisk.messages)
    site = validate_code("opcs4", "Z94.2", primary=True)
    assert not site.ok
    assert not validate_code("icd10", "nonsense").ok


def test_procedure_evidence_is_marked_apart_from_diagnoses():
    text = "Laparoscopic cholecystectomy for gallstones."
    html, _ = highlight(text, [Span("px-1", "J18.3", 0, 28, "Laparoscopic cholecystectomy", "opcs4"),
                               Span("dx-1", "K80.2", 33, 43, "gallstones", "icd10")])
    assert 'class="cc-evidence cc-evidence--proc"' in html and 'class="cc-evidence"' in html


def test_deadlines_come_from_the_settings():
    from clincode.config import Settings
    from clincode.web.app import deadline_rules

    rules = deadline_rules(Settings(local_coding_deadline_days=10, national_deadline_months=1, national_deadline_day=15))
    assert rules == DeadlineRules(local_working_days=10, national_month_offset=1, national_day=15)


def test_stored_utc_times_are_read_as_uk_dates():
    from datetime import datetime, timezone

    from clincode.web.clock import local_date, when

    # 00:30 BST on 1 June is 23:30 UTC on 31 May: the discharge belongs to June (and its deadline)
    assert local_date(datetime(2026, 5, 31, 23, 30, tzinfo=timezone.utc)) == date(2026, 6, 1)
    assert local_date(datetime(2026, 12, 31, 23, 30, tzinfo=timezone.utc)) == date(2026, 12, 31)  # GMT in winter
    assert when(datetime(2026, 7, 1, 13, 5, tzinfo=timezone.utc), with_time=True) == "01 Jul 2026 14:05"
    assert when(None) == ""

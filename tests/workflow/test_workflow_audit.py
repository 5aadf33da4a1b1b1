"""The clinical coding audit: scores checked against hand-computed examples, the attainment
levels, sampling (random and targeted, reproducible), blind re-coding and the report."""
from __future__ import annotations

from datetime import date

import pytest

from clincode.store.errors import PermissionDenied, ValidationFailed
from clincode.store.roles import Role
from clincode.store.services import Actor
from clincode.workflow.audit import (
    audit_report, blind_view, classify_error, complete_audit, create_audit, record_recoding,
)
from clincode.workflow.export import audit_report_html, chromium_path, html_to_pdf
from clincode.workflow.scoring import attainment, score_episode, suggest_cause
from clincode.workflow.synthetic import SyntheticEpisode as E, insert_episodes

AUDITOR = Actor("alex.audit", Role.AUDITOR)
CODER = Actor("amira.shah", Role.CODER)
DAY = date(2026, 11, 2)


def pct(score, area):
    return (score.areas[area].correct, score.areas[area].total)


def test_hand_computed_episode_score():
    # Coder: K80.1 E11.9 I10 R10.4 / J18.3 Y75.2; auditor: K80.0 E11.9 I10 N18.3 / J18.3 Y75.2 Y76.1
    s = score_episode({"icd10": ["K80.1", "E11.9", "I10", "R10.4"], "opcs4": ["J18.3", "Y75.2"]},
                      {"icd10": ["K80.0", "E11.9", "I10", "N18.3"], "opcs4": ["J18.3", "Y75.2", "Y76.1"]})
    assert pct(s, "primary_diagnosis") == (0, 1)
    assert pct(s, "secondary_diagnoses") == (2, 4)  # E11.9, I10 right; R10.4 in error; N18.3 omitted
    assert pct(s, "primary_procedure") == (1, 1)
    assert pct(s, "secondary_procedures") == (1, 2)  # Y75.2 right; Y76.1 omitted
    assert sorted(e.words for e in s.errors) == ["K80.1 coded, K80.0 correct", "N18.3 omitted", "R10.4 coded in error",
                                                 "Y76.1 omitted"]


def test_a_wrong_fourth_character_is_one_incorrect_code_not_two_errors():
    s = score_episode({"icd10": ["J18.1", "E11.9", "I48.9"]}, {"icd10": ["J18.1", "E11.2", "I48.9"]})
    assert pct(s, "secondary_diagnoses") == (1, 2)
    assert [(e.kind, e.coder_code, e.auditor_code) for e in s.errors] == [("incorrect", "E11.9", "E11.2")]


def test_procedure_areas_apply_only_when_a_procedure_was_coded():
    s = score_episode({"icd10": ["J18.1"]}, {"icd10": ["J18.1"]})
    assert pct(s, "primary_procedure") == (0, 0) and s.areas["primary_procedure"].percent is None
    s = score_episode({"icd10": ["J18.1"]}, {"icd10": ["J18.1"], "opcs4": ["E85.1"]})
    assert pct(s, "primary_procedure") == (0, 1) and s.errors[0].kind == "omitted"


def test_duplicate_codes_are_counted_as_many_times_as_coded():
    s = score_episode({"icd10": ["A", "X", "X"]}, {"icd10": ["A", "X"]})
    assert pct(s, "secondary_diagnoses") == (1, 2)


def test_attainment_levels_from_the_dspt_table():
    assert attainment("primary_diagnosis", 90.0) == "Standards exceeded"
    assert attainment("primary_diagnosis", 89.9) == "Standards met"
    assert attainment("primary_diagnosis", 84.9) == "Standards not met"
    assert attainment("secondary_diagnoses", 75.0) == "Standards met"
    assert attainment("secondary_procedures", 84.0) == "Standards met"
    assert attainment("primary_procedure", None) == "Not applicable"


def test_suggested_causes():
    s = score_episode({"icd10": ["K80.1"]}, {"icd10": ["K80.0"]})
    assert suggest_cause(s.errors[0], {"icd10": ["K80.1"]}) == "engine"  # the coder kept the engine's error
    assert suggest_cause(s.errors[0], {"icd10": ["K80.0"]}) == "coder"  # the engine had it right
    omitted = score_episode({"icd10": ["K80.0"]}, {"icd10": ["K80.0", "I10"]}).errors[0]
    assert suggest_cause(omitted, {"icd10": ["K80.0"]}, {"icd10": ["K80.0"]}) == "engine"  # proposal taken as it stood
    assert suggest_cause(omitted, {"icd10": ["K80.0", "E11.9"]}, {"icd10": ["K80.0"]}) == "coder"  # the coder edited it


def _population(db):
    specs = ([E(specialty="100", assigned_to="amira.shah", diagnoses=["K80.0", "I10"]) for _ in range(10)]
             + [E(specialty="300", assigned_to="jo.bloggs", diagnoses=["J18.1", "J44.9"], procedures=[("E85.1", DAY)])
                for _ in range(10)]
             + [E(status="in_progress", specialty="300", diagnoses=["J18.1"]) for _ in range(5)])
    with db.session() as s:
        return insert_episodes(s, specs)


def test_sampling_random_targeted_and_reproducible(wdb):
    ids = _population(wdb)
    with wdb.session() as s:
        a = create_audit(s, AUDITOR, "Random", size=6, seed=42)
        b = create_audit(s, AUDITOR, "Random again", size=6, seed=42)
        assert [i.episode_id for i in a.items] == [i.episode_id for i in b.items]
        assert len(a.items) == 6 and set(i.episode_id for i in a.items) <= set(ids[:20])  # finalised only
        t = create_audit(s, AUDITOR, "Medicine", method="specialty", specialty="300", size=50, seed=1)
        assert sorted(i.episode_id for i in t.items) == ids[10:20]  # all 10 finalised in 300
        c = create_audit(s, AUDITOR, "Coder", method="coder", coder="amira.shah", size=3, seed=1)
        assert {i.coded_by for i in c.items} == {"amira.shah"}
        assert c.items[0].coder_codes == {"icd10": ["K80.0", "I10"], "opcs4": []}
        with pytest.raises(ValidationFailed):
            create_audit(s, AUDITOR, "no coder", method="coder")
        with pytest.raises(ValidationFailed, match="no finalised episode"):
            create_audit(s, AUDITOR, "nobody", method="coder", coder="nobody")
        with pytest.raises(PermissionDenied):
            create_audit(s, CODER, "Coders do not audit themselves")


def test_blind_recoding_and_the_report(wdb):
    _population(wdb)
    with wdb.session() as s:
        a = create_audit(s, AUDITOR, "Medicine", method="specialty", specialty="300", size=4, seed=7)
        view = blind_view(s, a.items[0].id)
        assert view["documents"] and "coder_codes" not in view and "K80" not in str(view) and "J18" not in str(view)
        # 2 episodes exactly right, 1 with the primary wrong, 1 with an omitted secondary procedure
        record_recoding(s, AUDITOR, a.items[0].id, ["J18.1", "J44.9"], ["E85.1"])
        record_recoding(s, AUDITOR, a.items[1].id, "J18.1 J44.9", "E85.1")
        record_recoding(s, AUDITOR, a.items[2].id, ["J15.9", "J44.9"], ["E85.1"], notes="organism documented")
        item = record_recoding(s, AUDITOR, a.items[3].id, ["J18.1", "J44.9"], ["E85.1", "Y53.1"])
        with pytest.raises(ValidationFailed, match="not a code"):
            record_recoding(s, AUDITOR, a.items[3].id, ["NOT.A"], [])
        key = next(iter(item.error_causes))
        classify_error(s, AUDITOR, item.id, key, "documentation")
        complete_audit(s, AUDITOR, a.id)
        r = audit_report(s, a.id)
    assert (r.sampled, r.audited) == (4, 4)
    assert (r.areas["primary_diagnosis"].correct, r.areas["primary_diagnosis"].total) == (3, 4)
    assert r.areas["primary_diagnosis"].percent == 75.0 and r.levels["primary_diagnosis"] == "Standards not met"
    assert (r.areas["secondary_diagnoses"].correct, r.areas["secondary_diagnoses"].total) == (4, 4)
    assert r.levels["secondary_diagnoses"] == "Standards exceeded"
    assert (r.areas["secondary_procedures"].correct, r.areas["secondary_procedures"].total) == (0, 1)
    assert r.causes["documentation"] == 1 and sum(r.causes.values()) == 2
    html = audit_report_html(r)
    assert "75.0%" in html and "Standards not met" in html and "J18.1 coded, J15.9 correct" in html


def test_an_auditor_cannot_audit_their_own_coding(wdb):
    with wdb.session() as s:
        insert_episodes(s, [E(assigned_to="alex.audit", diagnoses=["K80.0"])])
        a = create_audit(s, AUDITOR, "Own", size=1, seed=1)
        with pytest.raises(ValidationFailed, match="you coded this episode"):
            record_recoding(s, AUDITOR, a.items[0].id, ["K80.0"], [])


def test_the_report_prints_to_pdf(wdb):
    if chromium_path() is None:
        pytest.skip("Chromium is not installed")
    _population(wdb)
    with wdb.session() as s:
        a = create_audit(s, AUDITOR, "PDF", size=2, seed=3)
        for i in a.items:
            record_recoding(s, AUDITOR, i.id, i.coder_codes["icd10"], i.coder_codes["opcs4"])
        pdf = html_to_pdf(audit_report_html(audit_report(s, a.id)))
    assert pdf.startswith(b"%PDF-") and len(pdf) > 5000


def test_the_engine_proposal_is_frozen_from_the_latest_coding_run(wdb):
    from clincode.store.models import CodingRun

    with wdb.session() as s:
        ids = insert_episodes(s, [E(diagnoses=["K80.0"], proposed=["K80.1"]), E(diagnoses=["K80.0"], proposed=["K80.1"])])
        s.add(CodingRun(episode_id=ids[0], requested_by="engine", result={"diagnoses": [{"code": "K80.5"}], "procedures": []}))
        s.add(CodingRun(episode_id=ids[0], requested_by="engine", result={"diagnoses": [{"code": "K80.2"}], "procedures": []}))
        s.flush()
        a = create_audit(s, AUDITOR, "Engine", size=2, seed=1)
        frozen = {i.episode_id: i.engine_codes for i in a.items}
    assert frozen == {ids[0]: {"icd10": ["K80.2"], "opcs4": []}, ids[1]: {"icd10": ["K80.1"], "opcs4": []}}


def test_a_complete_audit_is_final(wdb):
    _population(wdb)
    with wdb.session() as s:
        a = create_audit(s, AUDITOR, "Final", size=1, seed=2)
        with pytest.raises(ValidationFailed, match="not yet re-coded"):
            complete_audit(s, AUDITOR, a.id)
        item = record_recoding(s, AUDITOR, a.items[0].id, ["Z00.0"], [])
        complete_audit(s, AUDITOR, a.id)
        with pytest.raises(ValidationFailed, match="complete"):
            record_recoding(s, AUDITOR, item.id, ["Z00.0"], [])
        with pytest.raises(ValidationFailed, match="complete"):
            classify_error(s, AUDITOR, item.id, next(iter(item.error_causes)), "engine")

"""Statistics on a hand-made month of coding whose every figure is worked out in the comments."""
from __future__ import annotations

from datetime import date

from clincode.workflow.audit import _final_codes
from clincode.workflow.charlson import charlson_band, charlson_groups, charlson_index
from clincode.workflow.statistics import Period, chapter_of, episode_charlson, statistics_report
from clincode.workflow.synthetic import SyntheticEpisode as E, generate, insert_episodes

NOV = Period(date(2026, 11, 1), date(2026, 11, 30))


def _month(db):
    specs = [
        # 1: 2 days to code (target Mon 9 Nov); I10 typed by the coder; the engine's R10.1 rejected; Charlson 1
        E(discharged=date(2026, 11, 2), finalised_on=date(2026, 11, 4), specialty="100", consultant="C1",
          diagnoses=["K80.0", "E11.9", "I10"], coder_entered={"I10"}, proposed=["K80.0", "E11.9", "R10.1"]),
        # 2: died; 17 days to code (target Tue 10 Nov missed); Charlson: metastatic 6 (not +2 cancer) + MI 1 = 7
        E(discharged=date(2026, 11, 3), finalised_on=date(2026, 11, 20), specialty="100", consultant="C1",
          discharge_method="4", diagnoses=["C18.7", "C78.7", "I21.0"]),
        # 3: 1 day; no secondary diagnosis; Charlson 0
        E(discharged=date(2026, 11, 5), finalised_on=date(2026, 11, 6), specialty="300", consultant="C2",
          diagnoses=["J18.1"]),
        # 4: died; 2 days; Charlson: COPD 1 + complicated diabetes 2 (uncomplicated not added) = 3
        E(discharged=date(2026, 11, 10), finalised_on=date(2026, 11, 12), specialty="300", consultant="C2",
          discharge_method="4", diagnoses=["J44.1", "E11.2", "E11.9"]),
        E(discharged=date(2026, 10, 20), diagnoses=["K35.8"]),  # outside the period
        E(discharged=date(2026, 11, 12), status="in_progress"),  # not finalised
    ]
    with db.session() as s:
        return insert_episodes(s, specs)


def test_statistics_of_a_known_month(any_db):
    _month(any_db)
    with any_db.session() as s:
        r = statistics_report(s, NOV)
    assert r.episodes == 4
    assert [(c, n) for c, _, n in r.by_chapter] == [("II", 1), ("X", 2), ("XI", 1)]
    assert r.mean_secondary == 1.5  # (2 + 2 + 0 + 2) / 4
    assert r.by_specialty == [("100", 2, 2.0), ("300", 2, 1.0)]
    assert r.by_consultant == [("C1", 2, 2.0), ("C2", 2, 1.0)]
    t = r.timeliness
    assert (t["coded"], t["within_local"], t["pct_local"], t["pct_national"], t["median_days"]) == (4, 3, 75.0, 100.0, 2.0)
    assert t["mean_days"] == 5.5  # (2 + 17 + 1 + 2) / 4
    assert r.deaths == 2 and sorted((c, n) for c, _, n in r.deaths_by_group) == [("II", 1), ("X", 1)]
    assert r.charlson_bands == {"0": 1, "1-2": 1, "3-4": 1, "5+": 1}
    assert r.charlson_mean == 2.75  # (1 + 7 + 0 + 3) / 4
    assert r.engine == {"accepted": 9, "coder_entered": 1, "rejected": 1, "accept_rate": 90.0, "amend_share": 10.0}


def test_filters_by_specialty_and_consultant(wdb):
    _month(wdb)
    with wdb.session() as s:
        assert statistics_report(s, Period(NOV.start, NOV.end, specialty="300")).episodes == 2
        assert statistics_report(s, Period(NOV.start, NOV.end, consultant="C1")).deaths == 1
        assert statistics_report(s, Period(date(2026, 12, 1), date(2026, 12, 31))).episodes == 0


def test_charlson_by_hand():
    assert charlson_index([]) == 0
    assert charlson_index(["I21.0", "I25.2"]) == 1  # one group, counted once
    assert charlson_index(["E11.9", "E11.2"]) == 2
    assert charlson_index(["K70.3", "K70.4"]) == 3
    assert charlson_index(["C34.1", "C78.0"]) == 6
    assert charlson_index(["I70.00"]) == 1  # UK 5th character falls under I70
    assert charlson_index(["B20.0", "N18.5", "G81.9", "F03"]) == 6 + 2 + 2 + 1
    assert charlson_groups(["I42.5", "I42.4"]) == {"chf"}  # I42.4 is not in the Quan list
    assert [charlson_band(x) for x in (0, 1, 2, 3, 4, 5, 12)] == ["0", "1-2", "1-2", "3-4", "3-4", "5+", "5+"]


def test_sql_charlson_agrees_with_the_python_rule_on_generated_episodes(any_db):
    with any_db.session() as s:
        ids = insert_episodes(s, generate(400, date(2026, 11, 25), seed=5))
    with any_db.session() as s:
        sql = dict(episode_charlson(s, Period(date(2026, 1, 1), date(2026, 11, 25))))
        codes = _final_codes(s, ids)
    finalised = [i for i in ids if codes[i]["icd10"]]
    assert len(finalised) > 300
    assert all(sql.get(i, 0) == charlson_index(codes[i]["icd10"]) for i in finalised)


def test_chapters():
    assert [chapter_of(c) for c in ("A09", "D48.9", "D50.0", "H60.1", "S72.00", "W19", "Z99.2", "U07.1", "")] == [
        "I", "II", "III", "VIII", "XIX", "XX", "XXI", "XXII", ""]

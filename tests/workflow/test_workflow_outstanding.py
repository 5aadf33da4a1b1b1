"""Outstanding coding against the deadlines: every figure checked on episodes with known answers."""
from __future__ import annotations

import csv
import io
from datetime import date

from clincode.web.deadlines import DeadlineRules
from clincode.workflow.export import to_csv
from clincode.workflow.outstanding import age_band, backlog_trend, outstanding_report, outstanding_rows
from clincode.workflow.synthetic import SyntheticEpisode as E, insert_episodes

TODAY = date(2026, 11, 25)  # a Wednesday


def _known(db):
    specs = [
        E(discharged=date(2026, 11, 24), status="uncoded", assigned_to=None, specialty="100"),  # A: 1 day
        E(discharged=date(2026, 11, 18), status="in_progress", assigned_to="amira.shah", specialty="100"),  # B: due today
        E(discharged=date(2026, 11, 10), status="proposed", assigned_to="amira.shah", specialty="300"),  # C: past local
        E(discharged=date(2026, 9, 15), status="uncoded", assigned_to="tom.reed", specialty="300"),  # D: past national
        E(discharged=date(2026, 11, 20), status="finalised", finalised_on=date(2026, 11, 23)),  # E: coded
        E(discharged=None, status="uncoded"),  # F: still in hospital
        E(discharged=date(2026, 11, 26), status="uncoded"),  # G: 'tomorrow' (a PAS error): not yet due
        E(discharged=date(2026, 11, 1), status="finalised", finalised_on=date(2026, 11, 20)),  # H: coded late
    ]
    with db.session() as s:
        return insert_episodes(s, specs)


def test_department_totals_against_the_deadlines(any_db):
    _known(any_db)
    with any_db.session() as s:
        r = outstanding_report(s, TODAY)
    d = r.department
    assert (d.total, d.not_started, d.incomplete) == (4, 2, 2)
    assert d.past_local == 2  # C (target 17 Nov) and D
    assert d.past_national == 1  # D: September discharges froze on 20 November
    assert d.due_soon == 1  # B: 5 working days after Wed 18 Nov is today
    assert d.oldest_days == 71
    assert d.bands == {"0-5 days": 1, "6-10 days": 1, "11-20 days": 1, "21-30 days": 0, "31-60 days": 0,
                       "over 60 days": 1}


def test_per_specialty_and_per_coder(wdb):
    _known(wdb)
    with wdb.session() as s:
        r = outstanding_report(s, TODAY)
    spec = {c.key: (c.total, c.past_local, c.past_national) for c in r.by_specialty}
    assert spec == {"100": (2, 0, 0), "300": (2, 2, 1)}
    assert r.by_specialty[0].key == "300"  # the worst first
    coder = {c.key: (c.total, c.not_started, c.incomplete) for c in r.by_coder}
    assert coder == {"": (1, 1, 0), "amira.shah": (2, 0, 2), "tom.reed": (1, 1, 0)}


def test_a_stricter_local_target_moves_episodes_past_it(wdb):
    _known(wdb)
    with wdb.session() as s:
        r = outstanding_report(s, TODAY, DeadlineRules(local_working_days=1))
    assert r.department.past_local == 3  # B is now late too (target Thu 19 Nov)


def test_backlog_trend_counts_what_was_outstanding_at_each_week_end(wdb):
    _known(wdb)
    with wdb.session() as s:
        trend = dict(backlog_trend(s, TODAY, weeks=3))
    # 11 Nov: C, D, H; 18 Nov: B, C, D, H (H was coded on the 20th); 25 Nov: A, B, C, D (G is tomorrow's)
    assert trend == {date(2026, 11, 11): 3, date(2026, 11, 18): 4, date(2026, 11, 25): 4}


def test_csv_export_has_one_row_per_outstanding_episode(wdb):
    ids = _known(wdb)
    with wdb.session() as s:
        rows = list(outstanding_rows(s, TODAY))
    parsed = list(csv.DictReader(io.StringIO(to_csv(rows))))
    assert [int(r["episode_id"]) for r in parsed] == [ids[3], ids[2], ids[1], ids[0]]  # oldest discharge first
    d = parsed[0]
    assert (d["days_since_discharge"], d["national_deadline"], d["past_national_deadline"]) == ("71", "2026-11-20", "yes")
    assert parsed[2]["local_target"] == "2026-11-25" and parsed[2]["past_local_target"] == "no"


def test_csv_cells_cannot_run_as_spreadsheet_formulas():
    text = to_csv([{"a": "=HYPERLINK(\"x\")", "b": "-3", "c": "@SUM(A1)"}])
    row = list(csv.reader(io.StringIO(text)))[1]
    assert row == ["'=HYPERLINK(\"x\")", "-3", "'@SUM(A1)"]


def test_age_bands_cover_every_age():
    assert [age_band(d) for d in (0, 5, 6, 30, 31, 61, 400, -2)] == [
        "0-5 days", "0-5 days", "6-10 days", "21-30 days", "31-60 days", "over 60 days", "over 60 days", "0-5 days"]

"""The worklist's ward filter: an accessible labelled select of the wards present, the list and
its counts at a glance narrowed to the ward, and kept across status links and pages."""
from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient

from clincode.store.testing import temporary_database
from clincode.web import create_web_app
from clincode.web.sample import WARDS, add_user, populate

TODAY = date(2026, 11, 25)
N = 14


@pytest.fixture(scope="module")
def coder(settings):
    with temporary_database("sqlite") as db:
        populate(db, N, today=TODAY)
        token = add_user(db, "cara", "coder")
        client = TestClient(create_web_app(db, settings, today=lambda: TODAY))
        r = client.post("/login", data={"username": "cara", "token": token}, follow_redirects=False)
        assert r.status_code == 303
        yield client


def to_code(html: str) -> int:
    counts = re.findall(r'cc-count__number">([\d,]+)</span>\s*<span class="cc-count__label">([^<]+)<', html)
    return {label: int(n.replace(",", "")) for n, label in counts}["To code"]


def spells(html: str) -> set[str]:
    return set(re.findall(r'cc-nowrap">(SP\d+) / \d+</td>', html))


def test_the_ward_select_is_labelled_and_lists_the_wards_present(coder):
    html = coder.get("/").text
    assert '<label class="nhsuk-label" for="f-ward">Ward</label>' in html
    select = re.search(r'<select class="nhsuk-select" id="f-ward" name="ward">(.*?)</select>', html, re.S).group(1)
    assert re.findall(r'<option value="([^"]*)"', select) == [""] + sorted(WARDS)


def test_filtering_by_ward_narrows_the_list_and_the_counts(coder):
    everything = coder.get("/").text
    assert to_code(everything) == N and len(spells(everything)) == N
    html = coder.get("/", params={"ward": "Ward 7"}).text
    expected = {f"SP{200000 + i}" for i in range(N) if WARDS[i % len(WARDS)] == "Ward 7"}
    assert spells(html) == expected and to_code(html) == len(expected)
    assert '<option value="Ward 7" selected>' in html
    # the status links at a glance keep the ward filter
    links = re.findall(r'<a class="cc-count[^"]*" href="([^"]+)"', html)
    assert links and all("ward=Ward+7" in link for link in links)
    assert "Clear filters" in html


def test_a_ward_with_no_episodes_shows_an_empty_list_not_an_error(coder):
    r = coder.get("/", params={"ward": "No such ward"})
    assert r.status_code == 200 and "No episodes match" in r.text and to_code(r.text) == 0

"""The web application's rules without a browser: sign-in, roles, CSRF, the optimistic lock,
bad input, and the worklist's order, counts and filters."""
from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient

from clincode.store import services
from clincode.store.services import Actor
from clincode.store.testing import temporary_database
from clincode.web import create_web_app
from clincode.web.sample import add_user, populate

TODAY = date(2026, 11, 25)


@pytest.fixture(scope="module")
def store(settings):
    with temporary_database("sqlite") as db:
        ids = populate(db, 14, today=TODAY)
        tokens = {u: add_user(db, u, role) for u, role in
                  (("cara", "coder"), ("dev", "coder"), ("audrey", "auditor"), ("ian", "integration"))}
        yield db, ids, tokens


def client_for(store, settings, username=None, today=TODAY) -> TestClient:
    db, _, tokens = store
    client = TestClient(create_web_app(db, settings, today=lambda: today))
    if username:
        r = client.post("/login", data={"username": username, "token": tokens[username]}, follow_redirects=False)
        assert r.status_code == 303
    return client


def senior_coder(db, tokens) -> None:
    """The senior coder 'sam', created once for the module."""
    from clincode.store.models import User

    with db.session() as session:
        if session.query(User).filter_by(username="sam").first() is None:
            services.create_user(session, services.SYSTEM, "sam", "senior_coder")
            tokens["sam"] = services.issue_token(session, services.SYSTEM, "sam")


def csrf(client, path) -> str:
    return re.search(r'"X-CSRF-Token": "([^"]+)"', client.get(path).text).group(1)


def version(client, path) -> str:
    return re.search(r'id="episode-version" name="version" value="(\d+)"', client.get(path).text).group(1)


def test_pages_need_sign_in_and_return_to_the_page_asked_for(store, settings):
    _, ids, tokens = store
    client = client_for(store, settings)
    r = client.get(f"/episodes/{ids[0]}", follow_redirects=False)
    assert r.status_code == 303 and "/login?next=%2Fepisodes%2F" in r.headers["location"]
    r = client.post("/login", data={"username": "cara", "token": tokens["cara"], "next": f"/episodes/{ids[0]}"},
                    follow_redirects=False)
    assert r.headers["location"] == f"/episodes/{ids[0]}"
    # someone else's token under this name is refused; an outside next is ignored
    bad = client_for(store, settings).post("/login", data={"username": "cara", "token": tokens["dev"]})
    assert bad.status_code == 401 and "not right" in bad.text
    r = client_for(store, settings).post("/login", data={"username": "cara", "token": tokens["cara"],
                                                         "next": "//evil.example/"}, follow_redirects=False)
    assert r.headers["location"] == "/"


def test_htmx_request_without_session_is_sent_to_sign_in(store, settings):
    _, ids, _ = store
    r = client_for(store, settings).post(f"/episodes/{ids[0]}/run", headers={"HX-Request": "true"})
    assert r.status_code == 204 and "/login" in r.headers["HX-Redirect"]


def test_integration_role_cannot_read_the_worklist(store, settings):
    client = client_for(store, settings, "ian")
    r = client.get("/")
    assert r.status_code == 403 and "may not" in r.text


def test_changes_need_the_csrf_token(store, settings):
    _, ids, _ = store
    client = client_for(store, settings, "cara")
    path = f"/episodes/{ids[3]}"
    v = version(client, path)
    r = client.post(f"{path}/codes", data={"version": v, "system": "icd10", "code": "I10"}, headers={"HX-Request": "true"})
    assert "expired" in r.text and r.headers["HX-Retarget"] == "#messages"
    r = client.post(f"{path}/codes", data={"version": v, "system": "icd10", "code": "I10"},
                    headers={"HX-Request": "true", "X-CSRF-Token": csrf(client, path)})
    assert r.status_code == 200 and 'data-key="icd10-I10"' in r.text


def test_auditor_may_read_but_not_change(store, settings):
    _, ids, _ = store
    client = client_for(store, settings, "audrey")
    path = f"/episodes/{ids[4]}"
    page = client.get(path)
    assert page.status_code == 200 and "Add a code" not in page.text
    r = client.post(f"{path}/codes", data={"version": version(client, path), "system": "icd10", "code": "I10"},
                    headers={"HX-Request": "true", "X-CSRF-Token": csrf(client, path)})
    assert "auditor role may not" in r.text


def test_two_coders_do_not_overwrite_each_other(store, settings):
    db, ids, _ = store
    path = f"/episodes/{ids[5]}"
    cara, dev = client_for(store, settings, "cara"), client_for(store, settings, "dev")
    seen_by_both = version(cara, path)
    assert version(dev, path) == seen_by_both
    r = cara.post(f"{path}/codes", data={"version": seen_by_both, "system": "icd10", "code": "J18.9", "primary": "1"},
                  headers={"HX-Request": "true", "X-CSRF-Token": csrf(cara, path)})
    assert "Added J18.9" in r.text
    r = dev.post(f"{path}/codes", data={"version": seen_by_both, "system": "icd10", "code": "J44.9"},
                 headers={"HX-Request": "true", "X-CSRF-Token": csrf(dev, path)})
    assert "changed by someone else" in r.text
    with db.session() as session:
        codes = [c.code for c in services.get_episode(session, Actor("cara", "coder"), ids[5]).codes]
    assert codes == ["J18.9"]


def test_invalid_code_is_refused_with_its_reason_and_nothing_lost(store, settings):
    _, ids, _ = store
    client = client_for(store, settings, "cara")
    path = f"/episodes/{ids[6]}"
    token = csrf(client, path)
    r = client.post(f"{path}/codes", data={"version": version(client, path), "system": "icd10", "code": "K80"},
                    headers={"HX-Request": "true", "X-CSRF-Token": token})
    assert "subdivided" in r.text and "Traceback" not in r.text
    # live validation: the patient's sex is taken into account (ids[11] is a gynaecology patient)
    gyn = f"/episodes/{ids[11]}"
    r = client.get(f"{gyn}/validate", params={"system": "icd10", "code": "N40", "primary": "1"})
    assert r.status_code == 200 and "data-valid=\"no\"" in r.text and "male patients only" in r.text
    r = client.get(f"{gyn}/validate", params={"system": "icd10", "code": "G01", "primary": "1"})
    assert "asterisk" in r.text
    r = client.get(f"{gyn}/validate", params={"system": "icd10", "code": "N92.0"})
    assert "data-valid=\"yes\"" in r.text and "Excessive" in r.text
    # a missing episode is a clear page, not a traceback
    r = client.get("/episodes/999999")
    assert r.status_code == 404 and "no episode 999999" in r.text


def test_worklist_order_counts_and_filters(store, settings):
    _, ids, _ = store
    client = client_for(store, settings, "cara")
    html = client.get("/").text
    dates = re.findall(r'<td class="nhsuk-table__cell cc-nowrap">(\d\d \w{3} \d{4})</td>', html)
    from datetime import datetime

    parsed = [datetime.strptime(d, "%d %b %Y") for d in dates]
    assert parsed and parsed == sorted(parsed)
    counts = dict(re.findall(r'cc-count__number">([\d,]+)</span>\s*<span class="cc-count__label">([^<]+)<', html))
    by_label = {label: int(n.replace(",", "")) for n, label in counts.items()}
    assert by_label["To code"] == len(re.findall(r"/episodes/\d+\"", html))
    surgery = client.get("/", params={"specialty": "100"}).text
    assert "General Surgery (100)" in surgery and "Urology (101)</td>" not in surgery
    finalised = client.get("/", params={"status": "finalised"}).text
    assert "No episodes match" in finalised or "Coded" in finalised
    # a nonsense status is treated as the default view, not an error
    assert client.get("/", params={"status": "nonsense"}).status_code == 200


def test_served_beside_the_api(store, settings):
    """``clincode serve``: the API keeps its paths, the pages live under /coding, / goes to them."""
    from clincode.api import create_app
    from clincode.web import mount_web

    db, ids, tokens = store
    api = create_app(settings, database=db)
    mount_web(api, db, settings, today=lambda: TODAY)
    client = TestClient(api)
    assert client.get("/health").json() == {"status": "ok"}
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == "/coding/"
    r = client.get("/coding/", follow_redirects=False)
    assert r.status_code == 303 and "/coding/login?next=%2Fcoding%2F" in r.headers["location"]
    r = client.post("/coding/login", data={"username": "cara", "token": tokens["cara"]}, follow_redirects=False)
    assert r.headers["location"].endswith("/coding/")
    page = client.get(f"/coding/episodes/{ids[0]}")
    assert page.status_code == 200 and "/coding/static/nhsuk/nhsuk-frontend.min.css" in page.text
    # the API's own episode path still answers JSON, and wants its bearer token
    assert client.get(f"/episodes/{ids[0]}").status_code == 401
    assert client.get(f"/episodes/{ids[0]}", headers={"Authorization": f"Bearer {tokens['cara']}"}).json()["id"] == ids[0]


def test_procedure_date_is_recorded_within_the_spell(store, settings):
    db, ids, _ = store
    client = client_for(store, settings, "cara")
    path = f"/episodes/{ids[8]}"
    token = csrf(client, path)
    hx = {"HX-Request": "true", "X-CSRF-Token": token}
    r = client.post(f"{path}/codes", data={"version": version(client, path), "system": "opcs4", "code": "W37.1",
                                           "primary": "1"}, headers=hx)
    assert "Added W37.1" in r.text and "date not recorded" in r.text
    # the hip replacement needs a side: the coder is warned until Z94 follows it
    assert "Missing laterality" in r.text
    with db.session() as session:
        episode = services.get_episode(session, Actor("cara", "coder"), ids[8])
        code_id = next(c.id for c in episode.codes if c.code == "W37.1")
        admitted, discharged = episode.spell.admission_date.date(), episode.spell.discharge_date.date()
    r = client.post(f"{path}/codes/{code_id}/amend", data={"version": version(client, path), "code": "W37.1",
                                                         "performed_on": "2001-01-01"}, headers=hx)
    assert "outside the hospital spell" in r.text
    r = client.post(f"{path}/codes/{code_id}/amend", data={"version": version(client, path), "performed_on": "soon"},
                    headers=hx)
    assert "is not a date" in r.text
    r = client.post(f"{path}/codes/{code_id}/amend", data={"version": version(client, path), "code": "W37.1",
                                                         "performed_on": admitted.isoformat()}, headers=hx)
    assert f"Performed: {admitted:%d %b %Y}" in r.text
    r = client.post(f"{path}/codes", data={"version": version(client, path), "system": "opcs4", "code": "Z94.2"},
                    headers=hx)
    assert "Added Z94.2" in r.text and "Missing laterality" not in r.text
    with db.session() as session:
        episode = services.get_episode(session, Actor("cara", "coder"), ids[8])
        assert next(c.performed_on for c in episode.codes if c.code == "W37.1") == admitted
    assert admitted <= discharged


def test_only_a_senior_coder_reopens_a_finalised_episode_with_a_reason(store, settings):
    db, ids, tokens = store
    with db.session() as session:
        add = services.add_code(session, Actor("cara", "coder"), ids[9], None, "icd10", "J18.9", primary=True)
        services.finalise(session, Actor("cara", "coder"), ids[9], None)
    assert add.code == "J18.9"
    senior_coder(db, tokens)
    path = f"/episodes/{ids[9]}"
    cara = client_for(store, settings, "cara")
    page = cara.get(path).text
    assert "The coding is locked" in page and "Reason for re-opening" not in page and "Add a code" not in page
    r = cara.post(f"{path}/reopen", data={"version": version(cara, path), "reason": "wrong primary"},
                  headers={"HX-Request": "true", "X-CSRF-Token": csrf(cara, path)})
    assert "coder role may not" in r.text
    sam = client_for(store, settings, "sam")
    hx = {"HX-Request": "true", "X-CSRF-Token": csrf(sam, path)}
    r = sam.post(f"{path}/reopen", data={"version": version(sam, path), "reason": ""}, headers=hx)
    assert "give the reason" in r.text
    r = sam.post(f"{path}/reopen", data={"version": version(sam, path), "reason": "primary diagnosis queried by audit"},
                 headers=hx)
    assert "re-opened" in r.text and "Add a code" in r.text


def test_data_quality_flag_is_resolved_by_a_senior_coder(store, settings):
    db, ids, tokens = store
    path = f"/episodes/{ids[10]}"
    cara = client_for(store, settings, "cara")
    r = cara.post(f"{path}/data-quality", data={"category": "pas_data_error", "description": "Wrong consultant on PAS."},
                  headers={"HX-Request": "true", "X-CSRF-Token": csrf(cara, path)})
    assert "Flagged for a senior coder" in r.text and "Resolve this problem" not in r.text
    r = cara.post(f"{path}/data-quality", data={"category": "nonsense", "description": "x"},
                  headers={"HX-Request": "true", "X-CSRF-Token": csrf(cara, path)})
    assert "unknown data-quality category" in r.text
    senior_coder(db, tokens)
    with db.session() as session:
        issue_id = services.list_dq_issues(session, Actor("sam", "senior_coder"), episode_id=ids[10])[0].id
    sam = client_for(store, settings, "sam")
    r = sam.post(f"{path}/data-quality/{issue_id}/resolve", data={"resolution": "PAS corrected by the ward clerk."},
                 headers={"HX-Request": "true", "X-CSRF-Token": csrf(sam, path)})
    assert "resolved by sam: PAS corrected by the ward clerk." in r.text


def test_bad_addresses_get_a_page_in_words(store, settings):
    client = client_for(store, settings, "cara")
    r = client.get("/episodes/not-a-number")
    assert r.status_code == 400 and "not understood" in r.text and "episode_id" in r.text and "<html" in r.text
    r = client.get("/", params={"page": "two"})
    assert r.status_code == 400 and "page" in r.text
    r = client.get("/no/such/page")
    assert r.status_code == 404 and "There is no such page" in r.text


def test_a_coder_takes_an_episode_and_finds_it_under_assigned_to_me(store, settings):
    _, ids, _ = store
    client = client_for(store, settings, "dev")
    path = f"/episodes/{ids[12]}"
    assert "Assign to me" in client.get(path).text
    r = client.post(f"{path}/assign", data={"version": version(client, path)},
                    headers={"HX-Request": "true", "X-CSRF-Token": csrf(client, path)})
    assert "assigned to you" in r.text and "<b>Coder:</b> dev" in r.text and 'id="assign-me"' not in r.text
    mine = client.get("/", params={"mine": "1"}).text
    assert re.findall(r"/episodes/(\d+)\"", mine) == [str(ids[12])]
    assert 'id="f-mine" name="mine" type="checkbox" value="1" checked' in mine
    # the counts follow the filter too
    assert re.search(r'cc-count__number">1</span>\s*<span class="cc-count__label">To code', mine)


def test_clinician_queries_list_shows_how_long_each_has_been_open(store, settings):
    db, ids, _ = store
    with db.session() as session:
        services.raise_query(session, Actor("cara", "coder"), ids[13], "Please confirm the side of the fracture.")
    client = client_for(store, settings, "cara")
    html = client.get("/queries").text
    assert "Please confirm the side of the fracture." in html and re.search(r"open \d+ days?", html)
    assert f"/episodes/{ids[13]}#queries" in html
    assert "Please confirm the side" not in client.get("/queries", params={"status": "closed"}).text


def test_dagger_and_asterisk_codes_are_marked(store, settings):
    _, ids, _ = store
    client = client_for(store, settings, "cara")
    path = f"/episodes/{ids[7]}"
    hx = {"HX-Request": "true", "X-CSRF-Token": csrf(client, path)}
    client.post(f"{path}/codes", data={"version": version(client, path), "system": "icd10", "code": "A39.0",
                                       "primary": "1"}, headers=hx)
    r = client.post(f"{path}/codes", data={"version": version(client, path), "system": "icd10", "code": "G01"},
                    headers=hx)
    assert ">A39.0†</a>" in r.text and ">G01*</a>" in r.text


def test_every_count_at_a_glance_matches_the_list_it_opens(store, settings):
    client = client_for(store, settings, "cara")
    html = client.get("/").text
    links = re.findall(r'<a class="cc-count[^"]*" href="([^"]+)"[^>]*>\s*<span class="cc-count__number">([\d,]+)</span>'
                       r'\s*<span class="cc-count__label">([^<]+)<', html)
    assert len(links) == 7
    for href, number, label in links:
        listed = client.get(href.replace("&amp;", "&")).text
        total = re.search(r"of ([\d,]+) episodes", listed)
        shown = int(total.group(1).replace(",", "")) if total else 0
        assert shown == int(number.replace(",", "")), f"{label}: count {number}, list {shown}"


def test_a_document_arriving_after_the_engine_ran_is_flagged(store, settings):
    from datetime import datetime, timezone

    from clincode.store.models import CodingRun
    from clincode.store.records import DocumentData

    db, ids, _ = store
    with db.session() as session:  # a coding run recorded before the histology report arrives
        session.add(CodingRun(episode_id=ids[13], requested_by="cara", created_at=datetime(2026, 11, 1, tzinfo=timezone.utc),
                              result={"id": str(ids[13]), "diagnoses": [], "procedures": [], "queries": [], "warnings": []}))
    with db.session() as session:
        episode = services.get_episode(session, Actor("cara", "coder"), ids[13])
        services.add_document(session, services.INTEGRATION, episode, DocumentData(
            doc_type="histopathology", title="Histopathology report", text="Gallbladder: chronic cholecystitis.",
            source_system="LIMS", external_id="late-histology-1"))
    client = client_for(store, settings, "cara")
    html = client.get(f"/episodes/{ids[13]}").text
    assert "Histopathology report arrived after the engine ran" in html and "New since the engine ran" in html



def test_a_query_raised_after_today_is_open_0_days_not_minus_1(store, settings):
    """'today' can be earlier than a query's UK raising date (a pinned date, or a UTC server clock a
    day behind the UK date after midnight BST): the list says 'open 0 days', never 'open -1 days'."""
    from datetime import date

    db, ids, _ = store
    with db.session() as session:
        services.raise_query(session, Actor("cara", "coder"), ids[12], "Please confirm the laterality.")
    html = client_for(store, settings, "cara", today=date(2000, 1, 1)).get("/queries").text
    assert "Please confirm the laterality." in html
    assert "open 0 days" in html and "open -" not in html

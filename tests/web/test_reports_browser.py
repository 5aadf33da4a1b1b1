"""The report pages in Chromium: outstanding coding, data quality (run, assign, resolve),
clinician queries, statistics with their charts, and a blind audit through to its PDF.
Screenshots go to test-artifacts/web/reports-*.png."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

TODAY = date(2026, 11, 25)


@pytest.fixture(scope="module")
def reports_server(settings, serve_app):
    """(base url, tokens) of a web application over generated episodes with known figures:
    3 outstanding (1 past the national deadline), 2 with data-quality problems."""

    from clincode.store.testing import temporary_database
    from clincode.web import create_web_app
    from clincode.web.sample import add_user
    from clincode.workflow.synthetic import SyntheticEpisode as E, generate, insert_episodes

    with temporary_database("sqlite") as db:
        with db.session() as s:
            ids = insert_episodes(s, generate(300, TODAY, seed=3) + [
                E(discharged=TODAY - timedelta(days=2), status="uncoded", assigned_to=None, specialty="999"),
                E(discharged=TODAY - timedelta(days=20), status="in_progress", assigned_to="amira.shah", specialty="999"),
                E(discharged=date(2026, 9, 1), status="uncoded", assigned_to=None, specialty="999"),
                E(discharged=TODAY - timedelta(days=30), diagnoses=["S72.00", "I10"], procedures=[("W37.1", None)],
                  assigned_to="amira.shah", specialty="110"),
            ])
        _answered_query(db, ids[-3])
        tokens = {u: add_user(db, u, role, name) for u, role, name in (
            ("amira.shah", "coder", "Amira Shah"), ("tom.reed", "senior_coder", "Tom Reed"),
            ("alex.audit", "auditor", "Alex Auditor"), ("mo.manager", "coding_manager", "Mo Manager"))}
        with serve_app(create_web_app(db, settings, today=lambda: TODAY)) as base_url:
            yield base_url, tokens


def _answered_query(db, episode_id: int) -> None:
    """A query raised, answered by the consultant, and acted on (a code added after the answer)."""
    from clincode.store import services as sv
    from clincode.store.roles import Role

    coder = sv.Actor("amira.shah", Role.CODER)
    with db.session() as s:
        q = sv.raise_query(s, coder, episode_id, "Is the diabetes type 1 or type 2?")
        sv.answer_query(s, coder, q.id, "Type 2, diet controlled", answered_by="Dr Okafor")
    with db.session() as s:
        sv.add_code(s, coder, episode_id, sv.get_episode(s, coder, episode_id).version, "icd10", "E11.9")


def sign_in(page, base, username, token, then="/reports/outstanding"):
    from playwright.sync_api import expect

    page.goto(base + then)
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Access token").fill(token)
    page.get_by_role("button", name="Sign in").click()


def _chart_drawn(page, n: int) -> None:
    # Chart.js sets its own size attributes on every canvas it draws
    page.wait_for_function(f"document.querySelectorAll('canvas[data-drawn]').length >= {n}")


def test_outstanding_coding_page(reports_server, page, artifacts):
    from playwright.sync_api import expect

    base, tokens = reports_server
    sign_in(page, base, "amira.shah", tokens["amira.shah"])
    expect(page.get_by_role("heading", name="Outstanding coding", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Reports")).to_have_attribute("aria-current", "page")
    _chart_drawn(page, 2)
    spec = page.get_by_test_id("by-specialty").locator("tr", has_text="999")
    expect(spec.locator("td").nth(1)).to_have_text("3")  # outstanding
    expect(spec.locator("td").nth(5)).to_have_text("1")  # past the national deadline
    assert int(page.get_by_test_id("past-national").inner_text()) >= 1
    page.screenshot(path=str(artifacts / "reports-outstanding.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Download the outstanding episodes")).click()
    text = open(download.value.path(), encoding="utf-8").read()
    assert text.startswith("episode_id,spell_number") and text.count("\n") - 1 == int(page.get_by_test_id("total").inner_text())
    # a coder sees the reports but not the audit
    expect(page.get_by_role("link", name="Coding audit")).to_have_count(0)


def test_data_quality_run_assign_resolve(reports_server, page, artifacts):
    from playwright.sync_api import expect

    base, tokens = reports_server
    sign_in(page, base, "tom.reed", tokens["tom.reed"], then="/reports/data-quality")
    page.get_by_test_id("run-checks").click()
    expect(page.locator(".cc-flash")).to_contain_text("new flag")
    summary = page.get_by_test_id("dq-summary")
    expect(summary.locator("tr", has_text="Injury without an external cause").locator("td").nth(1)).not_to_have_text("0")
    page.get_by_role("link", name="Injury without an external cause").click()
    flag = page.get_by_test_id("dq-flags").locator("tbody tr", has_text="S72.00").first
    expect(flag).to_contain_text("no external cause")
    flag.get_by_role("button", name="Assign").click()
    expect(page.locator(".cc-flash")).to_contain_text("assigned to")
    page.screenshot(path=str(artifacts / "reports-data-quality.png"), full_page=True)
    flag = page.get_by_test_id("dq-flags").locator("tbody tr", has_text="S72.00").first
    flag.get_by_label("Resolution note").fill("W19.0 added after reading the A&E notes")
    flag.get_by_role("button", name="Resolve").click()
    expect(page.locator(".cc-flash")).to_contain_text("resolved")
    page.get_by_role("link", name="Show resolved flags").click()
    expect(page.get_by_test_id("dq-flags")).to_contain_text("W19.0 added after reading the A&E notes")


def test_statistics_page_with_charts_and_csv(reports_server, page, artifacts):
    from playwright.sync_api import expect

    base, tokens = reports_server
    sign_in(page, base, "mo.manager", tokens["mo.manager"], then="/reports/statistics?start=2026-01-01&end=2026-11-25")
    expect(page.get_by_role("heading", name="Statistics", level=1)).to_be_visible()
    _chart_drawn(page, 3)
    assert int(page.get_by_test_id("episodes").inner_text()) > 200
    expect(page.get_by_test_id("by-chapter")).to_contain_text("Neoplasms")
    page.screenshot(path=str(artifacts / "reports-statistics.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download (CSV)").first.click()
    assert open(download.value.path(), encoding="utf-8").readline().strip() == "chapter,title,episodes"
    page.goto(base + "/reports/statistics?start=2026-12-01&end=2026-11-01")
    expect(page.locator("main")).to_contain_text("the period starts after it ends")
    page.goto(base + "/reports/queries")
    expect(page.get_by_test_id("query-stages")).to_contain_text("escalated")
    page.screenshot(path=str(artifacts / "reports-queries.png"), full_page=True)
    page.get_by_role("link", name=re.compile("history")).first.click()
    history = page.get_by_test_id("query-history")
    expect(history).to_contain_text("Type 2, diet controlled")
    expect(history).to_contain_text("Dr Okafor")
    expect(history.locator("tr", has_text="code change")).to_contain_text("added E11.9")
    page.screenshot(path=str(artifacts / "reports-query-history.png"), full_page=True)


def test_blind_audit_to_report_and_pdf(reports_server, page, artifacts):
    from playwright.sync_api import expect

    base, tokens = reports_server
    sign_in(page, base, "alex.audit", tokens["alex.audit"], then="/reports/audits")
    page.get_by_label("Title").fill("Trauma audit")
    page.get_by_label("Sample").select_option("specialty")
    page.get_by_label("Episodes").fill("3")
    page.get_by_label("Specialty code").fill("110")
    page.get_by_test_id("draw-sample").click()
    expect(page.get_by_role("heading", name="Trauma audit")).to_be_visible()
    items = page.get_by_test_id("audit-items").locator("tbody tr")
    n = items.count()
    assert 1 <= n <= 3
    for i in range(n):
        page.get_by_test_id("audit-items").get_by_role("link", name=re.compile("^Re-code blind")).first.click()
        expect(page.get_by_role("heading", name=re.compile("blind"))).to_be_visible()
        assert "S72.00" not in page.locator("main").inner_text()  # the coder's codes stay hidden
        if i == 0:
            page.screenshot(path=str(artifacts / "reports-audit-blind.png"), full_page=True)
        page.get_by_label("ICD-10 codes, primary diagnosis first").fill("J18.9 I10")
        page.get_by_test_id("save-recoding").click()
        expect(page.locator(".cc-flash")).to_contain_text("re-coded")
    expect(page.get_by_test_id("audit-scores")).to_contain_text("Primary diagnosis")
    _chart_drawn(page, 2)
    page.screenshot(path=str(artifacts / "reports-audit.png"), full_page=True)
    errors = page.get_by_test_id("audit-errors").locator("tbody tr")
    expect(errors.first).to_contain_text("correct")
    errors.first.get_by_label("Cause").select_option("documentation")
    errors.first.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("audit-errors").locator("tbody tr").first.locator("select")).to_have_value("documentation")
    page.get_by_test_id("complete-audit").click()
    expect(page.locator(".cc-flash")).to_contain_text("Audit complete")
    expect(page.get_by_role("link", name=re.compile("^Re-code"))).to_have_count(0)
    from clincode.workflow.export import chromium_path

    if chromium_path():
        href = page.get_by_role("link", name="Download the report (PDF)").get_attribute("href")
        response = page.request.get(base + href)
        assert response.ok and response.body().startswith(b"%PDF-")


def test_report_pages_pass_automated_accessibility_checks(reports_server, page):
    from axe_playwright_python.sync_playwright import Axe

    base, tokens = reports_server
    sign_in(page, base, "mo.manager", tokens["mo.manager"])
    for path in ("/reports/outstanding", "/reports/data-quality", "/reports/queries",
                 "/reports/statistics?start=2026-01-01", "/reports/audits"):
        page.goto(base + path)
        results = Axe().run(page, options={"runOnly": {"type": "tag", "values": [
            "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}})
        assert [f"{path}: {v['id']} {[n['target'] for n in v['nodes']][:3]}" for v in results.response["violations"]] == []

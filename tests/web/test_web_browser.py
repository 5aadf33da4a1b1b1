"""End to end in a real browser: a coder signs in, works the worklist, codes an episode with the
engine's help (evidence highlighted, codes accepted and amended), raises and answers a clinician
query, and finalises. Screenshots of every screen go to test-artifacts/web/."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser]


def sign_in(page, base, username, token):
    page.goto(base + "/")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Access token").fill(token)
    page.get_by_role("button", name="Sign in").click()


def test_sign_in_refuses_a_wrong_token(web_server, page, artifacts):
    base, _, tokens, _ = web_server
    sign_in(page, base, "amira.shah", tokens["amira.shah"] + "x")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("not right")
    page.screenshot(path=str(artifacts / "01-sign-in-error.png"))
    # the right token lets the coder in, back to the page first asked for
    page.get_by_label("Access token").fill(tokens["amira.shah"])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Coding worklist")).to_be_visible()


def test_coder_codes_an_episode_end_to_end(web_server, page, artifacts):
    base, db, tokens, ids = web_server
    sign_in(page, base, "amira.shah", tokens["amira.shah"])

    # --- worklist: oldest discharge first, counts, filters -------------------------------------
    expect(page.get_by_role("heading", name="Coding worklist")).to_be_visible()
    rows = page.locator("#worklist tbody tr")
    expect(rows).to_have_count(40)
    discharged = [c.strip() for c in page.locator("#worklist tbody tr td:nth-child(3)").all_inner_texts()]
    from datetime import datetime
    dates = [datetime.strptime(d, "%d %b %Y") for d in discharged]
    assert dates == sorted(dates), "the worklist must put the oldest discharge first"
    to_code = page.locator(".cc-count").first
    expect(to_code).to_contain_text("40")
    expect(page.locator(".cc-days--overdue").first).to_be_visible()
    page.screenshot(path=str(artifacts / "02-worklist.png"), full_page=True)
    page.screenshot(path=str(artifacts / "02b-worklist-top.png"))

    page.get_by_label("Specialty", exact=True).select_option("100")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"specialty=100"))
    expect(page.get_by_label("Specialty", exact=True)).to_have_value("100")
    expect(rows.first).to_be_visible()
    for text in page.locator("#worklist tbody tr td:nth-child(6)").all_inner_texts():
        assert "General Surgery" in text
    # the ward filter narrows further, keeps the specialty, and shows each row's ward
    page.get_by_label("Ward", exact=True).select_option("Ward 7")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"ward=Ward\+7"))
    expect(page.get_by_label("Specialty", exact=True)).to_have_value("100")
    expect(rows.first).to_be_visible()
    for text in page.locator("#worklist tbody tr td:nth-child(7)").all_inner_texts():
        assert "Ward 7" in text
    page.get_by_label("Ward", exact=True).select_option("")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).not_to_have_url(re.compile(r"ward=[^&]"))

    # --- coding screen: run the engine, evidence highlighted -----------------------------------
    rows.first.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Diagnoses (ICD-10)")).to_be_visible()
    expect(page.locator(".cc-doc__text").first).to_contain_text("cholecystitis")
    page.get_by_role("button", name=re.compile("^Run the coding engine")).click()
    proposed = page.locator("ul.cc-code-list li.cc-code--proposed")
    expect(proposed.first).to_be_visible(timeout=60000)
    marks = page.locator("mark.cc-evidence")
    assert marks.count() > 0, "the engine's codes must highlight their evidence"
    page.screenshot(path=str(artifacts / "03-coding-screen-proposals.png"), full_page=False)

    # click a code -> its words light up in the document; click words -> their code lights up
    first_with_evidence = page.locator("li.cc-code--proposed:has(.cc-hint)").first
    ref = first_with_evidence.get_attribute("id").removeprefix("row-")
    first_with_evidence.locator("a.cc-code__focus").click()
    lit = page.locator(f"mark.cc-evidence.cc-on[data-refs~='{ref}']")
    expect(lit.first).to_be_visible()
    expect(lit.first).to_be_in_viewport()
    page.locator("mark.cc-evidence").first.click()
    expect(page.locator("li.cc-code.cc-on").first).to_be_visible()
    page.screenshot(path=str(artifacts / "04-evidence-linked.png"))

    # --- accept, reject, amend, add, re-order ---------------------------------------------------
    n_proposed = proposed.count()
    proposed.first.get_by_role("button", name=re.compile("^Accept")).click()
    expect(page.locator("#messages")).to_contain_text("Accepted")
    final = page.locator("ol.cc-code-list li.cc-code")
    expect(final).to_have_count(1)
    if n_proposed > 1:
        before = proposed.count()
        proposed.first.get_by_role("button", name=re.compile("^Reject")).click()
        expect(page.locator("#messages")).to_contain_text("Rejected")
        expect(proposed).to_have_count(before - 1)

    # the encoder finds a code by words and inserts it
    page.get_by_label(re.compile("^Term or code")).fill("essential hypertension")
    hit = page.locator("#encoder-results li", has_text="I10")
    expect(hit.first).to_be_visible(timeout=30000)  # the first search loads the index
    page.screenshot(path=str(artifacts / "05-encoder.png"))
    hit.first.get_by_role("button", name=re.compile("^Insert")).click()
    expect(page.locator("ol.cc-code-list li.cc-code[data-key='icd10-I10']")).to_be_visible()

    # live validation while typing: a code that needs a 4th character, then a good one
    page.get_by_label("Code", exact=True).fill("K80")
    expect(page.locator("#add-check")).to_contain_text("subdivided")
    page.get_by_label("Code", exact=True).fill("E119")
    expect(page.locator("#add-check")).to_contain_text("E11.9")
    page.get_by_role("button", name="Add code").click()
    e11 = page.locator("li.cc-code[data-key='icd10-E11.9']")
    expect(e11).to_be_visible()

    # amend I10 to a wrong code: refused with the reason; then to I15.9, accepted
    i10 = page.locator("li.cc-code[data-key='icd10-I10']")
    i10.get_by_text("Edit code").click()
    i10.get_by_label("New code").fill("I1")
    i10.get_by_role("button", name="Save code").click()
    expect(page.locator("#messages")).to_contain_text("I1")
    expect(i10.get_by_label("New code")).to_be_visible()  # the form stays open to correct the code
    i10.get_by_label("New code").fill("I15.9")
    i10.get_by_role("button", name="Save code").click()
    expect(page.locator("li.cc-code[data-key='icd10-I15.9']")).to_be_visible()

    # a query half-typed before another action is not lost when the workspace redraws
    page.locator("#raise-query summary").click()
    page.get_by_label("Question for the clinician").fill("Please confirm")
    # make E11.9 the primary diagnosis, then move it down: the primary stays first
    page.locator("li.cc-code[data-key='icd10-E11.9']").get_by_role("button", name=re.compile("^Make primary")).click()
    expect(page.locator("#messages")).to_contain_text("E11.9 is now the primary diagnosis")
    expect(page.get_by_label("Question for the clinician")).to_have_value("Please confirm")
    primary = page.locator("ol.cc-code-list li.cc-code--primary")
    expect(primary.first).to_have_attribute("data-key", "icd10-E11.9")
    expect(primary.first).to_contain_text("Primary diagnosis")
    page.screenshot(path=str(artifacts / "06-codes-amended.png"), full_page=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.locator("ol.cc-code-list li.cc-code:has(.cc-hint) a.cc-code__focus").first.click()
    expect(page.locator("mark.cc-evidence.cc-on").first).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(artifacts / "06b-coding-screen.png"))

    # --- clinician query: raise (episode on hold), answer, close ----------------------------------
    expect(page.get_by_label("Question for the clinician")).to_be_visible()
    page.get_by_label("About code (optional)").fill("E11.9")
    page.get_by_label("Question for the clinician").fill("Please confirm the type of diabetes and any complications.")
    page.get_by_role("button", name="Raise query").click()
    expect(page.locator("#episode-status")).to_have_text("Awaiting clinician query")
    expect(page.locator("#finalise-problems")).to_contain_text("clinician query is still open")
    page.screenshot(path=str(artifacts / "07-query-raised.png"))
    page.locator(".cc-query--open summary").click()
    page.locator(".cc-query--open textarea").fill("Type 2 diabetes without complications.")
    page.get_by_role("button", name="Save answer").click()
    expect(page.locator(".cc-query--answered")).to_contain_text("Type 2 diabetes without complications.")
    page.get_by_role("button", name="Close query").click()
    expect(page.locator(".cc-query--closed")).to_be_visible()

    # --- data-quality flag ----------------------------------------------------------------------
    page.locator("#data-quality summary").click()
    page.get_by_label("Problem", exact=True).select_option("missing_document")
    page.get_by_label("What is wrong", exact=True).fill("Anaesthetic record not received.")
    page.get_by_role("button", name="Flag for a senior coder").click()
    expect(page.locator("#data-quality")).to_contain_text("Anaesthetic record not received.")

    # --- finalise -------------------------------------------------------------------------------
    # the engine's remaining proposals are left unreviewed on purpose: finalising needs only valid codes
    for problem_row in page.locator("ol.cc-code-list li.cc-code:has(.cc-problems)").all():
        problem_row.get_by_role("button", name=re.compile("^Remove")).click()
        expect(page.locator("#messages")).to_contain_text("Removed")
    page.get_by_role("button", name="Finalise coding").click()
    expect(page.locator("#episode-status")).to_have_text("Coded")
    expect(page.get_by_text("The coding is locked")).to_be_visible()
    page.screenshot(path=str(artifacts / "08-finalised.png"), full_page=True)
    expect(page.locator("#next-episode")).to_contain_text("Next episode to code")

    # what the store now holds is what the coder did
    from clincode.store import services
    from clincode.store.services import Actor

    episode_id = int(re.search(r"/episodes/(\d+)", page.url).group(1))
    with db.session() as session:
        episode = services.get_episode(session, Actor("amira.shah", "coder"), episode_id)
        finals = [(c.code, c.primary) for c in services.codes_of(episode, "final", "icd10")]
        assert finals[0] == ("E11.9", True)
        assert ("I15.9", False) in finals and ("I10", False) not in finals
        assert episode.status == "finalised" and episode.finalised_by == "amira.shah"
        assert [q.status for q in episode.queries] == ["closed"]
        actions = [e.action for e in services.audit_trail(session, Actor("amira.shah", "coder"), episode_id=episode_id)]
        assert {"run_engine", "accept_proposal", "add_code", "amend_code", "raise_query", "finalise"} <= set(actions)


def test_keyboard_only_coding_and_a_query_from_selected_words(web_server, page, artifacts):
    base, db, tokens, ids = web_server
    sign_in(page, base, "tom.reed", tokens["tom.reed"])
    page.goto(f"{base}/episodes/{ids[1]}")  # the hip replacement operation note
    expect(page.locator(".cc-doc__text")).to_contain_text("total hip replacement")

    run = page.get_by_role("button", name=re.compile("^Run the coding engine"))
    run.focus()
    page.keyboard.press("Enter")
    expect(page.locator("li.cc-code--proposed").first).to_be_visible(timeout=60000)

    # j focuses the first code; e shows its evidence; a accepts it -- no mouse
    page.locator("body").focus()
    page.keyboard.press("j")
    focused_row = page.locator("li.cc-code:focus-within")
    expect(focused_row).to_have_count(1)
    key = focused_row.get_attribute("data-key")
    page.keyboard.press("e")
    expect(page.locator("mark.cc-evidence.cc-on").first).to_be_visible()
    page.keyboard.press("j")
    page.keyboard.press("k")
    page.keyboard.press("a")
    expect(page.locator(f"ol.cc-code-list li.cc-code[data-key='{key}']")).to_be_visible()
    # focus comes back to the accepted code, so the coder carries on from there
    expect(page.locator(f"li.cc-code[data-key='{key}'] .cc-code__focus")).to_be_focused()

    # single-key shortcuts can be turned off (WCAG 2.1.4), and stay off after a reload
    page.get_by_label("Single-key shortcuts").uncheck()
    page.reload()
    expect(page.get_by_label("Single-key shortcuts")).not_to_be_checked()
    page.locator("body").focus()
    page.keyboard.press("j")
    expect(page.locator("li.cc-code:focus-within")).to_have_count(0)
    page.get_by_label("Single-key shortcuts").check()

    # Enter on highlighted words jumps to their code
    page.locator("mark.cc-evidence").first.focus()
    page.keyboard.press("Enter")
    expect(page.locator("li.cc-code.cc-on").first).to_be_visible()

    # select words in the document, raise a query about them
    page.evaluate("""() => {
        const text = document.querySelector('.cc-doc__text');
        const walker = document.createTreeWalker(text, NodeFilter.SHOW_TEXT);
        let node; while ((node = walker.nextNode())) {
            const i = node.textContent.indexOf('Osteoarthritis of the right hip');
            if (i >= 0) { const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 31);
                          const s = window.getSelection(); s.removeAllRanges(); s.addRange(r); return; }
        }
    }""")
    page.get_by_role("button", name="Raise a query about the selected words").click()
    expect(page.get_by_label("Words in the notes it is about (optional)")).to_have_value("“Osteoarthritis of the right hip”")
    expect(page.get_by_label("Question for the clinician")).to_be_focused()
    page.keyboard.type("Please confirm whether the osteoarthritis is primary or secondary.")
    page.get_by_role("button", name="Raise query").click()
    expect(page.locator(".cc-query--open")).to_contain_text("primary or secondary")
    page.locator("#queries").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "09-query-from-selection.png"))

    # the open query shows on the clinician queries list
    page.get_by_role("link", name="Clinician queries").click()
    expect(page.locator("table")).to_contain_text("primary or secondary")
    page.screenshot(path=str(artifacts / "10-clinician-queries.png"))


def test_auditor_reads_but_cannot_code(web_server, page):
    base, _, tokens, ids = web_server
    sign_in(page, base, "alex.audit", tokens["alex.audit"])
    page.goto(f"{base}/episodes/{ids[2]}")
    expect(page.get_by_role("heading", name="Diagnoses (ICD-10)")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Run the coding engine"))).to_have_count(0)
    expect(page.get_by_role("button", name="Finalise coding")).to_have_count(0)


def _axe_violations(page) -> list[str]:
    """WCAG 2.2 A/AA violations found by axe-core (the engine GOV.UK and NHS.UK services test with)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a",
                                                                               "wcag21aa", "wcag22aa"]}})
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"]]


def test_screens_pass_automated_accessibility_checks(web_server, page):
    base, _, tokens, ids = web_server
    page.goto(base + "/login")
    assert _axe_violations(page) == []
    sign_in(page, base, "tom.reed", tokens["tom.reed"])
    expect(page.get_by_role("heading", name="Coding worklist")).to_be_visible()
    assert _axe_violations(page) == []
    page.goto(f"{base}/episodes/{ids[6]}")
    page.get_by_role("button", name=re.compile("^Run the coding engine")).click()
    expect(page.locator("li.cc-code--proposed").first).to_be_visible(timeout=60000)
    page.get_by_label(re.compile("^Term or code")).fill("pneumonia")
    expect(page.locator("#encoder-results li").first).to_be_visible(timeout=30000)
    assert _axe_violations(page) == []
    page.goto(base + "/queries")
    assert _axe_violations(page) == []


def test_a_change_that_never_reaches_the_server_says_not_saved(web_server, page):
    base, _, tokens, ids = web_server
    sign_in(page, base, "amira.shah", tokens["amira.shah"])
    page.goto(f"{base}/episodes/{ids[3]}")
    page.route("**/assign", lambda route: route.abort())  # the network drops the request
    page.get_by_role("button", name="Assign to me").click()
    expect(page.locator("#messages")).to_contain_text("was not saved")
    expect(page.get_by_role("button", name="Assign to me")).to_be_visible()  # nothing pretended to change

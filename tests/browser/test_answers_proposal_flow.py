"""Proposals in a real browser: an agent proposes a missing answer, the editor accepts it, the agent sees the result."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import log_in, screenshot
from tests.directory_helpers import add_person

EDITOR_GROUP = {"CN=KW-Kundtjanst-Kvall,OU=Grupper,DC=kundweb,DC=demo": "editor"}


def _log_in_as_editor(page):
    """Erik (Kundcenter), an editor here: his evening-shift group is mapped to the editor role."""
    page.goto("/login")
    page.get_by_label("Användarnamn").press_sequentially("erik")
    password = page.get_by_label("Lösenord")
    password.press_sequentially("demo-erik")
    password.press("Enter")
    page.wait_for_url(re.compile(r"/start/"))
    return page


def test_an_agent_proposes_a_missing_answer_and_the_editor_accepts_it(app, browser, browser_context_args, page,
                                                                      axe_check, monkeypatch):
    monkeypatch.setitem(app.config, "LDAP_GROUP_ROLES", {**app.config["LDAP_GROUP_ROLES"], **EDITOR_GROUP})
    with app.app_context():
        add_person("bertil", "Bertil Öberg", department="Kundcenter")
        add_person("erik", "Erik Åström", department="Kundcenter")
        add_person("elsa", "Elsa Bygg", department="Stadsbyggnadsförvaltningen")

    agent = log_in(page, "agent")
    agent.get_by_role("main").get_by_role("link", name="Mina förslag").click()  # from the agent's start page
    expect(agent.get_by_role("heading", level=1, name="Mina förslag")).to_be_visible()
    expect(agent.get_by_text("Du har inte föreslagit något ännu.")).to_be_visible()
    # The same link and dialog the answer page and the enquiry form include (_propose_link.html).
    agent.get_by_role("link", name="Saknas svar? Föreslå ett nytt").click()
    form = agent.get_by_role("region", name="Saknas svar")
    expect(form.get_by_label("Frågan som saknar svar")).to_be_focused()
    expect(agent).to_have_url(re.compile(r"/kunskapsbanken/mina-forslag$"))  # swapped in, not a new page
    form.get_by_role("button", name="Skicka förslaget").click()  # nothing filled in: told so in the form
    expect(form.get_by_text("Skriv frågan som saknar svar.")).to_be_visible()
    expect(form.get_by_label("Frågan som saknar svar")).to_have_attribute("aria-invalid", "true")
    form.get_by_label("Frågan som saknar svar").fill("Hur gör jag för att låna ut min parkeringsplats?")
    form.get_by_label("Förvaltning eller bolag som äger frågan").select_option(label="Kundcenter")
    axe_check(agent, "the proposal form")
    screenshot(agent, "answers_proposal_form")
    form.get_by_role("button", name="Skicka förslaget").click()
    # htmx swaps the thanks into the form's place: the agent stays where they were.
    thanks = agent.get_by_role("status").filter(has_text="Tack! Förslaget är skickat")
    expect(thanks).to_contain_text("redaktörerna för Kundcenter")
    # The list below fetches itself again (HX-Trigger proposalSent): the new proposal shows at once.
    row = agent.get_by_role("row", name=re.compile("parkeringsplats"))
    expect(row).to_be_visible()
    expect(agent.get_by_text("Du har inte föreslagit något ännu.")).to_have_count(0)
    screenshot(agent, "answers_proposal_sent")
    expect(row).to_contain_text("Öppet")
    expect(row).to_contain_text("Väntar på redaktörerna")

    editor_context = browser.new_context(**browser_context_args)
    try:
        editor = _log_in_as_editor(editor_context.new_page())
        editor.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Förslag att hantera").click()
        expect(editor.get_by_role("heading", level=1, name="Förslag att hantera")).to_be_visible()
        card = editor.get_by_role("region", name="Saknas svar")
        expect(card).to_contain_text("Hur gör jag för att låna ut min parkeringsplats?")
        expect(card).to_contain_text("Från Bertil Öberg")
        card.get_by_label("Besked till den som föreslog").fill("Tack! Svaret finns nu under Parkering.")
        axe_check(editor, "the editors' queue")
        screenshot(editor, "answers_proposal_queue")
        card.get_by_role("button", name="Genomfört").click()
        expect(editor.get_by_text("Förslaget är markerat som genomfört.")).to_be_visible()
        expect(editor.get_by_text("Inga förslag väntar på dig.")).to_be_visible()
    finally:
        editor_context.close()

    agent.reload()
    row = agent.get_by_role("row", name=re.compile("parkeringsplats"))
    expect(row).to_contain_text("Genomfört")
    expect(row).to_contain_text("Tack! Svaret finns nu under Parkering.")
    expect(row).to_contain_text("Erik Åström")
    axe_check(agent, "Mina förslag with a result")
    screenshot(agent, "answers_my_proposals")


def test_an_editor_marks_a_stale_answer_granskad_with_one_click(app, page, axe_check, monkeypatch):
    from datetime import timedelta

    from kundweb.answers import review
    from kundweb.database import utcnow
    from tests.answers_flow_helpers import make_answer

    monkeypatch.setitem(app.config, "LDAP_GROUP_ROLES", {**app.config["LDAP_GROUP_ROLES"], **EDITOR_GROUP})
    today = review.local_date(utcnow())
    with app.app_context():
        erik = add_person("erik", "Erik Åström", department="Kundcenter")
        make_answer(erik, "Hur bokar jag ett möte på Kundcenter?", review_by=today - timedelta(days=3))

    editor = _log_in_as_editor(page)
    editor.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Svar att granska").click()
    row = editor.get_by_role("row", name=re.compile("Hur bokar jag ett möte"))
    expect(row).to_contain_text((today - timedelta(days=3)).isoformat())
    axe_check(editor, "the answers to review")
    screenshot(editor, "answers_review_due")
    row.get_by_role("button", name=re.compile("^Granskad")).click()
    expect(editor.get_by_text(f"Nästa granskning senast {review.add_months(today, 12).isoformat()}")).to_be_visible()
    expect(editor.get_by_text("Inga svar behöver granskas just nu.")).to_be_visible()
    screenshot(editor, "answers_reviewed")

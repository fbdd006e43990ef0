"""Agents running a crisis in a real browser: the scripts panel beside their work, live, and the crisis tag kept."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import log_in, screenshot

POLL_SECONDS = 1


def _crisis_with_script(app):
    from kundweb.audit.services import Actor
    from kundweb.crisis import services as crisis
    from kundweb.enquiries import services as enquiries

    communicator = Actor("cecilia", frozenset({"communicator"}))
    with app.app_context():
        enquiries.add_category(Actor("david", frozenset({"admin"})), "Stadsbyggnadsförvaltningen", "Bygglov")
        message = crisis.create_message(communicator, crisis.MessageInput(
            "Vattenläcka i centrala Luleå", "Vattnet är avstängt i centrum.", "warning"))
        crisis.publish_now(communicator, message.id)
        crisis.add_script(communicator, message.id, "Kan jag dricka vattnet?", "Koka det i tre minuter först.")
        return message.id


def test_a_script_added_during_the_crisis_reaches_an_open_enquiry_page_and_the_panel_filters_and_folds(
        app, page, axe_check, monkeypatch):
    from kundweb.audit.services import Actor
    from kundweb.crisis import services as crisis

    monkeypatch.setitem(app.config, "CRISIS_POLL_SECONDS", POLL_SECONDS)
    message_id = _crisis_with_script(app)
    agent = log_in(page, "agent")
    agent.goto("/arenden")
    panel = agent.locator("#crisis-scripts")
    expect(panel.get_by_role("heading", name="Frågor och svar under krisen")).to_be_visible()
    expect(panel).to_contain_text("Kan jag dricka vattnet?")
    agent.evaluate("() => { window.__notReloaded = true; }")

    with app.app_context():
        crisis.add_script(Actor("cecilia", frozenset({"communicator"})), message_id,
                          "När kommer vattnet tillbaka?", "Enligt Luleå Energi i kväll, se lulea.se.")
    # Within one poll interval (plus the browser's own timing), without a reload.
    expect(panel).to_contain_text("När kommer vattnet tillbaka?", timeout=(POLL_SECONDS + 2) * 1000)
    assert agent.evaluate("() => window.__notReloaded") is True

    # Filter as you type, accents ignored: "nar kommer" finds "När kommer".
    search = panel.get_by_label("Sök bland frågor och svar")
    search.focus()
    agent.keyboard.type("nar kommer")
    expect(panel.get_by_text("När kommer vattnet tillbaka?")).to_be_visible()
    expect(panel.get_by_text("Kan jag dricka vattnet?")).to_be_hidden()
    expect(panel.get_by_role("status")).to_have_text("1 av 2 frågor visas")
    axe_check(agent, "the enquiry page with the crisis scripts panel, filtered")
    screenshot(agent, "crisis_scripts_panel_filtered")

    # A new script while the filter is on: it arrives, and the filter still applies to it.
    with app.app_context():
        crisis.add_script(Actor("cecilia", frozenset({"communicator"})), message_id,
                          "Var finns det vatten att hämta?", "Vid Stadshuset.")
    expect(panel.get_by_role("status")).to_have_text("1 av 3 frågor visas", timeout=(POLL_SECONDS + 2) * 1000)
    expect(search).to_have_value("nar kommer")
    expect(search).to_be_focused()
    agent.keyboard.press("Control+a")
    agent.keyboard.press("Backspace")
    expect(panel.get_by_text("Var finns det vatten att hämta?")).to_be_visible()

    # Fold it with the keyboard; the browser remembers, also on the next page load.
    summary = panel.locator("summary")
    agent.keyboard.press("Shift+Tab")
    expect(summary).to_be_focused()
    agent.keyboard.press("Enter")
    expect(search).to_be_hidden()
    # The browser fires "toggle" in a task of its own, after the click: reloading before it has
    # run would throw the remembering away with the old page, which no person can do that fast.
    agent.wait_for_function("() => localStorage.getItem('kundweb.crisisScripts.closed') === '1'")
    agent.reload()
    expect(panel.locator("summary")).to_be_visible()
    expect(panel.get_by_text("Kan jag dricka vattnet?")).to_be_hidden()
    panel.locator("summary").focus()
    agent.keyboard.press("Space")
    expect(panel.get_by_text("Kan jag dricka vattnet?")).to_be_visible()
    axe_check(agent, "the enquiry page with the crisis scripts panel")
    screenshot(agent, "crisis_scripts_panel_enquiry_page")

    agent.goto("/katalog")
    expect(agent.locator("#crisis-scripts")).to_contain_text("Var finns det vatten att hämta?")
    axe_check(agent, "the directory search with the crisis scripts panel")
    screenshot(agent, "crisis_scripts_panel_directory")


def test_the_crisis_tag_stays_chosen_from_save_to_save(app, page):
    from kundweb.enquiries.models import Enquiry
    from kundweb.extensions import db

    message_id = _crisis_with_script(app)
    agent = log_in(page, "agent")
    agent.goto("/arenden")
    agent.get_by_label("Telefon").check()
    agent.get_by_label("Sök kategori").fill("bygg")
    expect(agent.locator("#category-matches")).to_contain_text("1 kategori matchar")
    tag = agent.get_by_label("Ja: Vattenläcka i centrala Luleå")
    tag.check()
    save = agent.get_by_role("button", name="Spara ärendet")
    save.click()
    today = agent.locator("#enquiry-today")
    expect(today).to_contain_text("Du1")
    expect(tag).to_be_checked()
    expect(save).to_be_focused()
    agent.keyboard.press("Enter")  # the next call about the crisis: one key
    expect(today).to_contain_text("Du2")
    expect(tag).to_be_checked()
    agent.get_by_label("Nej", exact=True).check()
    save.click()
    expect(today).to_contain_text("Du3")
    expect(agent.get_by_label("Nej", exact=True)).to_be_checked()
    screenshot(agent, "crisis_tag_kept")
    with app.app_context():
        assert [e.crisis_id for e in db.session.scalars(db.select(Enquiry).order_by(Enquiry.id))] == \
            [message_id, message_id, None]


def test_communicator_reorders_and_edits_scripts_and_sees_the_crisis_enquiries(app, page, axe_check):
    from kundweb.audit.services import Actor
    from kundweb.crisis import services as crisis
    from kundweb.enquiries import services as enquiries

    message_id = _crisis_with_script(app)
    with app.app_context():
        crisis.add_script(Actor("cecilia", frozenset({"communicator"})), message_id, "Var finns vatten?",
                          "Vid Stadshuset.")
        category = enquiries.categories()[0].id
        for channel in ("telefon", "telefon", "epost"):
            enquiries.log_enquiry(Actor("bertil", frozenset({"agent"})),
                                  enquiries.EnquiryInput(channel, category, "direct", crisis_id=message_id),
                                  [message_id])
    communicator = log_in(page, "communicator")
    communicator.goto(f"/kris/{message_id}")
    scripts = communicator.get_by_role("region", name="Frågor och svar för Kundtjänst")
    scripts.get_by_role("button", name=re.compile(r"Flytta upp\W+Var finns vatten")).click()
    expect(communicator.get_by_text("Ordningen är ändrad.")).to_be_visible()
    expect(scripts.locator("dt").first).to_have_text("Var finns vatten?")
    scripts.get_by_role("link", name=re.compile(r"Ändra\W+Var finns vatten")).click()
    answer = communicator.get_by_label("Förberett svar")
    answer.fill("Vid Stadshuset och Kulturens hus.")
    answer.press("Tab")
    communicator.keyboard.press("Enter")
    expect(communicator.get_by_text("Frågan är ändrad")).to_be_visible()
    expect(scripts).to_contain_text("Vid Stadshuset och Kulturens hus.")
    report = communicator.locator("#crisis-enquiries")
    expect(report).to_contain_text("3 ärenden")
    expect(report.get_by_role("table", name="Ärenden per kanal")).to_contain_text("Telefon")
    axe_check(communicator, "the crisis message page with scripts and the enquiry report")
    screenshot(communicator, "crisis_message_scripts_and_report")

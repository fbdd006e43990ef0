"""Absence in a real browser: an employee sets it with a deputy on Mina kontaktuppgifter, sees it on her
entry as Kundcenter does, and ends it with one click."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from kundweb.database import utcnow
from kundweb.directory import absence
from tests.browser.conftest import log_in, screenshot
from tests.directory_helpers import add_demo_users


@pytest.fixture
def directory(app):
    with app.app_context():
        add_demo_users(utcnow())


def test_an_employee_sets_an_absence_with_a_deputy_and_sees_it_on_her_entry(page, directory, axe_check):
    until = absence.local_today(utcnow()) + timedelta(days=6)
    log_in(page, "employee")
    page.get_by_role("link", name="Mina kontaktuppgifter").first.click()
    expect(page.get_by_role("heading", level=1, name="Mina kontaktuppgifter")).to_be_visible()
    card = page.locator("section.absence")
    expect(card.get_by_role("heading", name="Frånvaro")).to_be_visible()

    card.get_by_label("Frånvarande till och med").fill(until.isoformat())
    deputy = card.get_by_label("Ersättare")
    deputy.press_sequentially("öbe", delay=60)
    # The suggestions arrive while typing (htmx into the field's datalist).
    expect(page.locator("#deputy-options option")).to_have_count(1)
    suggestion = page.locator("#deputy-options option").first.get_attribute("value")
    assert suggestion == "Bertil Öberg (bertil)"
    deputy.fill(suggestion)  # what choosing the suggestion does; the datalist's pop-up is the browser's own
    axe_check(page, "Mina kontaktuppgifter with the absence form filled in")
    card.get_by_role("button", name="Lägg in frånvaron").click()

    saved = page.locator("section.absence .notice--success")
    expect(saved).to_have_text("Frånvaron är sparad.")
    expect(saved).to_be_focused()  # heard by screen readers after the swap
    expect(page.locator(".absence__state")).to_contain_text(f"borta till och med {absence.day_label(until)}")
    expect(page.locator(".absence__state")).to_contain_text("Ersättare: Bertil Öberg")
    expect(page.locator("#history-title + .table-wrap, #entry-editor .table-wrap").first).to_contain_text(
        "Frånvarande till och med")
    axe_check(page, "Mina kontaktuppgifter with an absence")
    screenshot(page, "directory_absence_set")

    page.get_by_role("link", name="Visa min post som Kundcenter ser den").click()
    expect(page).to_have_url(re.compile(r"/katalog/person/\d+$"))
    notice = page.locator(".absence-notice")
    expect(notice).to_contain_text(f"Frånvarande till och med {absence.day_label(until)}.")
    expect(notice).to_contain_text("Koppla till ersättaren Bertil Öberg, anknytning 3021, 0920-45 30 21.")
    axe_check(page, "the entry page with an absence")
    screenshot(page, "directory_absence_entry")

    page.get_by_role("link", name="Ändra mina uppgifter").click()
    page.get_by_role("button", name="Jag är tillbaka – avsluta frånvaron").click()
    ended = page.locator("section.absence .notice--success")
    expect(ended).to_have_text("Frånvaron är avslutad.")
    expect(page.locator(".absence__state")).to_have_count(0)
    axe_check(page, "Mina kontaktuppgifter after ending the absence")

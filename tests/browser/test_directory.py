"""The directory in a real browser: search as you type with the keyboard, editing one's own entry inline."""
import re

import pytest
from playwright.sync_api import expect

from kundweb.database import utcnow
from tests.browser.conftest import log_in, screenshot
from tests.directory_helpers import add_demo_users, add_person

# Set before typing; a full page load would lose it.
MARK_PAGE = "() => { window.__samePage = true; }"
SAME_PAGE = "() => window.__samePage === true"


@pytest.fixture
def directory(app):
    """The demo users' entries and some colleagues whose names start alike."""
    now = utcnow()
    with app.app_context():
        add_demo_users(now)
        add_person("linlin", "Linnéa Lindqvist", now, title="Bibliotekarie", department="Kultur- och fritidsförvaltningen",
                   extension="4711", phone="0920-45 47 11", mobile="070-123 45 67",
                   reach_note="Nås bäst på mobilen.")
        add_person("linber", "Lina Östlind", now, title="Socialsekreterare", extension="4712",
                   phone="0920-45 47 12", location="Stadshuset, rum 312")
        add_person("linhol", "Linus Holm", now, title="Brandman", department="Räddningstjänsten", extension="4713")
        add_person("skydd", "Lina Skyddad", now, extension="4714", hidden=True)


def test_agent_types_three_letters_and_opens_an_entry_with_the_keyboard(page, directory, axe_check):
    log_in(page, "agent")
    page.get_by_role("link", name="Sök i katalogen").click()
    expect(page.get_by_role("heading", level=1, name="Sök i katalogen")).to_be_visible()
    field = page.get_by_label("Sök person, enhet, funktion eller nummer")
    expect(field).to_be_focused()
    page.evaluate(MARK_PAGE)

    field.press_sequentially("lin", delay=60)
    hits = page.locator("#directory-hits .hit__link")
    # Cecilia Lindström, Linnéa Lindqvist, Linus Holm, Lina Östlind; the hidden Lina is not shown to agents.
    expect(hits).to_have_count(4)
    expect(page.locator("#directory-status")).to_have_text(re.compile(r"^\s*4 träffar\.\s*$"))
    assert page.evaluate(SAME_PAGE), "the results came with a page load, not as a fragment"
    expect(page).to_have_url(re.compile(r"/katalog\?q=lin$"))  # the address can be shared or bookmarked
    expect(page.locator("#directory-results")).to_contain_text("4711")
    expect(page.locator("#directory-results")).to_contain_text("Nås bäst på mobilen.")
    expect(page.locator("#directory-results")).not_to_contain_text("Skyddad")
    axe_check(page, "the directory search with results")
    screenshot(page, "directory_search")

    field.press("ArrowDown")
    expect(hits.nth(0)).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(hits.nth(1)).to_be_focused()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(field).to_be_focused()
    field.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    second = hits.nth(1).inner_text()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(second)
    expect(page).to_have_url(re.compile(r"/katalog/person/\d+$"))
    axe_check(page, "an entry page")
    screenshot(page, "directory_entry")

    page.go_back()
    expect(page.get_by_label("Sök person, enhet, funktion eller nummer")).to_have_value("lin")
    expect(page.locator("#directory-hits .hit__link")).to_have_count(4)


def test_a_callers_number_in_another_format_finds_the_person(page, directory):
    log_in(page, "agent")
    page.goto("/katalog")
    page.get_by_label("Sök person, enhet, funktion eller nummer").press_sequentially("+46 920 454711", delay=20)
    expect(page.locator("#directory-hits .hit")).to_have_count(1)
    expect(page.locator("#directory-hits")).to_contain_text("Linnéa Lindqvist")
    expect(page.locator("#directory-hits")).to_contain_text("Exakt nummer")


def test_employee_edits_the_extension_inline_sees_the_error_then_the_saved_value(page, directory, axe_check):
    log_in(page, "employee")
    page.get_by_role("link", name="Mina kontaktuppgifter").click()
    expect(page.get_by_role("heading", level=1, name="Mina kontaktuppgifter")).to_be_visible()
    page.evaluate(MARK_PAGE)
    extension = page.get_by_label("Anknytning")
    expect(extension).to_have_value("3112")

    extension.fill("")
    extension.press_sequentially("31a", delay=60)
    expect(page.locator("#extension-feedback")).to_have_text("En anknytning är 4 eller 5 siffror, till exempel 3112.")
    expect(extension).to_have_attribute("aria-invalid", "true")

    extension.fill("")
    extension.press_sequentially("3021", delay=60)  # Bertil's
    expect(page.locator("#extension-feedback")).to_contain_text("används redan av Bertil Öberg")

    extension.fill("")
    extension.press_sequentially("3113", delay=60)
    expect(page.locator("#extension-feedback")).to_have_text("")
    expect(extension).to_have_attribute("aria-invalid", "false")
    direct = page.get_by_label("Direktnummer")
    direct.fill("")
    direct.press_sequentially("+46 920 453113", delay=20)
    expect(page.locator("#direct_number-feedback")).to_have_text("Sparas som 0920-45 31 13")

    page.get_by_role("button", name="Spara").click()
    notice = page.get_by_role("status").filter(has_text="Sparat.")
    expect(notice).to_be_visible()
    expect(notice).to_be_focused()  # so a screen reader hears it
    expect(page.get_by_label("Anknytning")).to_have_value("3113")
    expect(page.get_by_label("Direktnummer")).to_have_value("0920-45 31 13")
    expect(page.locator("#entry-editor table")).to_contain_text("3112")  # the history: old value ...
    expect(page.locator("#entry-editor table")).to_contain_text("3113")  # ... and new
    assert page.evaluate(SAME_PAGE), "saving reloaded the page"
    axe_check(page, "Mina kontaktuppgifter after saving")
    screenshot(page, "directory_me_saved")

    page.reload()  # it was really saved
    expect(page.get_by_label("Anknytning")).to_have_value("3113")


def test_the_inline_error_is_accessible(page, directory, axe_check):
    """Its own test: a screenshot leaves style="" on inputs, which a later htmx swap would copy (CSP)."""
    log_in(page, "employee")
    page.goto("/katalog/mina-uppgifter")
    page.get_by_label("Mobilnummer (tjänstemobil)").press_sequentially("0920-45 30 00", delay=20)
    expect(page.locator("#mobile-feedback")).to_contain_text("inte ett mobilnummer")
    expect(page.get_by_label("Mobilnummer (tjänstemobil)")).to_have_attribute("aria-invalid", "true")
    axe_check(page, "Mina kontaktuppgifter with an error")
    screenshot(page, "directory_me_invalid")


def test_admin_directory_page_is_accessible(page, directory, axe_check):
    log_in(page, "admin")
    page.get_by_role("link", name="Katalogen", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Katalogen")).to_be_visible()
    axe_check(page, "the directory admin page")
    screenshot(page, "directory_admin")

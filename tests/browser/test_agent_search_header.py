"""Searching the directory from every agent page: the header's box, its shortcuts, its hits, the screen they use."""
import re

import pytest
from playwright.sync_api import expect

from kundweb.audit.services import Actor
from kundweb.database import utcnow
from kundweb.directory import services as directory
from tests.browser.conftest import SCREENSHOT_DIR, log_in, screenshot
from tests.directory_helpers import add_demo_users, add_person

LAPTOP = {"width": 1366, "height": 768}
SURNAME = "Lindberg"
# Nine people and a bath house answer "lindberg": ten hits (as many as a search shows), each with a note.
GIVEN_NAMES = ["Agnes", "Bo", "Carina", "Dan", "Elin", "Fredrik", "Greta", "Hugo", "Ida"]
UNITS = ["Socialförvaltningen", "Kultur- och fritidsförvaltningen", "Stadsbyggnadsförvaltningen",
         "Barn- och utbildningsförvaltningen"]
# Pages an agent works on; each must reach the search with one key.
AGENT_PAGES = ["/start/agent", "/arenden", "/katalog", "/katalog/person/{person}", "/katalog/funktion/{function}",
               "/bolag", "/handlingar", "/servicemal", "/katalog/mina-uppgifter"]
# The rectangle of each element matching the selector that lies wholly inside the window.
FULLY_VISIBLE = """(selector) => [...document.querySelectorAll(selector)].filter((el) => {
  const box = el.getBoundingClientRect();
  return box.height > 0 && box.top >= 0 && box.left >= 0
    && box.bottom <= window.innerHeight && box.right <= window.innerWidth;
}).map((el) => el.innerText)"""
MARK_PAGE = "() => { window.__samePage = true; }"
SAME_PAGE = "() => window.__samePage === true"


@pytest.fixture
def directory_ids(app):
    """The demo users, nine Lindbergs with numbers and notes, and the Lindbergska badet; their ids."""
    now = utcnow()
    with app.app_context():
        people = add_demo_users(now)
        for number, given in enumerate(GIVEN_NAMES):
            add_person(f"lindberg{number}", f"{given} {SURNAME}", now, title="Handläggare", department=UNITS[number % 4],
                       extension=f"46{number:02d}", phone=f"0920-45 46 {number:02d}", mobile=f"070-555 46 {number:02d}",
                       reach_note=f"Nås bäst förmiddagar, {given.lower()} har telefontid 9–11.")
        admin = Actor("david", frozenset({"admin"}))
        bath = directory.save_function(admin, None, directory.FunctionInput(
            name="Lindbergska badet", phone="0920-45 39 90", opening_hours="Mån–fre 6–21, lör–sön 9–17",
            unit_id=directory.unit_named("Kultur- och fritidsförvaltningen", now).id), now)
        return {"person": people["anna"].id, "function": bath.id}


def _search_field(page):
    return page.locator("[data-search-shortcut]")


def _blur(page):
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); }")
    expect(_search_field(page)).not_to_be_focused()


@pytest.mark.parametrize("path", AGENT_PAGES)
def test_slash_and_alt_s_focus_the_search_from_every_agent_page(page, directory_ids, axe_check, path):
    log_in(page, "agent")
    page.goto(path.format(**directory_ids))
    field = _search_field(page)
    expect(field).to_have_count(1)
    expect(page.get_by_role("search").filter(has=field)).to_have_count(1)
    expect(field).to_have_attribute("aria-keyshortcuts", "/ Alt+S")
    expect(page.get_by_role("search").filter(has=field)).to_contain_text("Alt")  # the visible hint

    _blur(page)
    page.keyboard.press("/")
    expect(field).to_be_focused()
    expect(field).to_have_value("")  # the slash focused the field; it was not typed into it

    _blur(page)
    page.keyboard.press("Alt+s")
    expect(field).to_be_focused()
    axe_check(page, f"{path} with the search focused")
    screenshot(page, "agent_search_shortcut_" + re.sub(r"\W+", "_", path.strip("/").split("{")[0]).strip("_"))


def test_slash_in_a_text_field_is_typed_not_a_shortcut(page, directory_ids):
    log_in(page, "agent")
    page.goto("/arenden")
    note = page.locator("#note")
    note.focus()
    page.keyboard.type("a/b")
    expect(note).to_have_value("a/b")
    expect(note).to_be_focused()


def test_header_search_shows_hits_while_typing_and_the_keys_move_through_them(page, directory_ids, axe_check):
    log_in(page, "agent")
    page.goto("/arenden")
    page.evaluate(MARK_PAGE)
    page.keyboard.press("/")
    field = page.get_by_role("search", name="Sök i katalogen").get_by_role("searchbox")
    expect(field).to_be_focused()
    field.press_sequentially("lindb", delay=40)

    panel = page.locator("#site-search-results")
    links = panel.locator(".hit__link")
    expect(panel).to_be_visible()
    expect(links).to_have_count(10)
    expect(panel).to_contain_text("Lindbergska badet")
    expect(panel).to_contain_text("Nås bäst förmiddagar")
    expect(page.locator("#site-search-status")).to_contain_text("10 träffar")
    assert page.evaluate(SAME_PAGE), "the hits came with a page load"
    axe_check(page, "the enquiry page with the header search's hits")
    screenshot(page, "agent_search_header_hits")

    field.press("ArrowDown")
    expect(links.nth(0)).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(links.nth(1)).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(links.nth(0)).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(field).to_be_focused()

    # Escape closes the hits and keeps the place in the field; typing opens them again.
    field.press("Escape")
    expect(panel).to_be_hidden()
    expect(field).to_be_focused()
    field.press_sequentially("e", delay=40)
    expect(panel).to_be_visible()
    expect(links.first).to_be_visible()
    field.press("ArrowDown")
    page.keyboard.press("Escape")
    expect(field).to_be_focused()
    expect(panel).to_be_hidden()

    # Tab also walks into the hits; leaving the search closes them.
    field.press("Backspace")
    expect(panel).to_be_visible()
    field.press("Tab")
    expect(page.locator("#site-search-results a").first).to_be_focused()
    page.locator("#main").click(position={"x": 5, "y": 5})
    expect(panel).to_be_hidden()

    # Enter on a hit opens it.
    page.keyboard.press("/")
    expect(panel).to_be_visible()
    field.press("ArrowDown")
    first = links.nth(0).inner_text()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(first)


def test_enter_in_the_header_search_opens_the_full_results(page, directory_ids, axe_check):
    log_in(page, "agent")
    page.goto("/bolag")
    page.keyboard.press("Alt+s")
    field = _search_field(page)
    field.press_sequentially("lindberg", delay=30)
    expect(page.locator("#site-search-results .hit__link")).to_have_count(10)
    field.press("Enter")
    expect(page).to_have_url(re.compile(r"/katalog\?q=lindberg$"))
    expect(page.get_by_role("heading", level=1, name="Sök i katalogen")).to_be_visible()
    expect(page.locator("#directory-hits .hit")).to_have_count(10)
    expect(_search_field(page)).to_have_value("lindberg")


def test_the_agent_start_page_leads_with_the_search(page, directory_ids, axe_check):
    log_in(page, "agent")
    field = _search_field(page)
    # The first thing on the page after its heading, with the focus already in it.
    expect(page.locator("#main .site-search")).to_have_count(1)
    expect(page.locator(".site-header .site-search")).to_have_count(0)
    expect(field).to_be_focused()
    first_box = page.evaluate("() => document.querySelector('#main h1').nextElementSibling?.matches('.site-search')"
                              " || document.querySelector('#main .page-heading').nextElementSibling"
                              "?.matches('.site-search')")
    assert first_box, "the search does not come first on the start page"
    page.keyboard.type("lindberg")
    expect(page.locator("#site-search-results .hit__link")).to_have_count(10)
    axe_check(page, "the agent start page with hits")
    screenshot(page, "agent_start_page_search")


def _window_screenshot(page, name):
    """What the agent sees without scrolling (the conftest's screenshots are of the whole page)."""
    SCREENSHOT_DIR.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / f"{name}.png"), full_page=False)


def _visible_hits(page, selector):
    return page.evaluate(FULLY_VISIBLE, selector)


def _assert_hits_show_what_an_agent_forwards(hits):
    for text in hits:
        if "Lindbergska badet" in text:
            assert "0920-45 39 90" in text and "Mån–fre 6–21" in text, text
            continue
        number = re.search(r"46(\d\d)", text).group(1)
        assert "Handläggare" in text and "förvaltningen" in text, text  # title and unit
        assert f"46{number}" in text, text  # extension
        assert f"0920-45 46 {number}" in text, text  # direct number
        assert "Nås bäst förmiddagar" in text, text  # the reach note


def test_six_hits_fit_a_laptop_screen_on_the_results_page(page, directory_ids):
    page.set_viewport_size(LAPTOP)
    log_in(page, "agent")
    page.goto("/katalog?q=lindberg")
    expect(page.locator("#directory-hits .hit")).to_have_count(10)
    hits = _visible_hits(page, "#directory-hits .hit")
    _window_screenshot(page, "agent_search_results_1366")
    assert len(hits) >= 6, f"only {len(hits)} hits fit at 1366×768"
    _assert_hits_show_what_an_agent_forwards(hits)


def test_six_hits_fit_a_laptop_screen_in_the_header_and_on_the_start_page(page, directory_ids):
    page.set_viewport_size(LAPTOP)
    log_in(page, "agent")
    # Typed once the cursor is in the box, as a person does: a key pressed before the page's
    # autofocus lands nowhere, and "indberg" finds the Lindbergs only as similar names.
    expect(_search_field(page)).to_be_focused()
    page.keyboard.type("lindberg")
    expect(page.locator("#site-search-results .hit")).to_have_count(10)
    start_hits = _visible_hits(page, "#site-search-results .hit")
    _window_screenshot(page, "agent_start_hits_1366")

    page.goto("/arenden")
    page.keyboard.press("/")
    expect(_search_field(page)).to_be_focused()
    page.keyboard.type("lindberg")
    expect(page.locator("#site-search-results .hit")).to_have_count(10)
    header_hits = _visible_hits(page, "#site-search-results .hit")
    _window_screenshot(page, "agent_header_hits_1366")

    assert not any("Liknande namn" in text for text in start_hits + header_hits), "exact names shown as similar"
    assert len(start_hits) >= 6, f"only {len(start_hits)} hits fit on the start page at 1366×768"
    assert len(header_hits) >= 6, f"only {len(header_hits)} hits fit below the header at 1366×768"
    _assert_hits_show_what_an_agent_forwards(start_hits + header_hits)


def test_an_employee_has_no_search_box_and_no_shortcut(page, directory_ids):
    log_in(page, "employee")
    expect(page.locator(".site-search")).to_have_count(0)
    page.keyboard.press("/")
    page.keyboard.press("Alt+s")
    expect(page).to_have_url(re.compile(r"/start/employee$"))


def test_a_header_search_that_fails_says_so_below_the_header(page, directory_ids, axe_check):
    log_in(page, "agent")
    page.goto("/arenden")
    page.route(re.compile(r"/katalog\?q="), lambda route: route.fulfill(status=503, body="inte nu"))
    page.keyboard.press("/")
    page.keyboard.type("lindberg")
    alert = page.locator(".site-search").get_by_role("alert")
    expect(alert).to_contain_text("Innehållet kunde inte hämtas. Kundweb når inte databasen just nu.")
    box = alert.bounding_box()
    header = page.locator(".site-header__inner").bounding_box()
    assert box["y"] >= header["y"] + header["height"] - 1 and box["width"] > 600, "the message is squeezed into the header"
    expect(_search_field(page)).to_be_focused()  # the agent goes on typing
    axe_check(page, "the enquiry page with a failed header search")
    screenshot(page, "agent_search_header_failed")

    # Closed with the search, so it never hides the menu for long.
    page.keyboard.press("Escape")
    expect(alert).to_have_count(0)

    page.unroute(re.compile(r"/katalog\?q="))
    page.keyboard.press("Backspace")
    expect(page.locator("#site-search-results .hit")).to_have_count(10)
    expect(alert).to_have_count(0)

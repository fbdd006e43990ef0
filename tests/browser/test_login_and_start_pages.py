"""Logging in and out in a real browser: accessibility, keyboard use, the back button, no JavaScript."""
import re

import pytest
from playwright.sync_api import expect

from kundweb.auth.models import UserSession
from kundweb.extensions import db
from tests.browser.conftest import log_in, screenshot
from tests.conftest import DEMO_PASSWORDS

START_HEADINGS = {"employee": "Hej Anna!", "agent": "Kundtjänst",
                  "communicator": "Kommunikation", "admin": "Administration"}
DISPLAY_NAMES = {"employee": "Anna Andersson", "agent": "Bertil Öberg",
                 "communicator": "Cecilia Lindström", "admin": "David Nilsson"}
# The page's text without the demo-accounts list, which names every demo user on purpose.
TEXT_OUTSIDE_DEMO_LIST = """() => {
  const body = document.body.cloneNode(true);
  body.querySelectorAll('.demo-users').forEach((el) => el.remove());
  return body.textContent;
}"""
# Boxes whose content overflows their edge; a wide table must scroll inside a .table-wrap instead.
SPILLING_BOXES = """() => [...document.querySelectorAll('.card, .login-card, .demo-users')]
  .filter((box) => box.scrollWidth > box.clientWidth + 1)
  .map((box) => (box.querySelector('h1, h2') || box).textContent.trim())"""


def expect_login_form(page):
    expect(page).to_have_url(re.compile(r"/login(\?|$)"))
    expect(page.get_by_role("heading", level=1, name="Logga in på Kundweb")).to_be_visible()
    expect(page.get_by_label("Användarnamn")).to_be_visible()
    expect(page.get_by_label("Lösenord")).to_be_visible()


def test_login_page_is_accessible(page, axe_check):
    page.goto("/login")
    expect_login_form(page)
    axe_check(page, "the login page")
    screenshot(page, "login")


@pytest.mark.parametrize("role", ["employee", "agent", "communicator", "admin"])
def test_each_role_lands_on_an_accessible_start_page(page, axe_check, role):
    log_in(page, role)
    expect(page.get_by_role("heading", level=1, name=START_HEADINGS[role])).to_be_visible()
    expect(page.locator(".site-header")).to_contain_text(DISPLAY_NAMES[role])
    expect(page.get_by_role("button", name="Logga ut")).to_be_visible()
    axe_check(page, f"the {role} start page")
    assert page.evaluate(SPILLING_BOXES) == [], "content spills out of these boxes"
    screenshot(page, f"start_{role}")


def test_back_after_logout_shows_nothing_of_the_session(page, app, playwright, live_server):
    responses = {}
    page.on("response", lambda r: responses.setdefault(r.url.split("?")[0].removeprefix(live_server), r))

    log_in(page, "agent")
    expect(page.get_by_role("heading", level=1, name="Kundtjänst")).to_be_visible()
    expect(page.locator(".site-header")).to_contain_text("Bertil Öberg")
    # no-store: the browser keeps no copy of the page, so going back must ask the server again.
    assert responses["/start/agent"].all_headers().get("cache-control") == "no-store"
    session_cookie = {c["name"]: c["value"] for c in page.context.cookies()}

    page.get_by_role("button", name="Logga ut").click()
    expect(page.get_by_role("status")).to_contain_text("Du är utloggad")
    assert "cache" in responses["/logout"].all_headers().get("clear-site-data", "")

    response = page.go_back()
    # Going back asked the server again (no cached copy, no back/forward cache),
    # and the server sent the visitor on to the login form.
    assert response is not None, "the page came back from the back/forward cache"
    assert response.request.redirected_from is not None, f"{response.url} was shown from the cache"
    assert response.request.redirected_from.url.endswith("/start/agent")
    expect_login_form(page)
    expect(page.get_by_role("heading", name="Kundtjänst")).to_have_count(0)
    expect(page.get_by_role("button", name="Logga ut")).to_have_count(0)
    assert "Bertil Öberg" not in page.evaluate(TEXT_OUTSIDE_DEMO_LIST)

    # The server ended the session: the old cookie, replayed, opens nothing.
    with app.app_context():
        ended = db.session.execute(db.select(UserSession).filter_by(username="bertil")).scalar_one()
        assert ended.ended_at is not None and ended.end_reason == "logout"
        db.session.remove()
    replay = playwright.request.new_context(base_url=live_server, extra_http_headers={
        "Cookie": "; ".join(f"{name}={value}" for name, value in session_cookie.items())})
    try:
        stale = replay.get("/start/agent", max_redirects=0)
        assert stale.status == 302 and "/login" in stale.headers["location"]
    finally:
        replay.dispose()


def test_first_tab_reaches_a_visible_skip_link_that_moves_focus_to_main(page):
    page.goto("/login")
    skip_link = page.get_by_role("link", name="Hoppa till innehållet")
    expect(skip_link).not_to_be_in_viewport()

    page.keyboard.press("Tab")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport(ratio=1)

    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    # The next Tab continues inside the main content, not back in the header.
    page.keyboard.press("Tab")
    expect(page.get_by_label("Användarnamn")).to_be_focused()


def test_login_and_logout_work_without_javascript(new_context):
    page = new_context(java_script_enabled=False).new_page()
    log_in(page, "employee")
    # Playwright's own evaluate still works; the page's scripts (htmx) never ran.
    assert page.evaluate("() => typeof window.htmx") == "undefined"
    expect(page.get_by_role("heading", level=1, name="Hej Anna!")).to_be_visible()

    page.get_by_role("button", name="Logga ut").click()
    expect(page.get_by_role("status")).to_contain_text("Du är utloggad")
    expect_login_form(page)
    page.goto("/start/employee")
    expect_login_form(page)


def test_wrong_password_is_announced_accessibly(page, axe_check):
    username, _ = DEMO_PASSWORDS["agent"]
    page.goto("/login")
    page.get_by_label("Användarnamn").press_sequentially(username)
    page.get_by_label("Lösenord").press_sequentially("fel-lösenord")
    page.get_by_label("Lösenord").press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Fel användarnamn eller lösenord")
    axe_check(page, "the login page with an error")
    screenshot(page, "login_error")


@pytest.mark.parametrize("role", [None, "agent", "admin"])
def test_pages_reflow_on_a_320_pixel_wide_screen(page, role):
    """WCAG 1.4.10: at 320 CSS px nothing but a data table may scroll sideways."""
    page.set_viewport_size({"width": 320, "height": 640})
    if role:
        log_in(page, role)
    else:
        page.goto("/login")
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the screen"
    assert page.evaluate(SPILLING_BOXES) == [], "content spills out of these boxes"
    screenshot(page, f"{'start_' + role if role else 'login'}_320px")

"""Admins edit opening hours in a real browser: preview first, then save; every page says open or closed."""
import re
from datetime import date, timedelta

from playwright.sync_api import expect

from tests.browser.conftest import log_in, screenshot


def _an_open_day_in_two_weeks(app):
    from kundweb.hours import services

    today = date.today()
    with app.app_context():
        days = services.calendar_between(today + timedelta(days=7), today + timedelta(days=30))
    return next(day.date for day in days if day.open).isoformat()


def test_admin_previews_then_saves_an_exception(app, page, axe_check):
    day = _an_open_day_in_two_weeks(app)
    log_in(page, "admin")
    page.get_by_role("link", name="Öppettider").click()
    expect(page.get_by_role("heading", level=1, name="Öppettider")).to_be_visible()
    expect(page.locator("#open-now")).to_contain_text(re.compile(r"Kundcenter: (Öppet nu, stänger|Stängt, öppnar)"))
    axe_check(page, "the opening-hours admin page")
    exceptions = page.get_by_role("region", name="Undantag för enstaka dagar")
    exceptions.get_by_label("Datum").fill(day)
    exceptions.get_by_label("Typ").select_option("closed")
    exceptions.get_by_label("Anledning").fill("Personalutbildning")
    exceptions.get_by_role("button", name="Förhandsgranska").click()
    expect(page.get_by_role("heading", name="Förhandsgranskning: undantag")).to_be_visible()
    expect(page.get_by_text("1 dag ändras de närmaste 60 dagarna")).to_be_visible()
    screenshot(page, "hours_admin_preview")
    axe_check(page, "the opening-hours preview")
    page.get_by_role("region", name="Undantag för enstaka dagar").get_by_role("button", name="Spara undantaget").click()
    expect(page.get_by_text("Undantaget är sparat.")).to_be_visible()
    expect(page.get_by_role("region", name="Undantag för enstaka dagar")).to_contain_text(day)
    screenshot(page, "hours_admin")

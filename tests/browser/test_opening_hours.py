"""Admins edit opening hours in a real browser: preview first, then save; every page says open or closed."""
import re
from datetime import date, timedelta

from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOT_DIR, log_in, screenshot
from tests.browser.test_crisis_hours import tab_to


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


def test_admin_edits_the_weekly_default_by_keyboard_with_a_preview(app, page, axe_check):
    log_in(page, "admin")
    page.get_by_role("link", name="Öppettider").click()
    weekly = page.get_by_role("region", name="Ordinarie veckoschema", exact=True)
    friday, saturday = weekly.get_by_role("group", name="Fredag"), weekly.get_by_role("group", name="Lördag")
    expect(saturday.get_by_label("Stängt")).to_be_checked()
    friday.get_by_label("Stänger").fill("14:00")
    tab_to(page, saturday.get_by_label("Stängt"))  # the next stops after Friday's closing time
    page.keyboard.press("Space")
    expect(saturday.get_by_label("Stängt")).not_to_be_checked()
    tab_to(page, saturday.get_by_label("Öppnar"))
    saturday.get_by_label("Öppnar").fill("10:00")
    saturday.get_by_label("Stänger").fill("14:00")
    weekly.get_by_role("button", name="Förhandsgranska").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Förhandsgranskning: ordinarie veckoschema")).to_be_visible()
    expect(page.get_by_text(re.compile(r"\d+ dagar ändras mellan"))).to_be_visible()
    axe_check(page, "the weekly default preview")
    screenshot(page, "hours_weekly_preview")
    page.locator("section", has=page.locator("#preview-heading")).screenshot(
        path=str(SCREENSHOT_DIR / "hours_weekly_preview_card.png"))
    page.get_by_role("region", name="Ordinarie veckoschema", exact=True).screenshot(path=str(SCREENSHOT_DIR / "hours_weekly_card.png"))
    page.get_by_role("region", name="Ordinarie veckoschema", exact=True).get_by_role("button", name="Spara veckoschemat").click()
    expect(page.get_by_text("Veckoschemat är sparat.")).to_be_visible()
    weekly = page.get_by_role("region", name="Ordinarie veckoschema", exact=True)
    expect(weekly.get_by_role("group", name="Fredag").get_by_label("Stänger")).to_have_value("14:00")
    expect(weekly.get_by_role("group", name="Lördag").get_by_label("Stängt")).not_to_be_checked()
    axe_check(page, "the opening-hours page after saving the week")

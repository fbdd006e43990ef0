"""A communicator gives a crisis message extended opening hours on chosen days, by keyboard."""
from playwright.sync_api import expect

from tests.browser.conftest import log_in, screenshot


def tab_to(page, target, max_presses=8):
    """Press Tab until `target` has the focus (time and date inputs have a stop per segment)."""
    for _ in range(max_presses):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{target} was not reached with {max_presses} presses of Tab")


def test_crisis_form_extension_days_and_holiday_box_by_keyboard(app, page, axe_check):
    log_in(page, "communicator")
    page.get_by_role("link", name="Krisinformation").click()
    page.get_by_role("link", name="Nytt krismeddelande").click()
    page.get_by_label("Rubrik").fill("Storm i Luleå")
    page.get_by_label("Text").fill("Stormen har fällt träd över ledningar.")
    page.get_by_label("Kundcenter öppnar").fill("07:00")
    page.get_by_label("Kundcenter stänger").fill("21:00")
    hint = page.locator("#hours-days-hint")
    expect(hint).to_contain_text("högst 7 dagar framåt")
    first_day = page.get_by_label("Utökade tider gäller från och med")
    tab_to(page, first_day)
    expect(first_day).to_have_attribute("aria-describedby", "hours-days-hint")
    first_day.fill("2026-12-28")
    page.get_by_label("Utökade tider gäller till och med").fill("2026-12-21")  # before the first: refused
    holidays = page.get_by_label("Gäller även helgdagar")
    tab_to(page, holidays)
    page.keyboard.press("Space")
    expect(holidays).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Spara utkast och förhandsgranska"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Sista dagen för de utökade öppettiderna får inte vara före den första.")).to_be_visible()
    axe_check(page, "the crisis form with an error in the extension days")
    page.get_by_label("Utökade tider gäller till och med").fill("2027-01-03")
    screenshot(page, "crisis_hours_form")
    page.get_by_role("button", name="Spara utkast och förhandsgranska").click()
    expect(page.get_by_role("heading", name="Så här ser bannern ut")).to_be_visible()
    expect(page.get_by_text("från 2026-12-28")).to_be_visible()
    expect(page.get_by_text("även helgdagar")).to_be_visible()
    axe_check(page, "the crisis preview with extended hours")
    screenshot(page, "crisis_hours_preview")

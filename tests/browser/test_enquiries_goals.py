"""Enquiry logging with the keyboard only, the counts, and the service-goal dashboard, in a real browser."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOT_DIR, log_in, screenshot


def _seed(app):
    from kundweb.audit.services import Actor
    from kundweb.enquiries import services

    admin = Actor("david", frozenset({"admin"}))
    with app.app_context():
        services.add_category(admin, "Stadsbyggnadsförvaltningen", "Bygglov")
        services.add_category(admin, "Lulebo AB", "Bostadskö")
        services.add_category(admin, "Barn- och utbildningsförvaltningen", "Förskoleplats")
        services.add_target(admin, "company", "Luleå Energi AB")


def test_agent_logs_three_enquiries_with_the_keyboard_and_the_dashboard_shows_them(app, page, axe_check):
    _seed(app)
    agent = log_in(page, "agent")
    agent.goto("/arenden")
    expect(agent.get_by_role("heading", level=1, name="Logga ärende")).to_be_visible()
    axe_check(agent, "the enquiry form")
    today = agent.locator("#enquiry-today")
    expect(today).to_contain_text("Du0")

    # 1: nothing remembered yet. Focus starts on the channel: Space picks Telefon, Tab to the
    # category search, type, Enter jumps to the filtered list, Enter saves.
    expect(agent.get_by_label("Telefon")).to_be_focused()
    agent.keyboard.press("Space")
    agent.keyboard.press("Tab")
    expect(agent.get_by_label("Sök kategori")).to_be_focused()
    agent.keyboard.type("bostad")
    expect(agent.locator("#category-matches")).to_contain_text("1 kategori matchar")
    agent.keyboard.press("Enter")
    expect(agent.get_by_label("Kategori", exact=True)).to_be_focused()
    agent.keyboard.press("Enter")
    expect(today).to_contain_text("Sparat: Telefon · Bostadskö · besvarad direkt i kundcenter")
    expect(today).to_contain_text("Du1")

    # 2: a typical call. Channel and category are remembered and the focus is on Spara: one key.
    save = agent.get_by_role("button", name="Spara ärendet")
    expect(save).to_be_focused()
    agent.keyboard.press("Enter")
    expect(today).to_contain_text("Du2")
    expect(save).to_be_focused()

    # 3: forwarded to a company: back to the outcome, arrow to "Vidarebefordrad", Tab to the
    # recipient list that appears, arrow to the first one, Enter saves.
    for _ in range(3):
        agent.keyboard.press("Shift+Tab")
    expect(agent.get_by_label("Besvarad direkt i Kundcenter")).to_be_focused()
    agent.keyboard.press("ArrowDown")
    expect(agent.get_by_label("Vidarebefordrad", exact=True)).to_be_checked()
    agent.keyboard.press("Tab")
    expect(agent.get_by_label("Vidarebefordrad till")).to_be_focused()
    agent.keyboard.press("ArrowDown")
    agent.keyboard.press("Enter")
    expect(today).to_contain_text("Sparat: Telefon · Bostadskö · vidarebefordrad (Luleå Energi AB)")
    expect(today).to_contain_text("Du3")
    expect(agent.get_by_text(re.compile(r"Senast: Telefon · Bostadskö · vidarebefordrad"))).to_be_visible()
    axe_check(agent, "the enquiry form after saving")
    screenshot(agent, "enquiry_form_after_three")

    # The dashboard, this month: 2 of 3 answered directly.
    agent.get_by_role("link", name="Servicemål", exact=True).click()
    agent.get_by_role("link", name="Denna månad (pågår)").click()
    direct = agent.locator(".goal-card").filter(has_text="Svar direkt i Kundcenter")
    expect(direct).to_contain_text("66,7 %")
    expect(direct).to_contain_text("2 av 3 ärenden")
    expect(direct).to_contain_text("Ej uppfyllt")
    expect(agent.get_by_role("img", name=re.compile("Svar direkt i Kundcenter"))).to_be_visible()
    expect(agent.get_by_role("cell", name="Bostadskö")).to_have_count(0)  # category rows are row headers
    expect(agent.get_by_role("rowheader", name=re.compile("Bostadskö"))).to_be_visible()
    agent.get_by_text("Visa som tabell").first.click()
    axe_check(agent, "the service-goal dashboard")
    screenshot(agent, "goals_dashboard_this_month")


def test_after_an_error_the_next_save_clears_it_and_a_quick_second_enter_logs_once(app, page):
    """A wait time that is not one shows an error; the corrected save takes the whole form back to normal.
    Enter pressed twice while the first save is under way logs one enquiry, not two."""
    _seed(app)
    agent = log_in(page, "agent")
    agent.goto("/arenden")
    today = agent.locator("#enquiry-today")
    agent.get_by_label("Telefon").check()
    agent.get_by_label("Kategori", exact=True).select_option(label="Bygglov")
    wait = agent.get_by_label("Väntetid i kö (samtal)")
    wait.fill("två minuter")
    wait.press("Enter")
    expect(agent.get_by_role("alert")).to_contain_text("Skriv väntetiden som sekunder")
    expect(agent.locator("#wait")).to_have_attribute("aria-invalid", "true")
    expect(today).to_contain_text("Du0")

    agent.locator("#wait").fill("2:30")
    agent.locator("#wait").press("Enter")
    expect(today).to_contain_text("Du1")
    expect(agent.get_by_role("alert")).to_have_count(0)
    expect(agent.locator("#wait")).to_have_value("")
    expect(agent.locator("#wait")).not_to_have_attribute("aria-invalid", "true")
    save = agent.get_by_role("button", name="Spara ärendet")
    expect(save).to_be_focused()

    # A double Enter: the second submit comes while the first save is still under way (both in
    # one script task, so the timing is certain). One enquiry, not two.
    agent.evaluate("() => { const form = document.querySelector('form.enquiry-form');"
                   " form.requestSubmit(); form.requestSubmit(); }")
    expect(today).to_contain_text("Du2")
    agent.wait_for_timeout(500)  # time for a second request, if one had gone out
    expect(today).to_contain_text("Du2")
    expect(save).to_be_focused()
    save.press("Enter")  # the next enquiry is saved as usual
    expect(today).to_contain_text("Du3")


def test_demo_dashboard_and_public_results(app, page, axe_check):
    """With the demo's two years of figures: the charts tell a story, the public page shows closed months."""
    from kundweb.demo.goals_seed import seed_goals

    with app.app_context():
        seed_goals()
    log_in(page, "admin")
    page.goto("/servicemal")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Servicemålen:")
    expect(page.locator(".goal-status--met").first).to_be_visible()
    expect(page.locator(".goal-status--missed").first).to_be_visible()
    expect(page.locator("svg.chart__svg")).to_have_count(4)
    axe_check(page, "the demo dashboard")
    screenshot(page, "goals_dashboard_demo")
    page.locator(".chart-grid").screenshot(path=str(SCREENSHOT_DIR / "goals_charts_demo.png"))  # readable?
    page.get_by_role("link", name="Telefoni och bemanning").click()
    expect(page.get_by_role("table", name=re.compile("Inkommande samtal"))).to_be_visible()
    expect(page.locator(".figure-list")).to_contain_text("Medelväntetid (ASA)")
    axe_check(page, "the demo telephony page")
    page.locator("#volume-heading").locator("..").screenshot(path=str(SCREENSHOT_DIR / "goals_heat_map_demo.png"))
    page.goto("/resultat")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Så går det för Kundcenter")
    expect(page.get_by_role("table")).to_be_visible()
    axe_check(page, "the public results page")
    screenshot(page, "goals_public_results")


def test_admin_removes_a_target_entered_by_mistake_from_the_keyboard(app, page, axe_check):
    from datetime import datetime, timezone

    from kundweb.audit.services import Actor
    from kundweb.goals import services

    with app.app_context():
        services.add_target(Actor("david", frozenset({"admin"})), "direct", 95, "2025-01",
                            now=datetime(2025, 1, 2, tzinfo=timezone.utc))
    log_in(page, "admin")
    page.goto("/servicemal/mal")
    remove = page.get_by_role("button", name="Ta bort svar direkt i kundcenter från 2025-01")
    expect(remove).to_be_visible()
    axe_check(page, "the targets page")
    screenshot(page, "goals_targets_with_history")
    remove.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".notice--success")).to_contain_text("är borttagen")
    expect(page.get_by_role("button", name="Ta bort svar direkt i kundcenter från 2025-01")).to_have_count(0)


def _seed_telephony(app):
    """November 2026: calls Monday to Friday 08-16 local, busiest on Monday mornings, and a few enquiries."""
    from datetime import date, datetime, timedelta, timezone

    from kundweb.audit.services import Actor
    from kundweb.enquiries import services as enquiries
    from kundweb.goals import services

    admin = Actor("david", frozenset({"admin"}))
    lines = ["tidpunkt;väntetid i sekunder;besvarat"]
    day = date(2026, 11, 2)
    while day <= date(2026, 11, 27):
        if day.weekday() < 5:
            for hour in range(8, 17):
                busy = 6 if (day.weekday() == 0 and hour < 11) else 2 + (hour == 13)
                for n in range(busy):
                    wait = 30 + 40 * n + 10 * hour
                    lines.append(f"{day.isoformat()} {hour:02d}:{5 * n:02d};{wait};{'nej' if n == 5 else 'ja'}")
        day += timedelta(days=1)
    with app.app_context():
        services.import_telephony(admin, "samtal.csv", "\n".join(lines).encode(), kind="telephony_call")
        category = enquiries.add_category(admin, "Lulebo AB", "Bostadskö")
        for hour, channel, wait in [(8, "telefon", 95), (9, "telefon", 300), (9, "epost", None), (14, "besok", None)]:
            enquiries.log_enquiry(Actor("bertil", frozenset({"agent"})),
                                  enquiries.EnquiryInput(channel, category.id, "direct", wait_seconds=wait),
                                  now=datetime(2026, 11, 3, hour - 1, 10, tzinfo=timezone.utc))


def test_manager_reads_telephony_and_the_heat_map_downloads_excel_and_closes_a_month_with_a_reason(app, page, axe_check):
    _seed_telephony(app)
    log_in(page, "admin")
    page.goto("/servicemal?from=2026-11&to=2026-11")
    with page.expect_download() as download:
        page.get_by_role("link", name="Ladda ner Excel (.xlsx)").click()
    assert download.value.suggested_filename == "servicemal-2026-11.xlsx"

    page.get_by_role("link", name="Telefoni och bemanning").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Telefoni och bemanning: november 2026")
    expect(page.locator(".figure-list")).to_contain_text("Avhoppsfrekvens")
    heat = page.get_by_role("table", name=re.compile("Inkommande samtal"))
    expect(heat).to_be_visible()
    expect(heat.get_by_role("columnheader", name="mån")).to_be_visible()
    monday_eight = heat.get_by_role("row", name=re.compile("^08–09")).get_by_role("cell").nth(0)
    expect(monday_eight).to_have_text("24")  # 6 calls on each of four Mondays
    expect(monday_eight).to_have_class("heat-4")
    expect(page.locator("#sample-heading")).to_have_text("Handläggarnas stickprov: loggade väntetider")
    axe_check(page, "the telephony and staffing page")
    screenshot(page, "goals_telephony_heat_map")
    page.get_by_role("link", name="Loggade ärenden, alla kanaler").click()
    expect(page.get_by_role("table", name=re.compile("Loggade ärenden, alla kanaler"))).to_contain_text("2")
    axe_check(page, "the heat map of logged enquiries")

    page.goto("/servicemal?from=2026-11&to=2026-11")
    page.get_by_role("link", name="Stäng november 2026").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Stäng november 2026")
    page.get_by_label("Anledning", exact=True).fill("Månadsrapport till kommunstyrelsen")
    page.get_by_role("button", name="Stäng månaden").click()
    expect(page.locator("#confirm-error")).to_contain_text("Bekräfta")
    expect(page.get_by_label("Anledning", exact=True)).to_have_value("Månadsrapport till kommunstyrelsen")
    axe_check(page, "the close-month page with an error")
    page.get_by_label("Ja, stäng november 2026 och fastställ siffrorna").check()
    screenshot(page, "goals_close_month_with_reason")
    page.get_by_role("button", name="Stäng månaden").click()
    expect(page.locator(".notice--success")).to_contain_text("November 2026 är stängd")
    expect(page.locator(".month-list")).to_contain_text("Månadsrapport till kommunstyrelsen")
    expect(page.get_by_role("link", name="Öppna igen november 2026")).to_be_visible()
    axe_check(page, "the dashboard with a closed month and its reason")
    page.locator(".month-list").screenshot(path=str(SCREENSHOT_DIR / "goals_month_list_with_reason.png"))

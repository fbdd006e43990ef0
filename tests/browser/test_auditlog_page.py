"""An admin reads the audit log in a real browser: filter without reload, open details, check the chain."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import log_in, screenshot


def test_admin_filters_the_log_and_checks_the_chain(page, axe_check):
    log_in(page, "admin")
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Granskningslogg").click()
    expect(page.get_by_role("heading", level=1, name="Granskningslogg")).to_be_visible()
    results = page.get_by_role("region", name="Händelser i granskningsloggen")
    expect(results).to_contain_text("Inloggning")  # the admin's own login, in Swedish
    axe_check(page, "the audit log page")
    page.get_by_label("Område").select_option("inloggning")
    page.get_by_label("Vem (användarnamn)").fill("david")
    page.get_by_role("button", name="Visa händelser").click()
    expect(page).to_have_url(re.compile(r"area=inloggning.*actor=david"))
    expect(results.locator("tbody tr").first).to_contain_text("david")
    results.locator("details summary").first.click()
    expect(results.locator("details[open] code").first).to_contain_text("roles")
    screenshot(page, "auditlog_filtered")
    page.get_by_role("button", name="Kontrollera hela loggen").click()
    expect(page.get_by_text("Kedjan är hel")).to_be_visible()
    axe_check(page, "the audit log after the chain check")
    screenshot(page, "auditlog_checked")

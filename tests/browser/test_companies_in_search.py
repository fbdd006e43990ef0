"""Agents meet a company's routing where they work: typing in the directory search."""
import re

from playwright.sync_api import expect

from kundweb.database import utcnow
from kundweb.directory import services as directory
from tests.browser.conftest import log_in, screenshot
from tests.companies_helpers import ADMIN, case_in, today


def test_agent_finds_the_company_route_while_typing(app, page, axe_check, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "COMPANY_ATTACHMENT_DIR", str(tmp_path / "bilagor"))
    with app.app_context():
        case_in("effective")
        directory.save_function(ADMIN, None, directory.FunctionInput(
            name="Felanmälan fjärrvärme", phone="0920-29 35 50",
            unit_id=directory.unit_named("Fjärrvärme", utcnow()).id), utcnow())
    log_in(page, "agent")
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Sök i katalogen").click()
    # Typed once the search page has loaded: until then the label is the start page's own box, and
    # keys typed before the page's scripts run send no search (both seen on a busy machine).
    page.wait_for_url(re.compile(r"/katalog$"))
    page.get_by_label("Sök person, enhet, funktion eller nummer").press_sequentially("fjärrv")
    companies = page.get_by_role("list", name="Kommunala bolag")
    expect(companies).to_contain_text(f"Egen kundtjänst sedan {today().isoformat()}")
    expect(companies).to_contain_text("0920-29 35 00")
    expect(page.get_by_role("list", name="Träffar")).to_contain_text(
        "Luleå Energi AB: egen kundtjänst sedan")
    axe_check(page, "the directory search with a company hit")
    screenshot(page, "companies_directory_search")

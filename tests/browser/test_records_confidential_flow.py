"""A confidential record item in a real browser: the agent sees it masked, is offered no action on it,
and is told whom to ask."""
from playwright.sync_api import expect

from tests.browser.conftest import log_in, screenshot
from tests.records_helpers import (  # noqa: F401 - clean_store is an autouse fixture
    ADMIN, EMPLOYEE, clean_store, register,
)


def test_an_agent_is_told_who_may_document_a_confidential_item(app, page, axe_check):
    from kundweb.records import services

    with app.app_context():
        services.add_business_system(ADMIN, "Ärendehanteringen (diariet)")
        item_id = register(EMPLOYEE, confidential=True, legal_ground="OSL 26 kap. 1 §", sender="Hemliga Hanna",
                           description="Uppgifter om hennes hälsa").id
    log_in(page, "agent")
    page.goto(f"/handlingar/{item_id}")
    expect(page.get_by_role("heading", level=2, name="Dokumentera eller avsluta")).to_be_visible()
    who = page.locator("#handlers + .notice")
    expect(who).to_contain_text("Anna Andersson")
    expect(who).to_contain_text("Administratör")
    expect(page.get_by_role("button", name="Spara dokumentationen")).to_have_count(0)
    expect(page.get_by_role("button", name="Avsluta handlingen")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text("Hemliga Hanna")
    axe_check(page, "a confidential item as an agent sees it")
    screenshot(page, "records_confidential_agent")

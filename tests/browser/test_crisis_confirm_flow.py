"""Publishing by keyboard alone: a past start leads to the confirmation page, nothing goes out before it."""
import re
from datetime import timedelta

from playwright.sync_api import expect

from tests.browser.conftest import log_in, screenshot


def _tab_to(page, name, limit=60):
    """Press Tab until the focused element's accessible text is `name` (bounded)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        text = page.evaluate("() => (document.activeElement.innerText || document.activeElement.value || '').trim()")
        if text == name:
            return
    raise AssertionError(f"{name!r} not reached by Tab")


def test_a_past_start_is_confirmed_by_keyboard_before_it_publishes(app, page, axe_check):
    from kundweb.audit.services import Actor
    from kundweb.crisis import services
    from kundweb.database import utcnow

    with app.app_context():
        message = services.create_message(Actor("cecilia", frozenset({"communicator"})), services.MessageInput(
            "Strömavbrott i Bergnäset", "Elen är borta. Mer: https://www.lulea.se/el", "critical"))
        message_id = message.id
    log_in(page, "communicator")
    page.goto(f"/kris/{message_id}")
    two_days_ago = (utcnow() - timedelta(days=2)).astimezone(services.STOCKHOLM)
    # The value goes in with fill (Chromium's date-time widget has no stable keystrokes); every
    # move and every button afterwards is the keyboard.
    start = page.get_by_label("Visas från")
    start.fill(two_days_ago.strftime("%Y-%m-%dT%H:%M"))
    start.focus()
    _tab_to(page, "Schemalägg")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1, name="Bekräfta publiceringen")).to_be_visible()
    expect(page.get_by_text("har redan passerats")).to_be_visible()
    expect(page.locator(".confirm-times dd").first).to_have_text("nu")
    expect(page.locator(".preview .crisis-banner--critical")).to_contain_text("Strömavbrott i Bergnäset")
    expect(page.locator("#crisis-banner .crisis-banner")).to_have_count(0)  # still not out
    axe_check(page, "the publish confirmation page")
    screenshot(page, "crisis_publish_confirm")

    # Back to edit keeps the typed start; then forward again and confirm.
    _tab_to(page, "Tillbaka och ändra tiderna")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Visas från")).to_have_value(two_days_ago.strftime("%Y-%m-%dT%H:%M"))
    with app.app_context():
        assert services.get_message(message_id).status(utcnow()) == "draft"
    page.get_by_label("Visas från").focus()
    _tab_to(page, "Schemalägg")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Bekräfta publiceringen")).to_be_visible()
    _tab_to(page, "Bekräfta och publicera nu")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Meddelandet är publicerat och visas nu.")).to_be_visible()
    expect(page.locator("#crisis-banner").get_by_role("alert")).to_contain_text("Strömavbrott i Bergnäset")
    axe_check(page, "the message page after publishing")
    screenshot(page, "crisis_publish_done")
    with app.app_context():
        assert services.get_message(message_id).status(utcnow()) == "active"
    assert re.search(r"/kris/\d+$", page.url)


def test_four_eyes_a_critical_message_waits_for_a_second_communicator(app, browser, browser_context_args, page,
                                                                        axe_check, monkeypatch):
    from kundweb.audit.services import Actor
    from kundweb.crisis import services

    monkeypatch.setitem(app.config, "CRISIS_REQUIRE_APPROVAL", True)
    with app.app_context():
        message_id = services.create_message(Actor("cecilia", frozenset({"communicator"})), services.MessageInput(
            "Utrym området kring hamnen", "Gasläcka vid hamnen. Håll dig inomhus.", "critical")).id
    log_in(page, "communicator")
    page.goto(f"/kris/{message_id}")
    _tab_to(page, "Publicera nu")
    page.keyboard.press("Enter")
    expect(page.get_by_text("måste godkännas av en annan kommunikatör")).to_be_visible()
    _tab_to(page, "Skicka för godkännande")
    page.keyboard.press("Enter")
    expect(page.locator(".status-tag--pending")).to_have_text("Väntar på godkännande")
    expect(page.get_by_text("Du kan inte godkänna ditt eget meddelande.")).to_be_visible()
    expect(page.get_by_role("button", name="Godkänn och publicera")).to_have_count(0)
    expect(page.locator("#crisis-banner .crisis-banner")).to_have_count(0)
    axe_check(page, "the author's page of a message waiting for approval")
    screenshot(page, "crisis_publish_pending_author")

    other = browser.new_context(**browser_context_args)
    try:
        approver = log_in(other.new_page(), "admin")
        approver.goto(f"/kris/{message_id}")
        expect(approver.get_by_label("Skäl att avvisa")).to_be_visible()
        axe_check(approver, "the approver's page")
        screenshot(approver, "crisis_publish_pending_approver")
        approver.get_by_role("button", name="Godkänn och publicera").focus()
        approver.keyboard.press("Enter")
        expect(approver.get_by_text("Godkänt. Meddelandet är publicerat och visas nu.")).to_be_visible()
        expect(approver.locator("#crisis-banner").get_by_role("alert")).to_contain_text("Utrym området kring hamnen")
    finally:
        other.close()

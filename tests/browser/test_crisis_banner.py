"""Crisis mode in real browsers: a communicator publishes, an agent's open page shows it without reload."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import log_in, screenshot

POLL_SECONDS = 1


def test_banner_appears_and_disappears_on_an_open_page_without_reload(
        app, browser, browser_context_args, page, axe_check, monkeypatch):
    monkeypatch.setitem(app.config, "CRISIS_POLL_SECONDS", POLL_SECONDS)
    agent = log_in(page, "agent")
    expect(agent.get_by_role("heading", level=1, name="Kundtjänst")).to_be_visible()
    agent.evaluate("() => { window.__notReloaded = true; }")  # gone if the page reloads
    banner = agent.locator("#crisis-banner")
    expect(banner.locator(".crisis-banner")).to_have_count(0)

    communicator_context = browser.new_context(**browser_context_args)
    try:
        communicator = log_in(communicator_context.new_page(), "communicator")
        communicator.get_by_role("link", name="Krisinformation").click()
        communicator.get_by_role("link", name="Nytt krismeddelande").click()
        communicator.get_by_label("Rubrik").fill("Vattenläcka i centrala Luleå")
        communicator.get_by_label("Text").fill(
            "Vattnet är avstängt i centrum till klockan 18.\n\nMer information: https://www.lulea.se/vatten")
        communicator.get_by_label("Allvarlig").check()
        communicator.get_by_role("button", name="Spara utkast och förhandsgranska").click()
        expect(communicator.get_by_role("heading", name="Så här ser bannern ut")).to_be_visible()
        screenshot(communicator, "crisis_preview")
        axe_check(communicator, "the crisis message preview")
        communicator.get_by_role("button", name="Publicera nu").click()
        communicator.get_by_role("button", name="Bekräfta och publicera nu").click()
        expect(communicator.get_by_text("Meddelandet är publicerat")).to_be_visible()

        # The agent's page: the banner arrives by polling, as an alert for a critical message.
        alert = banner.get_by_role("alert")
        expect(alert).to_contain_text("Vattenläcka i centrala Luleå", timeout=(POLL_SECONDS + 4) * 1000)
        expect(alert.get_by_role("link", name="https://www.lulea.se/vatten")).to_be_visible()
        assert agent.evaluate("() => window.__notReloaded") is True
        axe_check(agent, "the agent start page with a critical banner")
        screenshot(agent, "crisis_banner_agent")

        communicator.get_by_role("button", name="Avsluta nu").click()
        communicator.get_by_role("button", name="Ja, avsluta nu").click()
        expect(communicator.get_by_text("Meddelandet visas inte längre")).to_be_visible()
    finally:
        communicator_context.close()

    expect(banner.locator(".crisis-banner")).to_have_count(0, timeout=(POLL_SECONDS + 4) * 1000)
    assert agent.evaluate("() => window.__notReloaded") is True
    axe_check(agent, "the agent start page after the crisis ended")


def test_unchanged_banner_is_not_swapped_again(app, page, monkeypatch):
    """Polls answer 304 while nothing changes, and the banner's DOM node stays the same one."""
    from kundweb.audit.services import Actor
    from kundweb.crisis import services

    monkeypatch.setitem(app.config, "CRISIS_POLL_SECONDS", POLL_SECONDS)
    with app.app_context():
        actor = Actor("cecilia", frozenset({"communicator"}))
        message = services.create_message(actor, services.MessageInput("Storm", "Stanna inne.", "warning"))
        services.publish_now(actor, message.id)
    statuses = []
    page.on("response", lambda r: statuses.append(r.status) if "/kris/banner" in r.url else None)
    log_in(page, "employee")
    status = page.locator("#crisis-banner").get_by_role("status")
    expect(status).to_contain_text("Storm")
    status.evaluate("(node) => { node.dataset.original = 'yes'; }")
    page.wait_for_timeout((POLL_SECONDS * 3 + 1) * 1000)
    assert statuses and set(statuses) == {304}, statuses
    expect(page.locator("#crisis-banner [data-original='yes']")).to_have_count(1)
    screenshot(page, "crisis_banner_warning_employee")


def test_communicator_schedules_and_agents_see_scripts(app, page, axe_check):
    from kundweb.audit.services import Actor
    from kundweb.crisis import services

    with app.app_context():
        actor = Actor("cecilia", frozenset({"communicator"}))
        message = services.create_message(actor, services.MessageInput(
            "Snöoväder", "Skolskjutsarna är inställda i dag.", "info"))
        services.add_script(actor, message.id, "Går skolbussen?", "Nej, alla skolskjutsar är inställda i dag.")
        services.publish_now(actor, message.id)
    log_in(page, "agent")
    expect(page.get_by_role("heading", name=re.compile("Frågor och svar just nu"))).to_be_visible()
    expect(page.get_by_text("Nej, alla skolskjutsar är inställda i dag.")).to_be_visible()
    axe_check(page, "the agent start page with scripts and an info banner")
    screenshot(page, "crisis_scripts_agent")

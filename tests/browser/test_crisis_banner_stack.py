"""Four active crisis messages on a laptop screen: compact, the critical one in view, also where a field has autofocus."""
from playwright.sync_api import expect

from tests.browser.conftest import log_in, screenshot

VIEWPORT = {"width": 1366, "height": 768}
MAX_BANNER_HEIGHT = 160  # px, the three less severe messages collapsed
MESSAGES = [
    ("warning", "Vattenläcka i centrala Luleå",
     "Vattnet är avstängt på Storgatan och Kungsgatan till klockan 18. Tappa upp vatten i förväg.\n\n"
     "Mer information: https://www.lulea.se/vatten"),
    ("critical", "Strömavbrott i Bergnäset och Lulsundet",
     "Elen är borta sedan klockan 07. Luleå Energi räknar med att den är tillbaka i eftermiddag."),
    ("info", "Snöoväder: skolskjutsarna är inställda", "Alla skolskjutsar är inställda i dag."),
    ("warning", "Halka på gång- och cykelvägar", "Sandning pågår. Var försiktig, särskilt vid busshållplatser."),
]


def _publish_four(app):
    from kundweb.audit.services import Actor
    from kundweb.crisis import services

    with app.app_context():
        actor = Actor("cecilia", frozenset({"communicator"}))
        for severity, title, body in MESSAGES:
            message = services.create_message(actor, services.MessageInput(title, body, severity))
            services.publish_now(actor, message.id)


def _assert_compact_and_critical_in_view(page, where):
    region = page.locator("#crisis-banner")
    expect(region.locator(".crisis-banner")).to_have_count(4)
    height = region.bounding_box()["height"]
    assert height <= MAX_BANNER_HEIGHT, f"{where}: the banners take {height} px"
    critical = region.get_by_role("alert")
    expect(critical).to_contain_text("Strömavbrott i Bergnäset")
    box = critical.bounding_box()
    top = page.evaluate("() => window.scrollY")
    assert box["y"] >= 0 and box["y"] + box["height"] <= VIEWPORT["height"], \
        f"{where}: the critical banner is out of view (y={box['y']}, scrolled {top})"
    # The others are announced politely, one line each, with the time they were last changed.
    expect(region.get_by_role("status")).to_have_count(3)
    expect(region.locator("summary")).to_have_count(3)
    for summary in region.locator("summary").all():
        expect(summary).to_contain_text("uppdaterad kl.")
        assert summary.bounding_box()["height"] <= 40


def test_four_messages_stack_compactly_with_the_critical_one_in_view(app, browser, browser_context_args, axe_check):
    _publish_four(app)
    context = browser.new_context(**{**browser_context_args, "viewport": VIEWPORT})
    try:
        page = context.new_page()
        page.goto("/login")
        page.wait_for_timeout(300)  # let any autofocus land
        _assert_compact_and_critical_in_view(page, "the login page")
        axe_check(page, "the login page with four crisis messages")
        screenshot(page, "crisis_banner_stack_login")

        log_in(page, "agent")
        for path in ("/start/agent", "/arenden", "/katalog"):
            page.goto(path)
            page.wait_for_timeout(300)
            focused = page.evaluate("() => document.activeElement && document.activeElement.tagName")
            _assert_compact_and_critical_in_view(page, f"{path} (focus on {focused})")
        page.goto("/arenden")
        page.wait_for_timeout(300)
        axe_check(page, "the enquiry form with four crisis messages")
        screenshot(page, "crisis_banner_stack_enquiry")

        # A collapsed message opens from the keyboard and shows its text.
        summary = page.locator("#crisis-banner summary").first
        summary.focus()
        page.keyboard.press("Enter")
        expect(page.locator("#crisis-banner details[open]")).to_have_count(1)
        expect(page.locator("#crisis-banner details[open] .crisis-banner__text")).to_be_visible()
        axe_check(page, "the enquiry form with a crisis message opened")
        screenshot(page, "crisis_banner_stack_opened")
    finally:
        context.close()

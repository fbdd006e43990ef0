"""An agent types a question in the search, opens the answer beside the enquiry form and logs the
enquiry with the answer linked, with the keyboard, in a real browser (R-KB-3, R-KB-4)."""
import re

from playwright.sync_api import expect

from kundweb.enquiries.models import Enquiry
from kundweb.extensions import db
from tests.answers_search_helpers import make_answer, past
from tests.browser.conftest import SCREENSHOT_DIR, log_in


def screenshot(page, name):
    """As conftest.screenshot, but leaving the text caret alone: Playwright hides it with an injected
    inline style, which the CSP blocks and reports once the test goes on typing on the same page."""
    SCREENSHOT_DIR.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / f"{name}.png"), full_page=True, caret="initial")


def _seed(app):
    from kundweb.audit.services import Actor
    from kundweb.enquiries import services

    admin = Actor("david", frozenset({"admin"}))
    with app.app_context():
        services.add_category(admin, "Stadsbyggnadsförvaltningen", "Bygglov")
        services.add_category(admin, "Tekniska förvaltningen", "Snöröjning")
        altan = make_answer("Behöver jag bygglov för en altan?", visibility="publik",
                            phrasings="Altan utan bygglov\nFår jag bygga altan", keywords="uteplats trall",
                            body="Oftast inte, om altanen är lägre än 1,8 meter.\n\nRing bygglovsenheten vid tvekan.",
                            links=[{"label": "Bygglov på lulea.se", "url": "https://www.lulea.se/bygglov"}])
        make_answer("Bygglov för altan – utkast", status="draft")
        plog = make_answer("När plogas min gata?", keywords="snöröjning plogning", review_by=past(14),
                           unit="Tekniska förvaltningen")
        make_answer("Sandning av gångbanor", keywords="snöröjning halka", unit="Tekniska förvaltningen")
        return altan.id, plog.id


def _answers_used(app):
    with app.app_context():
        return db.session.scalars(db.select(Enquiry.answer_id).order_by(Enquiry.id)).all()


def test_agent_finds_an_answer_reads_it_beside_the_form_and_logs_the_enquiry_with_it(app, page, axe_check):
    altan_id, plog_id = _seed(app)
    agent = log_in(page, "agent")
    agent.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Sök i katalogen").click()
    # Typed once the search page has loaded: until then the label is the start page's own box, and
    # keys typed before the page's scripts run send no search (both seen on a busy machine).
    agent.wait_for_url(re.compile(r"/katalog$"))
    search = agent.get_by_label("Sök person, enhet, funktion eller nummer")
    search.press_sequentially("altan bygg")
    answers = agent.get_by_role("list", name="Svar i Kunskapsbanken")
    expect(answers).to_contain_text("Behöver jag bygglov för en altan?")
    expect(answers).to_contain_text("Publik")
    expect(answers).not_to_contain_text("utkast")
    expect(agent.locator("#answer-hits .hit")).to_have_count(1)
    axe_check(agent, "the search with an answer hit")
    screenshot(agent, "answers_in_search")

    # Arrow Down to the answer, Enter: the enquiry form with the answer beside it, chosen as the one used.
    search.press("ArrowDown")
    expect(answers.get_by_role("link", name="Behöver jag bygglov för en altan?")).to_be_focused()
    agent.keyboard.press("Enter")
    agent.wait_for_url(re.compile(rf"/arenden\?svar={altan_id}$"))
    panel = agent.locator("#answer-panel")
    expect(panel.get_by_role("heading", name="Behöver jag bygglov för en altan?")).to_be_visible()
    expect(panel).to_contain_text("Oftast inte, om altanen är lägre än 1,8 meter.")
    expect(panel.get_by_role("link", name=re.compile("Bygglov på lulea.se"))).to_have_attribute(
        "href", "https://www.lulea.se/bygglov")
    expect(panel).to_contain_text("Stadsbyggnadsförvaltningen")
    expect(agent.get_by_label("Svar som användes")).to_have_value(str(altan_id))
    axe_check(agent, "the enquiry form with the answer beside it")
    screenshot(agent, "answer_beside_enquiry_form")

    # Channel, category, save: the answer goes with the enquiry.
    expect(agent.get_by_label("Telefon")).to_be_focused()
    agent.keyboard.press("Space")
    agent.keyboard.press("Tab")
    agent.keyboard.type("bygg")
    expect(agent.locator("#category-matches")).to_contain_text("1 kategori matchar")
    agent.keyboard.press("Enter")
    agent.keyboard.press("Enter")
    today = agent.locator("#enquiry-today")
    expect(today).to_contain_text("svar: ”Behöver jag bygglov för en altan?”")
    assert _answers_used(app) == [altan_id]
    expect(agent.get_by_label("Svar som användes")).to_have_value("")  # the next call starts with none

    # The next call: the answer found from the form itself, a stale one, which says so.
    answer_search = agent.get_by_label("Sök svar i Kunskapsbanken")
    expect(answer_search).to_be_visible()  # shown by app.js once htmx has set up the field the save brought
    answer_search.focus()
    agent.keyboard.type("snöröj")
    expect(agent.locator("#answer-matches")).to_contain_text("2 svar matchar")
    agent.keyboard.press("Enter")  # to the list, its first match chosen
    answer_list = agent.get_by_label("Svar som användes")
    expect(answer_list).to_be_focused()
    agent.keyboard.press("ArrowDown")  # the other match: the panel shows it
    agent.keyboard.press("ArrowUp")
    expect(answer_list).to_have_value(str(plog_id))
    expect(panel.get_by_role("heading", name="När plogas min gata?")).to_be_visible()
    expect(panel).to_contain_text(f"Inaktuellt – granskas senast {past(14).isoformat()} passerat")
    screenshot(agent, "stale_answer_beside_enquiry_form")
    # Escape clears the choice in one keystroke (and closes the panel) ...
    agent.keyboard.press("Escape")
    expect(answer_list).to_have_value("")
    expect(panel.get_by_role("heading")).to_have_count(0)
    # ... and choosing again, then Enter, saves with it.
    agent.keyboard.press("ArrowDown")
    expect(answer_list).not_to_have_value("")
    chosen = int(answer_list.input_value())
    agent.keyboard.press("Enter")
    expect(today).to_contain_text("Du2")
    assert _answers_used(app) == [altan_id, chosen]
    axe_check(agent, "the enquiry form after saving with an answer")

"""Public records in a real browser: an employee registers a voicemail from the start page, an agent documents it."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import log_in, screenshot
from tests.records_helpers import ADMIN, clean_store, wav_bytes  # noqa: F401 - clean_store is an autouse fixture


def test_employee_registers_a_voicemail_and_an_agent_documents_it(app, browser, browser_context_args, page,
                                                                    axe_check):
    from kundweb.records import services

    with app.app_context():
        services.add_business_system(ADMIN, "Ärendehanteringen (diariet)", "Diarieförda ärenden")
        services.add_business_system(ADMIN, "Vård- och omsorgssystemet")

    employee = log_in(page, "employee")
    quick = employee.get_by_role("region", name=re.compile("Jag har fått ett röstmeddelande"))
    expect(quick).to_be_visible()
    quick.get_by_label("Röstbrevlåda").check()
    quick.get_by_label("Från vem?").fill("Kalle Karlsson, 070-123 45 67")
    quick.get_by_label("Kort vad det gäller").fill("Frågar varför soptunnan på Storgatan 5 inte tömts i veckan.")
    quick.get_by_label("Ja – det ska dokumenteras i verksamhetssystemet").check()
    quick.get_by_label("Ljudfil eller e-postmeddelande (valfritt)").set_input_files(
        {"name": "röstmeddelande.wav", "mimeType": "audio/wav", "buffer": wav_bytes(0.5)})
    axe_check(employee, "the employee start page with the quick registration form")
    screenshot(employee, "records_start_employee")
    quick.get_by_role("button", name="Registrera", exact=True).click()

    expect(employee.get_by_text(re.compile(r"Registrerad som KC \d{4}/000001"))).to_be_visible()
    number = employee.get_by_role("heading", level=1).inner_text()
    assert re.fullmatch(r"KC \d{4}/000001", number)
    expect(employee.get_by_role("link", name=re.compile("Ladda ner ljudfilen"))).to_be_visible()
    axe_check(employee, "the item page after registering")
    screenshot(employee, "records_item_employee")

    agent_context = browser.new_context(**browser_context_args)
    try:
        agent = log_in(agent_context.new_page(), "agent")
        agent.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Allmänna handlingar").click()
        expect(agent.get_by_role("heading", level=1, name="Att dokumentera")).to_be_visible()
        row = agent.get_by_role("row", name=number)  # a substring of the row's name
        expect(row).to_contain_text("Kalle Karlsson")
        expect(row).to_contain_text("i dag")
        axe_check(agent, "the open list")
        screenshot(agent, "records_open_list_agent")

        row.get_by_role("link", name=number).click()
        agent.get_by_label("Verksamhetssystem", exact=True).select_option(label="Ärendehanteringen (diariet)")
        agent.get_by_label("Ärende- eller dokumentnummer där").fill("MBN 2026-000412")
        axe_check(agent, "the item page with the documentation form")
        screenshot(agent, "records_document_agent")
        agent.get_by_role("button", name="Spara dokumentationen").click()
        expect(agent.get_by_text("Dokumentationen är registrerad")).to_be_visible()
        expect(agent.get_by_text("Ärendehanteringen (diariet), MBN 2026-000412")).to_be_visible()
        expect(agent.get_by_text("Dokumenterad i verksamhetssystem")).to_be_visible()  # in the history
        screenshot(agent, "records_item_documented")

        agent.get_by_role("navigation", name="Allmänna handlingar").get_by_role("link", name="Att dokumentera").click()
        expect(agent.get_by_text("Inga öppna handlingar.")).to_be_visible()
        expect(agent.get_by_role("link", name=number)).to_have_count(0)

        # The register: the search narrows the results without reloading the page.
        agent.get_by_role("navigation", name="Allmänna handlingar").get_by_role("link", name="Registret").click()
        agent.evaluate("() => { window.__notReloaded = true; }")
        agent.get_by_label("Avsändare").fill("karlsson")
        agent.get_by_role("button", name="Sök").click()
        expect(agent).to_have_url(re.compile(r"sender=karlsson"))  # pushed by htmx after the swap
        expect(agent.locator("#record-results")).to_contain_text("1 träff")
        expect(agent.locator("#record-results")).to_contain_text("Dokumenterad")
        assert agent.evaluate("() => window.__notReloaded") is True
        agent.get_by_label("Avsändare").fill("någon annan")
        agent.get_by_role("button", name="Sök").click()
        expect(agent.locator("#record-results")).to_contain_text("0 träffar")
        agent.go_back()  # the history restore brings the whole page back
        expect(agent.locator("#record-results")).to_contain_text("1 träff")
        axe_check(agent, "the register with search results")
        screenshot(agent, "records_register_agent")
    finally:
        agent_context.close()


def test_an_email_prefills_the_form_on_a_phone_sized_screen(app, browser, browser_context_args, axe_check):
    from tests.records_helpers import EML

    context = browser.new_context(**{**browser_context_args, "viewport": {"width": 390, "height": 844}})
    try:
        page = log_in(context.new_page(), "employee")
        page.goto("/handlingar/ny")
        page.get_by_label("Ljudfil eller e-postmeddelande (valfritt)").set_input_files(
            {"name": "fråga om bygglov.eml", "mimeType": "message/rfc822", "buffer": EML})
        page.get_by_role("button", name="Läs in uppgifter från e-postfilen").click()
        expect(page.get_by_text("Uppgifterna är hämtade ur e-postmeddelandet")).to_be_visible()
        expect(page.get_by_label("Från vem?")).to_have_value("Kalle Karlsson <kalle@example.se>")
        expect(page.get_by_label("Kort vad det gäller")).to_have_value("E-post: Förfrågan om bygglov")
        expect(page.get_by_role("radio", name="E-post")).to_be_checked()
        expect(page.get_by_text("Bifogad: fråga om bygglov.eml")).to_be_visible()
        axe_check(page, "the registration form prefilled from an e-mail")
        screenshot(page, "records_prefilled_email_phone")
        page.get_by_label("Ja – det ska dokumenteras i verksamhetssystemet").check()
        page.get_by_role("button", name="Registrera", exact=True).click()
        expect(page.get_by_text(re.compile(r"Registrerad som KC \d{4}/000001"))).to_be_visible()
        expect(page.get_by_role("link", name=re.compile("Ladda ner e-postmeddelandet"))).to_be_visible()
    finally:
        context.close()


def test_an_agent_sees_a_confidential_item_masked(app, page, axe_check):
    from kundweb.records import services
    from tests.records_helpers import EMPLOYEE, register, upload

    with app.app_context():
        register(EMPLOYEE, uploads=[upload(wav_bytes())], confidential=True, legal_ground="OSL 26 kap. 1 §",
                 sender="Hemliga Hanna", description="Berättar om sin sjukdom")
        item_id = services.search(EMPLOYEE, services.SearchQuery()).items[0].id
    log_in(page, "agent")
    page.goto(f"/handlingar/{item_id}")
    expect(page.get_by_text("Handlingen omfattas av sekretess (OSL 26 kap. 1 §)")).to_be_visible()
    expect(page.get_by_text("Hemliga Hanna")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("Ladda ner"))).to_have_count(0)
    expect(page.get_by_role("link", name="Rätta uppgifter")).to_have_count(0)
    axe_check(page, "a confidential item seen by an agent")
    screenshot(page, "records_confidential_agent")

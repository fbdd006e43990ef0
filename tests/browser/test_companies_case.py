"""A municipal company's whole opt-out case in a real browser: registered, submitted with an
attachment, prepared, decided by the municipal director, applied by the job, seen by agents."""
import re
from datetime import timedelta

from playwright.sync_api import expect

from kundweb import scheduler
from kundweb.companies.services import local_today
from kundweb.database import utcnow
from tests.browser.conftest import log_in, screenshot


def test_a_whole_opt_out_case_from_submission_to_effective_routing(
        app, browser, browser_context_args, page, axe_check, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "COMPANY_ATTACHMENT_DIR", str(tmp_path / "bilagor"))
    today = local_today(utcnow())
    admin = log_in(page, "admin")
    admin.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Bolag").click()
    expect(admin.get_by_role("heading", level=1, name="Kommunala bolag")).to_be_visible()
    admin.get_by_role("link", name="Registrera bolag").click()

    admin.get_by_label("Bolagets namn").fill("Luleå Energi AB")
    admin.get_by_label("Organisationsnummer").fill("556134-2106")  # a typo in the check digit
    admin.get_by_label("Telefon till bolagets kundtjänst").fill("0920-29 35 00")
    admin.get_by_label("E-post till bolagets kundtjänst (valfritt)").fill("kundservice@luleaenergi.demo")
    admin.get_by_label("Webbplats (valfritt)").fill("www.luleaenergi.demo")
    admin.get_by_label("Frågor som bolaget äger").fill("Elavtal\nElnät\nFjärrvärme\nStadsnät och bredband")
    admin.get_by_role("button", name="Registrera bolaget").click()
    org_number = admin.get_by_label("Organisationsnummer")
    expect(org_number).to_have_attribute("aria-invalid", "true")
    expect(admin.get_by_text("Kontrollsiffran stämmer inte. Kontrollera organisationsnumret.")).to_be_visible()
    axe_check(admin, "the company form with an error")
    screenshot(admin, "companies_register_error")
    org_number.fill("5561342105")
    admin.get_by_role("button", name="Registrera bolaget").click()
    expect(admin.get_by_text("Bolaget är registrerat.")).to_be_visible()
    expect(admin.get_by_text("Organisationsnummer 556134-2105")).to_be_visible()

    admin.get_by_role("link", name="Nytt ärende om utträde").click()
    expect(admin.get_by_role("heading", level=1, name="Nytt ärende: utträde ur Kundcenter")).to_be_visible()
    admin.get_by_label("Bolagets skäl").fill(
        "Luleå Energi har byggt upp en egen kundtjänst med kvällsöppet.\n\nFrågor om elavtal kräver bolagets system.")
    admin.get_by_label("Önskas gälla från").fill((today + timedelta(days=30)).isoformat())
    admin.get_by_label("Bilagor (valfritt)").set_input_files(
        files=[{"name": "Skrivelse från Luleå Energi.pdf", "mimeType": "application/pdf",
                "buffer": b"%PDF-1.4\nskrivelse\n"}])
    axe_check(admin, "the new case form")
    screenshot(admin, "companies_case_form")
    admin.get_by_role("button", name="Lämna in ärendet").click()
    expect(admin.get_by_text("Ärendet är inlämnat.")).to_be_visible()
    expect(admin.get_by_role("link", name="Skrivelse från Luleå Energi.pdf")).to_be_visible()
    steps = admin.get_by_role("list", name="Ärendets steg")
    expect(steps.locator("[aria-current=step]")).to_contain_text("Berett")
    expect(admin.get_by_text("Ärendet måste beredas innan kommundirektörens beslut kan registreras.")).to_be_visible()
    axe_check(admin, "a submitted case")
    screenshot(admin, "companies_case_submitted")

    admin.get_by_label("Bedömning").fill("Föreslås bifall, med fortsatt samordning kring krisinformation.")
    admin.get_by_role("button", name="Spara beredningen").click()
    expect(admin.get_by_text("Beredningen är sparad.")).to_be_visible()

    admin.get_by_label("Bifall", exact=True).check()
    admin.get_by_label("Diarienummer").fill("KLF 2026/318")
    admin.get_by_label("Kommundirektör", exact=True).fill("Karin Berglund")
    admin.get_by_label("Gäller från").fill(today.isoformat())
    admin.get_by_role("button", name="Registrera beslutet").click()
    expect(admin.get_by_text("Beslutet är registrerat.")).to_be_visible()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Utträde ur Kundcenter: Luleå Energi AB")
    expect(steps.locator("[aria-current=step]")).to_contain_text("Genomfört")
    axe_check(admin, "an approved case")
    screenshot(admin, "companies_case_approved")

    scheduler.company_routing(app)  # the scheduler's job, as it runs every few minutes
    admin.reload()
    expect(admin.get_by_text(re.compile(r"^Genomfört \d{4}-\d\d-\d\d"))).to_be_visible()
    history = admin.get_by_role("region", name="Historik")
    for step in ("Inlämnat", "Bilaga tillagd", "Berett", "Bifall av kommundirektören", "Genomfört"):
        expect(history.get_by_text(step, exact=True)).to_be_visible()
    expect(history.get_by_text("Systemet (schemalagt jobb)")).to_be_visible()
    axe_check(admin, "an effective case with its history")
    screenshot(admin, "companies_case_effective")

    admin.get_by_role("link", name="Luleå Energi AB").first.click()
    expect(admin.get_by_role("link", name="Nytt ärende om återinträde")).to_be_visible()
    expect(admin.get_by_text(f"Luleå Energi AB: egen kundtjänst sedan {today.isoformat()}, 0920-29 35 00")).to_be_visible()
    axe_check(admin, "the company page after its opt-out")
    screenshot(admin, "companies_company")

    admin.get_by_role("link", name="Kommunala bolag").first.click()
    expect(admin.get_by_text(f"Egen kundtjänst sedan {today.isoformat()}")).to_be_visible()
    axe_check(admin, "the admin overview")
    screenshot(admin, "companies_overview_admin")

    agent_context = browser.new_context(**browser_context_args)
    try:
        agent = log_in(agent_context.new_page(), "agent")
        agent.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Bolag").click()
        row = agent.get_by_role("row", name=re.compile("Luleå Energi AB"))
        expect(row).to_contain_text(f"Egen kundtjänst sedan {today.isoformat()}")
        expect(row).to_contain_text("0920-29 35 00")
        expect(agent.get_by_role("link", name="Registrera bolag")).to_have_count(0)
        axe_check(agent, "the agents' company overview")
        screenshot(agent, "companies_overview_agent")
    finally:
        agent_context.close()


def test_case_page_on_a_narrow_screen(app, page, axe_check, monkeypatch, tmp_path):
    from tests.companies_helpers import case_in

    monkeypatch.setitem(app.config, "COMPANY_ATTACHMENT_DIR", str(tmp_path / "bilagor"))
    with app.app_context():
        case_id = case_in("approved").id
    page.set_viewport_size({"width": 360, "height": 740})
    log_in(page, "admin")
    page.goto(f"/admin/bolag/arenden/{case_id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Luleå Energi AB")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    axe_check(page, "the case page at 360 px")
    screenshot(page, "companies_case_360px")


def test_demo_companies_overview(app, page, axe_check):
    """The seeded demo: one company on its own, one change ahead, cases at each step."""
    from kundweb.demo.companies_seed import seed_companies

    with app.app_context():
        seed_companies()
    log_in(page, "admin")
    page.goto("/bolag")
    expect(page.get_by_role("region", name="Kommande ändringar")).to_contain_text("Luleå Lokaltrafik AB")
    expect(page.get_by_role("region", name="Öppna ärenden")).to_contain_text("Lulebo AB")
    expect(page.get_by_role("row", name=re.compile("Luleå Energi AB"))).to_contain_text("Egen kundtjänst sedan")
    axe_check(page, "the demo companies overview")
    screenshot(page, "companies_overview_demo")


def test_the_signed_decision_is_attached_after_the_decision_is_registered(app, page, axe_check, monkeypatch, tmp_path):
    """The director signs on paper; the scanned decision comes back after the decision is registered."""
    from tests.companies_helpers import case_in

    monkeypatch.setitem(app.config, "COMPANY_ATTACHMENT_DIR", str(tmp_path / "bilagor"))
    with app.app_context():
        case = case_in("approved")
        case_id, case_number = case.id, case.case_number
    signed = {"name": "Beslut KLF 2026-318 underskrivet.pdf", "mimeType": "application/pdf",
              "buffer": b"%PDF-1.4\nbeslut underskrivet av kommundirektoren\n"}
    admin = log_in(page, "admin")
    admin.goto(f"/admin/bolag/arenden/{case_id}")
    expect(admin.get_by_text(f"Ärende {case_number}", exact=False).first).to_be_visible()
    expect(admin.get_by_label("Vad är bilagan?")).to_have_value("decision")  # what comes after a decision
    admin.get_by_label("Lägg till bilagor").set_input_files(files=[signed])
    admin.get_by_role("button", name="Ladda upp").click()
    expect(admin.get_by_text("Bilagorna är sparade.")).to_be_visible()
    attachments = admin.get_by_role("list", name="Bilagor")
    expect(attachments).to_contain_text("Beslut: Beslut KLF 2026-318 underskrivet.pdf")

    # The same scan once more, by mistake: refused, naming the one already on the case.
    admin.get_by_label("Vad är bilagan?").select_option("other")
    admin.get_by_label("Lägg till bilagor").set_input_files(files=[{**signed, "name": "Skanning 2.pdf"}])
    admin.get_by_role("button", name="Ladda upp").click()
    expect(admin.get_by_text("Skanning 2.pdf finns redan i ärendet: samma innehåll som bilagan "
                             "Beslut KLF 2026-318 underskrivet.pdf (beslut)", exact=False)).to_be_visible()
    expect(admin.get_by_label("Lägg till bilagor")).to_have_attribute("aria-invalid", "true")
    expect(attachments.get_by_role("listitem")).to_have_count(1)
    axe_check(admin, "an approved case refusing a duplicate attachment")
    screenshot(admin, "companies_case_signed_decision_duplicate")

    admin.goto(f"/admin/bolag/arenden/{case_id}")
    history = admin.get_by_role("region", name="Historik")
    expect(history.get_by_text("Beslut: Beslut KLF 2026-318 underskrivet.pdf")).to_be_visible()
    axe_check(admin, "an approved case with its signed decision")
    screenshot(admin, "companies_case_signed_decision")


def test_the_case_list_finds_a_case_by_its_diarienummer(app, page, axe_check, monkeypatch, tmp_path):
    from kundweb.companies import services
    from kundweb.demo.companies_seed import seed_companies

    monkeypatch.setitem(app.config, "COMPANY_ATTACHMENT_DIR", str(tmp_path / "bilagor"))
    with app.app_context():
        seed_companies()
        [housing] = services.case_list("Lulebo")
        diary_number, case_number = housing.diary_number, housing.case_number
    admin = log_in(page, "admin")
    admin.goto("/bolag")
    admin.get_by_role("link", name="Alla ärenden").click()
    expect(admin.get_by_role("table")).to_contain_text("Luleå Miljöresurs AB")
    admin.get_by_label("Sök på diarienummer, ärendenummer eller bolag").fill(diary_number.lower().replace(" ", ""))
    admin.get_by_role("button", name="Sök").click()
    table = admin.get_by_role("table")
    expect(table.get_by_role("row")).to_have_count(2)  # the header and the one case
    expect(table).to_contain_text(diary_number)
    axe_check(admin, "the case list searched by diarienummer")
    screenshot(admin, "companies_case_list_search")
    table.get_by_role("link", name=case_number).click()
    expect(admin.get_by_role("heading", level=1)).to_contain_text("Lulebo AB")

"""Kunskapsbanken in a real browser: a citizen finds a public answer; an admin reads the gap report."""
import json
import re
from datetime import timedelta

from playwright.sync_api import expect

from kundweb.database import utcnow
from kundweb.extensions import db
from tests.answers_public_helpers import answer, category, company, enquiry, proposal
from tests.browser.conftest import SCREENSHOT_DIR, log_in, screenshot


def test_a_citizen_searches_the_public_answers_and_opens_one(app, page, axe_check):
    with app.app_context():
        soptomning = category("Soptömning", group="Tekniska förvaltningen")
        answer(question="När töms soptunnan?", category_row=soptomning, keywords="avfall sophämtning",
               body="Villor töms varannan vecka, fritidshus under sommaren.\n\n"
                    "Se din tömningsdag på [Mina sidor](https://www.lulea.se/avfall). </script><b>ingen fetstil</b>",
               links=[{"label": "Tömningskalender", "url": "https://www.lulea.se/tomningskalender"}])
        answer(question="Hur söker jag förskoleplats?", body="Ansök i e-tjänsten fyra månader innan.")
        answer(question="Internt: hur gör vi med klagomål?", visibility="intern")
        db.session.commit()
    page.goto("/svar")
    expect(page.get_by_role("heading", level=1, name="Svar på vanliga frågor")).to_be_visible()
    expect(page.get_by_text("Internt: hur gör vi med klagomål?")).to_have_count(0)
    axe_check(page, "the public answers index")
    search = page.get_by_label("Vad undrar du över?")
    search.press_sequentially("sophamtning")  # no accents typed: found anyway
    search.press("Enter")
    expect(page.get_by_role("status")).to_have_text("1 av 2 svar.")
    screenshot(page, "answers_public_index_search")
    link = page.get_by_role("link", name="När töms soptunnan?")
    link.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="När töms soptunnan?")).to_be_visible()
    expect(page.locator("article")).to_contain_text("</script><b>ingen fetstil</b>")  # shown as text
    expect(page.locator("article b")).to_have_count(0)
    expect(page.get_by_role("link", name="Tömningskalender")).to_have_attribute(
        "href", "https://www.lulea.se/tomningskalender")
    data = json.loads(page.locator('script[type="application/ld+json"]').text_content())
    assert data["@type"] == "FAQPage" and data["mainEntity"][0]["name"] == "När töms soptunnan?"
    assert re.fullmatch(r"http://localhost/svar/\d+", page.locator('link[rel="canonical"]').get_attribute("href"))
    axe_check(page, "a public answer page")
    screenshot(page, "answers_public_answer")


def test_an_admin_follows_the_dashboard_summary_to_the_gap_report(app, page, axe_check):
    now = utcnow()
    this_month = now.strftime("%Y-%m")
    with app.app_context():
        bygglov, strandskydd = category("Bygglov"), category("Strandskydd")
        altan = answer(question="Behöver jag bygglov för en altan?", category_row=bygglov,
                       published_at=now - timedelta(days=400))
        answer(question="Vad kostar sotning?", owner=company(), published_at=now - timedelta(days=400),
               review_by=(now - timedelta(days=20)).date())
        for _ in range(3):
            enquiry(bygglov, "direct", altan, now)
        enquiry(bygglov, "direct", None, now)
        for _ in range(4):
            enquiry(strandskydd, "forwarded", None, now)
        proposal("Svar saknas om strandskydd vid sjötomt")
        db.session.commit()
    log_in(page, "admin")
    page.goto(f"/servicemal?from={this_month}&to={this_month}")
    summary = page.get_by_role("region", name=re.compile("^Kunskapsbanken"))
    expect(summary).to_contain_text("Besvarade direkt med svar ur Kunskapsbanken: 3 av 4 (75,0 %)")
    expect(summary).to_contain_text("Öppna förslag: 1")
    SCREENSHOT_DIR.mkdir(exist_ok=True)
    summary.screenshot(path=str(SCREENSHOT_DIR / "answers_dashboard_summary.png"))
    link = summary.get_by_role("link", name="Luckor och användning i Kunskapsbanken")
    link.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name=re.compile("^Luckor och användning"))).to_be_visible()
    gaps = page.get_by_role("region", name="Frågor att skriva svar på").first  # the card and its table
    expect(gaps).to_contain_text("Strandskydd")
    expect(page.get_by_role("region", name="Mest använda svar")).to_contain_text("Behöver jag bygglov för en altan?")
    expect(page.get_by_role("region", name="Svar att granska")).to_contain_text("Vad kostar sotning?")
    expect(page.get_by_role("region", name="Öppna förslag")).to_contain_text("sjötomt")
    expect(page.get_by_role("link", name="Ladda ner CSV")).to_have_attribute("href", re.compile(r"rapport\.csv\?from="))
    axe_check(page, "the gap and usage report")
    screenshot(page, "answers_gap_report")
    page.goto(page.url.split("?")[0] + "?from=2026-13&to=2026-01")  # a month field refuses it; a URL does not
    expect(page.get_by_role("alert")).to_contain_text("Ange månader som ÅÅÅÅ-MM.")


"""An agent on a live call types a name as the caller spells it, or a question: the search finds the
person (marked as a similar name) and where the question goes; an absent person's hit names the deputy."""
import re
from datetime import date, timedelta

from playwright.sync_api import expect

from kundweb.database import utcnow
from kundweb.directory import services
from kundweb.enquiries import services as enquiries
from kundweb.extensions import db
from kundweb.hours.calendar import STOCKHOLM
from tests.browser.conftest import log_in, screenshot
from tests.companies_helpers import ADMIN, company
from tests.directory_helpers import add_demo_users, add_person


def _directory(app):
    now = utcnow()
    with app.app_context():
        add_demo_users(now)
        eriksson = add_person("pereri", "Per Eriksson", now, title="Handläggare",
                              department="Stadsbyggnadsförvaltningen", extension="4802", phone="0920-45 48 02",
                              reach_note="Nås bäst förmiddagar.")
        absent = add_person("lindbk", "Ann-Sofie Lindbäck", now, title="Socialsekreterare",
                            department="Socialförvaltningen", extension="4801")
        absent.absent_until = now.astimezone(STOCKHOLM).date() + timedelta(days=7)
        absent.deputy_id = eriksson.id
        absent.confirmed_at = now - timedelta(days=500)
        enquiries.add_category(ADMIN, "Luleå Energi AB", "Elavbrott")
        energy = company()
        energy.routing, energy.routing_since = "own", date(2026, 11, 1)
        db.session.commit()
        return absent.absent_until, (absent.confirmed_at.astimezone(STOCKHOLM).date())


def test_agent_finds_misspelled_names_and_where_a_question_goes(app, page, axe_check):
    back_on, unconfirmed_since = _directory(app)
    log_in(page, "agent")
    page.get_by_role("link", name="Sök i katalogen").click()
    # Typed once the search page has loaded: until then the label is the start page's own box, and
    # keys typed before the page's scripts run send no search (both seen on a busy machine).
    page.wait_for_url(re.compile(r"/katalog$"))
    field = page.get_by_label("Sök person, enhet, funktion eller nummer")

    field.press_sequentially("ericsson", delay=40)
    hits = page.get_by_role("list", name="Träffar")
    expect(hits).to_contain_text("Per Eriksson")
    expect(hits).to_contain_text("Liknande namn")
    expect(hits).to_contain_text("0920-45 48 02")
    expect(page.locator("#directory-status")).to_contain_text("1 träff.")
    axe_check(page, "a tolerant match in the directory search")
    screenshot(page, "directory_search_tolerant")

    field.fill("")
    field.press_sequentially("annsofie", delay=40)
    expect(hits).to_contain_text("Ann-Sofie Lindbäck")
    expect(hits).to_contain_text(f"Frånvarande t.o.m. {back_on.isoformat()}")
    expect(hits).to_contain_text("Ersättare: Per Eriksson, ankn. 4802, 0920-45 48 02")
    expect(hits).to_contain_text(f"Uppgifterna ej bekräftade sedan {unconfirmed_since.isoformat()}")
    axe_check(page, "an absent person's hit with the deputy")
    screenshot(page, "directory_search_absent")

    field.fill("")
    field.press_sequentially("elavbrott", delay=40)
    topics = page.get_by_role("list", name="Frågor och vart de går")
    expect(topics).to_contain_text("Elavbrott")
    expect(topics).to_contain_text("Egen kundtjänst sedan 2026-11-01")
    expect(topics).to_contain_text("0920-29 35 00")
    expect(page.locator("#directory-status")).to_contain_text("1 träff.")
    axe_check(page, "a question and its route in the directory search")
    screenshot(page, "directory_search_topic")


def test_a_unit_name_shows_the_unit_with_its_public_numbers_before_its_staff(app, page, axe_check):
    now = utcnow()
    with app.app_context():
        add_demo_users(now)
        for username, name in [("socek", "Erik Ekman"), ("socfa", "Fia Falk")]:
            add_person(username, name, now, title="Handläggare", department="Socialförvaltningen")
        unit = services.unit_named("Socialförvaltningen", now)
        services.save_function(ADMIN, None, services.FunctionInput(
            name="Socialjouren", phone="0920-45 39 99", unit_id=unit.id, public=True,
            opening_hours="Kvällar, nätter och helger", keywords="socialjour akut"), now)
    log_in(page, "agent")
    page.get_by_role("link", name="Sök i katalogen").click()
    # Typed once the search page has loaded: until then the label is the start page's own box, and
    # keys typed before the page's scripts run send no search (both seen on a busy machine).
    page.wait_for_url(re.compile(r"/katalog$"))
    page.get_by_label("Sök person, enhet, funktion eller nummer").press_sequentially("socialförvaltningen", delay=30)
    units = page.get_by_role("list", name="Förvaltningar och enheter")
    expect(units).to_contain_text("Socialförvaltningen")
    expect(units).to_contain_text("Socialjouren 0920-45 39 99")
    hits = page.locator("#directory-hits .hit__link")
    expect(hits.first).to_have_text("Socialjouren")  # the public number before the staff
    expect(hits).to_have_count(4)  # and Anna Andersson, Erik Ekman, Fia Falk
    axe_check(page, "a unit hit in the directory search")
    screenshot(page, "directory_search_unit")

"""Company routing where agents work: in the directory search, as company hits and as notes on the
functional entries of units a company owns."""
from kundweb.database import utcnow
from kundweb.directory import services as directory
from tests.companies_helpers import ADMIN, case_in, today


def _felanmalan_fjarrvarme(now):
    """A functional entry of the unit "Fjärrvärme", which Luleå Energi owns (one of its topics)."""
    return directory.save_function(ADMIN, None, directory.FunctionInput(
        name="Felanmälan fjärrvärme", phone="0920-29 35 50", unit_id=directory.unit_named("Fjärrvärme", now).id,
        keywords="värme läcka"), now)


def test_search_shows_the_company_with_its_own_route_and_notes_on_its_units(app, client, login_as):
    with app.app_context():
        case_in("effective")
        _felanmalan_fjarrvarme(utcnow())
    login_as("agent")
    html = client.get("/katalog?q=fj%C3%A4rrv%C3%A4rme").get_data(as_text=True)
    company_hits = html[html.index('aria-label="Kommunala bolag"'):html.index('aria-label="Träffar"')]
    assert "Luleå Energi AB" in company_hits and f"Egen kundtjänst sedan {today().isoformat()}" in company_hits
    assert "0920-29 35 00" in company_hits and "Hänvisa kunden dit." in company_hits
    entries = html[html.index('aria-label="Träffar"'):]
    assert "Felanmälan fjärrvärme" in entries
    assert (f"Luleå Energi AB: egen kundtjänst sedan {today().isoformat()}, 0920-29 35 00, "
            "kundservice@luleaenergi.demo") in entries


def test_the_fragment_carries_the_company_hits_too(app, client, login_as):
    with app.app_context():
        case_in("submitted")
    login_as("agent")
    fragment = client.get("/katalog?q=energi", headers={"HX-Request": "true", "HX-Target": "directory-results"})
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and "Luleå Energi AB" in html and "Via Kundcenter" in html
    assert "empty-state" not in html  # a company hit is a hit
    assert "1 träff." in html  # the status line, out of band: every kind of hit counts


def test_no_company_no_extra_hits(app, client, login_as):
    with app.app_context():
        case_in("submitted")
    login_as("agent")
    html = client.get("/katalog?q=bibliotek").get_data(as_text=True)
    assert "Kommunala bolag" not in html and "empty-state" in html

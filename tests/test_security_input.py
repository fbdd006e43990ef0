"""Bad input answers with a clear 400 or 404, never a 500; the note filter keeps personal data out."""
import re

import pytest

from kundweb.enquiries.personal_data import looks_like_personal_data
from tests.conftest import csrf_token

HUGE_ID = "1" * 23  # larger than any database integer: the drivers raise OverflowError on it


def _paths_with_huge_ids(app):
    """(rule, path) for every route with an int part, each int part 23 digits long.

    Built by hand: url building refuses such a number once the converter is bounded.
    """
    from werkzeug.routing.converters import AnyConverter, IntegerConverter

    def part(rule, match):
        converter = rule._converters[match.group(1).split(":")[-1]]
        if isinstance(converter, AnyConverter):
            return sorted(converter.items)[0]
        return HUGE_ID if isinstance(converter, IntegerConverter) else "x"

    for rule in app.url_map.iter_rules():
        if any(isinstance(c, IntegerConverter) for c in rule._converters.values()):
            yield rule, re.sub(r"<([^>]+)>", lambda match, rule=rule: part(rule, match), rule.rule)


def test_every_int_route_answers_404_for_an_id_no_database_can_hold(app, client, login_as):
    login_as("admin")
    token = csrf_token(client, "/start/admin")
    routes = list(_paths_with_huge_ids(app))
    assert len(routes) > 20
    for rule, path in routes:
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            response = client.open(path, method=method, data={"csrf_token": token})
            assert response.status_code == 404, f"{method} {path}: {response.status_code}"


@pytest.mark.parametrize("query", [
    "from=0001-01-01&to=0001-01-05",
    "from=9999-12-31&to=9999-12-31",
    "from=2026-01-01&to=9999-12-31",
    "from=0001-01-01&to=2026-01-05",
    "from=1899-12-31&to=1900-01-02",
    "from=2026-01-05&to=2026-01-01",
    "from=%D9%A2%D9%A0%D9%A2%D9%A6-01-05&to=2026-01-06",  # Arabic-Indic digits
    "from=2026-01-05",
])
def test_opening_hours_api_refuses_dates_out_of_range_with_a_swedish_json_400(client, query):
    response = client.get(f"/api/v1/opening-hours?{query}")
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    assert list(response.json) == ["error"]
    assert response.json["error"].split()[0] in {"Datum", "Ange", "Slutdatumet"}, response.json


@pytest.mark.parametrize("year", ["0", "0001", "1999", "9999", "99999999999999999999999", "-2026", "2026.0",
                                  "%D9%A2%D9%A0%D9%A2%D9%A6", "", "2026%00"])
def test_results_api_refuses_absurd_years_with_a_swedish_json_400(client, year):
    response = client.get(f"/api/v1/results?year={year}")
    assert response.status_code == 400
    assert "Ange året" in response.json["error"]


@pytest.mark.parametrize("year", ["0001", "9999", "99999999999999999999999", "%D9%A2%D9%A0%D9%A2%D9%A6"])
def test_public_results_page_refuses_absurd_years_without_a_500(client, year):
    response = client.get(f"/resultat?year={year}")
    assert response.status_code == 400
    assert "Ange året" in response.get_data(as_text=True)


PERSONAL = [
    "800101-1234", "800101–1234", "800101—1234", "800101 - 1234", "800101 – 1234", "80 01 01-1234",
    "8001011234", "19800101-1234", "198001011234", "1980 01 01-1234", "800101+1234", "800161-1234",
    "800191-1234", "800101‐1234", "800101−1234", "８００１０１-１２３４", "pnr 800101 1234 ringer",
    "anna@example.se", "anna @ example.se", "anna(at)example.se", "anna (at) example.se",
    "anna at example.se", "anna [at] example.se", "anna＠example.se", "Anna.Berg@lulea.se ringde",
    "anna at example dot se", "anna(at)example(dot)se", "anna snabel-a example.se",
]
ORDINARY = [
    "Ringde 2026-12-04 kl. 14.30 om sophämtningen", "Kopplad till 4535", "Hänvisad till 0920-45 35 10",
    "Ärendet KS 2026/0123 hos byggnadsnämnden", "Fakturan på 1 250 000 kr", "Belopp 12 345,50 kr",
    "Öppet 08:00-17:00", "Ring 0920-45 30 00 eller 070-123 45 67", "Beslut 2026-01-05, dnr 2026.0451",
    "Avgiften 2026 höjs med 4,5 %", "Tid 2026-12-04 1430", "Växeln 0920453000", "vecka 49, 2026",
    "Frågade at kvällen", "Mejla via lulea.se/kontakt", "Fakturanummer 12345678", "Postnummer 972 41",
]


@pytest.mark.parametrize("note", PERSONAL)
def test_notes_with_a_personal_identity_number_or_an_email_address_are_refused(note):
    assert looks_like_personal_data(note)


@pytest.mark.parametrize("note", ORDINARY)
def test_notes_with_dates_times_phone_numbers_case_numbers_and_amounts_are_kept(note):
    assert not looks_like_personal_data(note)


def test_the_enquiry_service_refuses_a_note_written_with_an_en_dash(app_context):
    from kundweb.audit.services import Actor
    from kundweb.enquiries import services

    admin, agent = Actor("david", frozenset({"admin"})), Actor("bertil", frozenset({"agent"}))
    category = services.add_category(admin, "Stadsbyggnadsförvaltningen", "Bygglov")
    with pytest.raises(services.EnquiryError, match="personuppgifter"):
        services.log_enquiry(agent, services.EnquiryInput("telefon", category.id, "direct",
                                                          note="Ring 800101–1234 om saken"))

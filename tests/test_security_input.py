"""Bad input answers with a clear 400 or 404, never a 500; the note filter keeps personal data out."""
import re

import pytest

from kundweb.enquiries.personal_data import looks_like_personal_data
from tests.conftest import csrf_token
from tests.test_security import matrix_data  # noqa: F401 - a fixture

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
                                  "%D9%A2%D9%A0%D9%A2%D9%A6", ""])
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


ABSURD_VALUES = [HUGE_ID, "-" + HUGE_ID, "0001-01-01", "9999-12-31T23:59", "\x00", "1e999"]


def _every_field_name():
    """Every query parameter and form field the views read, with each form's prefix."""
    import pathlib

    sources = {path: path.read_text(encoding="utf-8") for path in pathlib.Path("kundweb").rglob("*.py")}
    names, prefixes = set(), set()
    for path, text in sources.items():
        names |= set(re.findall(r'request\.(?:args|form)\.get\("([a-z_]+)"', text))
        prefixes |= set(re.findall(r'prefix="([a-z_]+)"', text))
        if path.name == "forms.py":
            names |= set(re.findall(r"^\s+([a-z_]+) = \w+Field", text, re.M))
    return names | {f"{prefix}-{name}" for prefix in prefixes for name in names}


@pytest.mark.parametrize("value", ABSURD_VALUES, ids=repr)
def test_no_route_answers_500_to_an_absurd_value_in_any_field(app, client, login_as, matrix_data, value):
    from tests.test_security import _matrix_url

    names = _every_field_name()
    assert len(names) > 100
    login_as("admin")
    token = csrf_token(client, "/start/admin")
    failed = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "auth.logout"):
            continue
        url = _matrix_url(rule, matrix_data)
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            data = dict.fromkeys(names, value)
            response = (client.get(url, query_string=data) if method == "GET"
                        else client.post(url, data={**data, "csrf_token": token}))
            if response.status_code >= 500:
                failed.append(f"{method} {url}: {response.status_code}")
    assert not failed, failed


def test_a_nul_character_in_a_form_is_a_clear_400_and_nothing_is_saved(app, client, login_as):
    from kundweb.crisis.models import CrisisMessage
    from kundweb.extensions import db

    login_as("communicator")
    response = client.post("/kris/ny", data={"title": "Vatten\x00läcka", "body": "Koka vattnet.",
                                             "severity": "warning", "csrf_token": csrf_token(client, "/kris/ny")})
    assert response.status_code == 400
    assert "gick inte att tolka" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(CrisisMessage)) == 0
    assert client.get("/api/v1/opening-hours?from=2026-01-05\x00&to=2026-01-06").status_code == 400

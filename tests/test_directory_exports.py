"""The R-API exports: public functional entries (never a person) and the switchboard's CSV (token only)."""
import csv
import io

import pytest

from kundweb.audit.services import Actor
from kundweb.database import utcnow
from kundweb.directory import services
from kundweb.extensions import db
from tests.conftest import csrf_token
from tests.directory_helpers import add_person

ADMIN = Actor("david", frozenset({"admin"}))
TOKEN = "s3cret-switchboard-token-0123456789"


@pytest.fixture
def directory(app):
    """People (one hidden, one departed, one with a formula for a note) and public and internal functions."""
    now = utcnow()
    with app.app_context():
        anna = add_person("anna", "Anna Andersson", now, extension="3112", phone="0920-45 31 12",
                          mobile="070-123 45 67", location="Stadshuset, rum 214", reach_note="Telefontid 9–10")
        add_person("hidden", "Sara Skyddad", now, extension="4715", phone="0920-45 47 15", hidden=True)
        gone = add_person("gone", "Olle Slutat", now, extension="4716")
        gone.active = False
        add_person("evil", "Eve Formel", now, extension="4717", reach_note="=HYPERLINK(\"http://x\")")
        db.session.commit()
        bib = services.save_function(ADMIN, None, services.FunctionInput(
            name="Stadsbiblioteket", phone="0920-45 35 10", email="bibliotek@kundweb.demo",
            unit_id=services.unit_named("Kultur- och fritidsförvaltningen", now).id,
            opening_hours="Mån–fre 10–19", responsible_username="anna", public=True, keywords="böcker"), now)
        services.save_function(ADMIN, None, services.FunctionInput(
            name="IT-supporten", phone="0920-45 39 00", public=False), now)
        services.save_function(ADMIN, None, services.FunctionInput(
            name="Gamla simhallen", phone="0920-45 35 99", public=True, active=False), now)
        return {"anna": anna.id, "library": bib.id}


PERSONAL = ["Anna", "Andersson", "3112", "45 31 12", "070", "Sara", "Skyddad", "Olle", "Eve", "anna@", "Stadshuset"]


@pytest.mark.parametrize("query", ["", "?include=persons", "?all=1&hidden=1", "?q=anna", "?type=person",
                                   "?fields=extension,mobile", "?format=csv"])
def test_the_public_export_holds_public_functional_entries_only(directory, client, query):
    response = client.get("/api/v1/directory/public" + query)
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.json == {"entries": [{
        "name": "Stadsbiblioteket", "phone": "0920-45 35 10", "email": "bibliotek@kundweb.demo",
        "unit": "Kultur- och fritidsförvaltningen", "opening_hours": "Mån–fre 10–19"}]}
    text = response.get_data(as_text=True)
    for personal in PERSONAL:
        assert personal not in text


def test_the_public_export_never_shows_a_person_even_logged_in_as_admin(directory, login_as):
    text = login_as("admin").get("/api/v1/directory/public").get_data(as_text=True)
    assert "Anna" not in text and "Skyddad" not in text


def test_the_public_export_is_cacheable_by_the_web_site(directory, client):
    response = client.get("/api/v1/directory/public")
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer ", "Bearer wrong", f"Basic {TOKEN}",
                                    f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", TOKEN])
def test_the_switchboard_file_needs_the_token(directory, app, client, header):
    app.config["SWITCHBOARD_API_TOKEN"] = TOKEN
    try:
        response = client.get("/api/v1/directory/switchboard.csv",
                              headers={"Authorization": header} if header is not None else {})
    finally:
        app.config["SWITCHBOARD_API_TOKEN"] = ""
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Anna" not in response.get_data(as_text=True)


def test_without_a_configured_token_the_switchboard_api_is_closed(directory, client, login_as):
    assert client.get("/api/v1/directory/switchboard.csv", headers={"Authorization": "Bearer "}).status_code == 401
    # Not even for a logged-in admin: admins use the download in the UI.
    assert login_as("admin").get("/api/v1/directory/switchboard.csv").status_code == 401


def read_csv(response):
    assert response.content_type == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_the_switchboard_file_lists_active_visible_people_and_functions(directory, app, client):
    app.config["SWITCHBOARD_API_TOKEN"] = TOKEN
    try:
        response = client.get("/api/v1/directory/switchboard.csv", headers={"Authorization": f"Bearer {TOKEN}"})
    finally:
        app.config["SWITCHBOARD_API_TOKEN"] = ""
    assert response.status_code == 200
    rows = read_csv(response)
    assert list(rows[0]) == list(services.SWITCHBOARD_COLUMNS)
    assert [(row["type"], row["name"]) for row in rows] == [
        ("person", "Anna Andersson"), ("person", "Eve Formel"),
        ("function", "IT-supporten"), ("function", "Stadsbiblioteket")]
    anna = rows[0]
    assert (anna["extension"], anna["direct_number"], anna["mobile"]) == ("3112", "+46920453112", "+46701234567")
    assert (anna["unit"], anna["location"], anna["note"]) == ("Socialförvaltningen", "Stadshuset, rum 214",
                                                               "Telefontid 9–10")
    assert rows[1]["note"].startswith("'=")  # a formula in a note stays text in a spreadsheet
    assert rows[3]["direct_number"] == "+46920453510" and rows[3]["opening_hours"] == "Mån–fre 10–19"


def test_admins_download_the_same_file_from_the_ui(directory, login_as, client):
    admin = login_as("admin")
    response = admin.post("/admin/katalog/vaxel.csv", data={"csrf_token": csrf_token(admin, "/admin/katalog")})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="vaxel-abonnenter.csv"'
    assert [row["name"] for row in read_csv(response)][:2] == ["Anna Andersson", "Eve Formel"]


@pytest.mark.parametrize("role", ["employee", "agent", "communicator"])
def test_only_admins_download_it(directory, login_as, role):
    client = login_as(role)
    assert client.post("/admin/katalog/vaxel.csv", data={"csrf_token": csrf_token(client, "/")}).status_code == 403


def test_the_download_is_a_post_with_the_csrf_token(directory, login_as):
    admin = login_as("admin")
    assert admin.get("/admin/katalog/vaxel.csv").status_code == 405
    assert admin.post("/admin/katalog/vaxel.csv").status_code == 400

"""Functional entries (bath house, library ...): admins create and edit them; only they can be public."""
import pytest

from kundweb.audit.models import AuditEvent
from kundweb.audit.services import Actor
from kundweb.database import utcnow
from kundweb.directory import services
from kundweb.directory.models import FunctionalEntry
from kundweb.extensions import db
from tests.conftest import csrf_token
from tests.directory_helpers import add_person

FORM = {"name": "Centrumbadet", "phone": "0920 45 35 40", "email": "badet@kundweb.demo", "unit_id": "0",
        "opening_hours": "Mån–fre 06.30–20", "responsible_username": "anna", "keywords": "simhall bad",
        "public": "y", "active": "y"}


@pytest.fixture
def anna(app):
    with app.app_context():
        return add_person("anna", "Anna Andersson").id


def test_an_admin_creates_and_edits_a_functional_entry(app, anna, login_as):
    client = login_as("admin")
    response = client.post("/admin/katalog/funktioner/ny",
                           data={**FORM, "csrf_token": csrf_token(client, "/admin/katalog/funktioner/ny")})
    assert response.status_code == 302
    with app.app_context():
        entry = db.session.scalars(db.select(FunctionalEntry)).one()
        assert (entry.phone, entry.public, entry.responsible.username) == ("+46920453540", True, "anna")
        entry_id = entry.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Centrumbadet" in page and "0920-45 35 40" in page and "Anna Andersson" in page
    response = client.post(f"/admin/katalog/funktioner/{entry_id}",
                           data={**FORM, "opening_hours": "Stängt för renovering", "public": "",
                                 "csrf_token": csrf_token(client, "/admin/katalog/funktioner/ny")})
    assert response.status_code == 302
    with app.app_context():
        entry = db.session.get(FunctionalEntry, entry_id)
        assert entry.opening_hours == "Stängt för renovering" and not entry.public
        fields = {change.field for change in services.history(entry)}
        assert {"opening_hours", "public"} <= fields
        actions = [e.action for e in db.session.scalars(db.select(AuditEvent))]
        assert actions.count("directory.function_created") == 1 and actions.count("directory.function_updated") == 1


@pytest.mark.parametrize("changes, field, message", [
    ({"phone": "0920-45"}, "phone", "Numret finns inte"),
    ({"responsible_username": "nobody"}, "responsible_username", "Ingen aktiv medarbetare"),
    ({"name": ""}, "name", "Ange ett namn"),
    ({"email": "inte-en-adress"}, "email", "giltig e-postadress"),
    ({"phone": "", "email": ""}, "public", "telefonnummer eller en e-postadress"),
])
def test_invalid_input_is_shown_at_its_field(app, anna, login_as, changes, field, message):
    client = login_as("admin")
    response = client.post("/admin/katalog/funktioner/ny", data={
        **FORM, **changes, "csrf_token": csrf_token(client, "/admin/katalog/funktioner/ny")})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(db.select(FunctionalEntry)).all() == []


@pytest.mark.parametrize("role", ["employee", "agent", "communicator"])
def test_only_admins_manage_functional_entries(app, anna, login_as, role):
    client = login_as(role)
    assert client.get("/admin/katalog/funktioner").status_code == 403
    response = client.post("/admin/katalog/funktioner/ny",
                           data={**FORM, "csrf_token": csrf_token(client, "/katalog/mina-uppgifter")})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalars(db.select(FunctionalEntry)).all() == []


def test_the_service_refuses_non_admins_and_audits_it(app, app_context):
    with pytest.raises(services.NotAllowed):
        services.save_function(Actor("bertil", frozenset({"agent"})), None,
                               services.FunctionInput(name="Falsk", phone="0920-45 30 00", public=True), utcnow())
    assert db.session.scalars(db.select(AuditEvent)).one().action == "directory.edit_denied"


def test_agents_see_a_functional_entry_and_its_responsible_person(app, anna, login_as):
    with app.app_context():
        entry = services.save_function(Actor("david", frozenset({"admin"})), None, services.FunctionInput(
            name="Stadsbiblioteket", phone="0920-45 35 10", responsible_username="anna", public=True), utcnow())
        entry_id = entry.id
    html = login_as("agent").get(f"/katalog/funktion/{entry_id}").get_data(as_text=True)
    assert "Stadsbiblioteket" in html and "0920-45 35 10" in html and "Anna Andersson" in html

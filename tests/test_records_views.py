"""Public records pages: the start page's quick form, access, masking in page, fragment and export, processing."""
import csv
import io
import json
import zipfile
from datetime import timedelta

import pytest

from kundweb.audit.models import AuditEvent
from kundweb.database import utcnow
from kundweb.extensions import db
from kundweb.records import services
from tests.conftest import csrf_token
from tests.records_helpers import (  # noqa: F401 - clean_store is an autouse fixture
    ADMIN, EMPLOYEE, clean_store, register, upload, wav_bytes,
)

SECRET_SENDER = "Hemliga Hanna"
SECRET_TEXT = "Uppgifter om hennes hälsa"


@pytest.fixture
def items(app):
    """Anna's open item with a file, and her confidential one."""
    with app.app_context():
        plain = register(EMPLOYEE, uploads=[upload(wav_bytes())], sender="Kalle", description="Sophämtning")
        secret = register(EMPLOYEE, uploads=[upload(wav_bytes(0.1))], confidential=True,
                          legal_ground="OSL 26 kap. 1 §", sender=SECRET_SENDER, description=SECRET_TEXT)
        return plain.id, secret.id


def _denials(app):
    with app.app_context():
        return [(e.actor, e.details["intent"]) for e in db.session.scalars(
            db.select(AuditEvent).filter_by(action="records.access_denied").order_by(AuditEvent.id))]


def test_the_employee_start_page_has_the_quick_form(client, login_as):
    login_as("employee")
    html = client.get("/start/employee").get_data(as_text=True)
    assert "Jag har fått ett röstmeddelande eller e-post som kan vara en allmän handling" in html
    assert 'action="/handlingar/ny" enctype="multipart/form-data"' in html
    assert 'name="form_key"' in html and 'type="file"' in html
    assert "Kundcenter" not in html.split("records-quick")[1].split("</form>")[0]  # no unit choice for employees


def test_agents_may_register_for_kundcenter(client, login_as):
    login_as("agent")
    html = client.get("/handlingar/ny").get_data(as_text=True)
    assert 'value="unit"' in html


def test_a_handed_over_enquiry_opens_the_form_with_kind_and_receiver_chosen(client, login_as):
    import re

    login_as("agent")
    html = client.get("/handlingar/ny?slag=call&mottagen_av=unit").get_data(as_text=True)
    checked = re.findall(r'<input[^>]*checked[^>]*value="([a-z]+)"|<input[^>]*value="([a-z]+)"[^>]*checked', html)
    assert {a or b for a, b in checked} == {"call", "unit"}
    html = client.get("/handlingar/ny?slag=<script>&mottagen_av=nagon").get_data(as_text=True)
    checked = re.findall(r'<input[^>]*checked[^>]*value="([a-z]+)"|<input[^>]*value="([a-z]+)"[^>]*checked', html)
    assert {a or b for a, b in checked} == {"me"} and "<script>" not in html


def test_menu_entry_and_open_list(app, client, login_as, items):
    login_as("employee")
    html = client.get("/handlingar").get_data(as_text=True)
    assert 'href="/handlingar" aria-current="page">Allmänna handlingar</a>' in html
    assert "2 öppna handlingar" in html and "Sophämtning" in html
    assert SECRET_TEXT in html  # her own confidential item: she may read it


def test_an_employee_reaches_only_her_own_items_and_every_attempt_is_audited(app, client, login_as, items):
    plain, secret = items
    login_as("communicator")  # Cecilia: not an agent, not the owner
    # 404, as for an id that does not exist: whether her item exists is not told
    assert client.get(f"/handlingar/{plain}").status_code == 404
    assert client.get(f"/handlingar/{plain}/rattelse").status_code == 404
    with app.app_context():
        attachment_id = db.session.get(services.RecordItem, plain).attachments[0].id
    assert client.get(f"/handlingar/{plain}/filer/{attachment_id}").status_code == 404
    token = csrf_token(client, "/handlingar")
    response = client.post(f"/handlingar/{plain}/avsluta", data={"csrf_token": token, "close-reason": "x",
                                                                 "close-revision": "1"})
    assert response.status_code == 404
    assert _denials(app) == [("cecilia", "view"), ("cecilia", "view"), ("cecilia", "download"),
                             ("cecilia", "close")]
    html = client.get("/handlingar/register").get_data(as_text=True)
    assert "0 träffar" in html
    assert client.get("/handlingar/999999").status_code == 404


@pytest.mark.parametrize("role", ["agent", "admin"])
def test_agents_and_admins_see_every_item(client, login_as, items, role):
    login_as(role)
    html = client.get("/handlingar/register").get_data(as_text=True)
    assert "2 träffar" in html and "Sophämtning" in html


def test_confidential_fields_are_masked_for_others_in_page_fragment_and_export(app, client, login_as, items):
    plain, secret = items
    login_as("agent")
    pages = [
        client.get(f"/handlingar/{secret}").get_data(as_text=True),
        client.get("/handlingar").get_data(as_text=True),
        client.get("/handlingar/register").get_data(as_text=True),
    ]
    fragment = client.get("/handlingar/register?status=open", headers={"HX-Request": "true",
                                                                       "HX-Target": "record-results"})
    fragment_html = fragment.get_data(as_text=True)
    assert "<html" not in fragment_html and "2 träffar" in fragment_html
    for html in pages + [fragment_html]:
        assert SECRET_SENDER not in html and SECRET_TEXT not in html
        assert "Sekretess" in html
    assert "OSL 26 kap. 1 §" in pages[0]
    with app.app_context():
        secret_file = db.session.get(services.RecordItem, secret).attachments[0].id
    assert client.get(f"/handlingar/{secret}/filer/{secret_file}").status_code == 404  # the audio would tell
    # The export is what may be shown to the public: masked whoever exports it.
    token = csrf_token(client, "/handlingar/register")
    exported = client.post("/handlingar/export.csv", data={"csrf_token": token})
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    assert exported.headers["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[0][0] == "Diarienummer" and len(rows) == 3
    secret_row = next(r for r in rows if r[7] == "Ja")
    assert secret_row[4] == secret_row[6] == "[Sekretess]" and secret_row[8] == "OSL 26 kap. 1 §"
    assert SECRET_SENDER not in exported.get_data(as_text=True)


def test_the_owner_sees_her_confidential_item_but_the_export_masks_it_anyway(app, client, login_as, items):
    plain, secret = items
    login_as("admin")  # admins may read confidential items, and may export
    assert SECRET_SENDER in client.get(f"/handlingar/{secret}").get_data(as_text=True)
    token = csrf_token(client, "/handlingar/register")
    package = client.post("/handlingar/export.zip", data={"csrf_token": token})
    assert package.status_code == 200 and package.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(package.data))
    register_json = json.loads(archive.read("register.json"))
    by_secrecy = {entry["confidential"]: entry for entry in register_json["items"]}
    assert by_secrecy[True]["sender"] == "[Sekretess]" and by_secrecy[True]["description"] == "[Sekretess]"
    assert by_secrecy[True]["attachments"][0]["file"] is None
    plain_file = by_secrecy[False]["attachments"][0]
    assert archive.read(plain_file["file"]) == wav_bytes()
    assert SECRET_SENDER.encode() not in package.data
    with app.app_context():
        event = db.session.scalars(db.select(AuditEvent).filter_by(action="records.exported")).one()
        assert event.details == {"format": "json", "items": 2, "query": {}}


def test_employees_cannot_export(client, login_as):
    login_as("employee")
    token = csrf_token(client, "/handlingar/register")
    assert client.post("/handlingar/export.csv", data={"csrf_token": token}).status_code == 403


def test_search_page_and_fragment(client, login_as, items):
    login_as("agent")
    page = client.get("/handlingar/register?sender=kalle")
    html = page.get_data(as_text=True)
    assert "<html" in html and "1 träff" in html and 'id="record-results"' in html
    fragment = client.get("/handlingar/register?sender=kalle",
                          headers={"HX-Request": "true", "HX-Target": "record-results"})
    assert "<html" not in fragment.get_data(as_text=True) and "1 träff" in fragment.get_data(as_text=True)
    assert "HX-Request" in fragment.headers["Vary"]
    bad = client.get("/handlingar/register?number=abc").get_data(as_text=True)
    assert "Skriv numret som KC 2026/000123" in bad


def test_an_agent_documents_an_item_and_it_leaves_the_open_list(app, client, login_as, items):
    plain, _ = items
    with app.app_context():
        system_id = services.add_business_system(ADMIN, "Ärendehanteringen").id
    login_as("agent")
    token = csrf_token(client, f"/handlingar/{plain}")
    missing = client.post(f"/handlingar/{plain}/dokumentera",
                          data={"csrf_token": token, "doc-system": str(system_id), "doc-reference": "",
                                "doc-revision": "1"})
    assert missing.status_code == 400 and "Skriv referensen" in missing.get_data(as_text=True)
    done = client.post(f"/handlingar/{plain}/dokumentera",
                       data={"csrf_token": token, "doc-system": str(system_id), "doc-reference": "BN 2026-77",
                             "doc-revision": "1"})
    assert done.status_code == 302
    html = client.get(f"/handlingar/{plain}").get_data(as_text=True)
    assert "Dokumenterad" in html and "BN 2026-77" in html
    assert "Sophämtning" not in client.get("/handlingar").get_data(as_text=True)


def test_a_correction_through_the_page_keeps_the_old_version(app, client, login_as, items):
    plain, _ = items
    login_as("employee")
    form = client.get(f"/handlingar/{plain}/rattelse").get_data(as_text=True)
    assert 'value="Kalle"' in form
    with app.app_context():
        arrived = services.current_revision(db.session.get(services.RecordItem, plain)).arrived_at
    data = {"csrf_token": csrf_token(client, f"/handlingar/{plain}/rattelse"), "kind": "voicemail",
            "arrived_at": arrived.astimezone(services.STOCKHOLM).strftime("%Y-%m-%dT%H:%M"),
            "sender": "Kalle Karlsson", "description": "Sophämtning", "concerns_matter": "yes", "revision": "1"}
    assert client.post(f"/handlingar/{plain}/rattelse", data=data).status_code == 400  # no reason
    data["reason"] = "Efternamnet saknades"
    assert client.post(f"/handlingar/{plain}/rattelse", data=data).status_code == 302
    html = client.get(f"/handlingar/{plain}").get_data(as_text=True)
    assert "Efternamnet saknades" in html and "<del>Kalle</del>" in html and "<ins>Kalle Karlsson</ins>" in html


def test_admins_keep_the_list_of_business_systems(app, client, login_as):
    login_as("admin")
    token = csrf_token(client, "/admin/verksamhetssystem")
    response = client.post("/admin/verksamhetssystem", data={"csrf_token": token, "name": "Procapita",
                                                              "description": "Vård och omsorg"})
    assert response.status_code == 302
    assert client.post("/admin/verksamhetssystem", data={"csrf_token": token, "name": "procapita"}).status_code == 400
    with app.app_context():
        system = services.business_systems()[0]
    client.post(f"/admin/verksamhetssystem/{system.id}", data={"csrf_token": token, "active": "0"})
    with app.app_context():
        assert services.business_systems() == []
        assert len(services.business_systems(include_inactive=True)) == 1  # never removed


def test_only_admins_reach_the_business_systems(client, login_as):
    login_as("agent")
    assert client.get("/admin/verksamhetssystem").status_code == 403


def test_a_registration_form_with_errors_keeps_the_file(app, client, login_as):
    login_as("employee")
    data = {"csrf_token": csrf_token(client, "/handlingar/ny"), "form_key": "f" * 32, "kind": "voicemail",
            "arrived_at": (utcnow() - timedelta(minutes=5)).astimezone(services.STOCKHOLM).strftime("%Y-%m-%dT%H:%M"),
            "description": "Vill bli uppringd", "attachment": (io.BytesIO(wav_bytes()), "rost.wav")}
    response = client.post("/handlingar/ny", data=data, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Ange om det gäller en fråga som kommunen ansvarar för." in html
    assert "Bifogad: <strong" in html and "rost.wav" in html

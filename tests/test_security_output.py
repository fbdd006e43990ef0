"""What leaves Kundweb: downloads never cached, verified attachments, HTML-safe JSON, no id probing."""
import re
from datetime import date, time

import pytest

from kundweb.audit.models import AuditEvent
from kundweb.audit.services import Actor
from kundweb.database import utcnow
from kundweb.extensions import db
from tests.companies_helpers import company, pdf, submit
from tests.conftest import csrf_token
from tests.records_helpers import (  # noqa: F401 - clean_store is an autouse fixture
    EMPLOYEE, clean_store, register, upload, wav_bytes,
)

ADMIN = Actor("david", frozenset({"admin"}))
PAYLOAD = "<script>alert(1)</script>\"'><img src=x onerror=1>&"
SWITCHBOARD_TOKEN = "switchboard-token-for-tests-0123456789"


@pytest.fixture(autouse=True)
def company_attachment_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "COMPANY_ATTACHMENT_DIR", str(tmp_path / "bilagor"))
    monkeypatch.setitem(app.config, "SWITCHBOARD_API_TOKEN", SWITCHBOARD_TOKEN)
    return tmp_path / "bilagor"


@pytest.fixture
def stored(app):
    """A confidential record with a voicemail, and a company case with a PDF."""
    with app.app_context():
        item = register(EMPLOYEE, uploads=[upload(wav_bytes())], confidential=True,
                        legal_ground="OSL 26 kap. 1 §", sender="Hemliga Hanna", description="Hälsa")
        case = submit(company().id, uploads=[pdf()])
        return {"item_id": item.id, "record_file": item.attachments[0].id,
                "case_id": case.id, "case_file": case.attachments[0].id}


# Every download and export: its URL and headers (the method comes from the url_map). A new
# one must be added here: the test below looks for download-like endpoints in the url_map.
DOWNLOADS = {
    "records.download": ("/handlingar/{item_id}/filer/{record_file}", {}),
    "records.export_csv": ("/handlingar/export.csv", {}),
    "records.export_package": ("/handlingar/export.zip", {}),
    "auditlog.export_csv": ("/admin/granskningslogg/export.csv", {}),
    "answers.report_csv": ("/kunskapsbanken/rapport.csv", {}),
    "goals.export_csv": ("/servicemal/export.csv?from=2025-03&to=2025-04", {}),
    "goals.export_xlsx": ("/servicemal/export.xlsx?from=2025-03&to=2025-04", {}),
    "directory.switchboard_download": ("/admin/katalog/vaxel.csv", {}),
    "directory.api_switchboard": ("/api/v1/directory/switchboard.csv",
                                  {"Authorization": f"Bearer {SWITCHBOARD_TOKEN}"}),
    "companies.attachment": ("/admin/bolag/arenden/{case_id}/bilagor/{case_file}", {}),
}
DOWNLOAD_HINTS = (".csv", ".zip", "export", "download", "attachment", "fil", "bilag", "vaxel")


def test_every_download_endpoint_is_in_the_download_table(app):
    found = {rule.endpoint for rule in app.url_map.iter_rules()
             if any(hint in rule.rule.lower() or hint in rule.endpoint for hint in DOWNLOAD_HINTS)
             and rule.endpoint not in {"companies.attach", "static"}}
    missing = found - set(DOWNLOADS)
    assert not missing, f"add these downloads to DOWNLOADS in {__name__}: {sorted(missing)}"


def test_every_download_and_export_is_sent_with_no_store(app, client, login_as, stored):
    login_as("admin")
    token = csrf_token(client, "/start/admin")
    methods = {rule.endpoint: rule.methods for rule in app.url_map.iter_rules()}
    for endpoint, (path, headers) in DOWNLOADS.items():
        method = "POST" if "POST" in methods[endpoint] else "GET"
        data = {"csrf_token": token} if method == "POST" else None
        response = client.open(path.format(**stored), method=method, data=data, headers=headers)
        assert response.status_code == 200, (endpoint, response.status_code)
        assert response.headers["Content-Disposition"].startswith("attachment"), endpoint
        assert response.headers["Cache-Control"] == "no-store", (endpoint, response.headers["Cache-Control"])
        assert response.headers["X-Content-Type-Options"] == "nosniff", endpoint


def test_a_company_attachment_whose_bytes_changed_is_never_served(app, client, login_as, stored,
                                                                  company_attachment_dir, caplog):
    login_as("admin")
    path = f"/admin/bolag/arenden/{stored['case_id']}/bilagor/{stored['case_file']}"
    assert client.get(path).data.startswith(b"%PDF-")
    [stored_file] = [p for p in company_attachment_dir.iterdir()]
    with open(stored_file, "ab") as handle:
        handle.write(b"\n<script>alert('tillagt i efterhand')</script>")
    response = client.get(path)
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "tillagt i efterhand" not in body and "%PDF" not in body
    assert "stämmer inte längre med kontrollsumman" in body and "Content-Disposition" not in response.headers
    assert any("failed its integrity check" in r.getMessage() for r in caplog.records)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)
                                 .filter_by(action="company.case_attachment_damaged")) == 1


def test_a_company_attachment_cut_short_is_never_served(app, client, login_as, stored, company_attachment_dir):
    login_as("admin")
    [stored_file] = [p for p in company_attachment_dir.iterdir()]
    stored_file.write_bytes(b"%PDF-1.4\n")
    response = client.get(f"/admin/bolag/arenden/{stored['case_id']}/bilagor/{stored['case_file']}")
    assert response.status_code == 500 and "kontrollsumman" in response.get_data(as_text=True)


def _store_payload_in_public_data(app):
    from kundweb.directory import services as directory
    from kundweb.hours import services as hours

    with app.app_context():
        directory.save_function(ADMIN, None, directory.FunctionInput(
            name=PAYLOAD, phone="0920-45 35 10", email="kundcenter@lulea.se", opening_hours=PAYLOAD,
            public=True), utcnow())
        hours.add_exception(ADMIN, hours.ExceptionInput(date(2026, 12, 23), "shortened", time(8), time(12), PAYLOAD))


@pytest.mark.parametrize("path", ["/api/v1/directory/public", "/api/v1/opening-hours?from=2026-12-21&to=2026-12-27",
                                  "/api/v1/crisis", "/api/v1/results?year=2026", "/healthz"])
def test_json_answers_are_html_safe(app, client, path):
    _store_payload_in_public_data(app)
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "application/json"
    raw = response.get_data(as_text=True)
    for character in "<>&'":
        assert character not in raw, f"{path} sends a raw {character!r}"
    if "directory" in path or "opening-hours" in path:
        assert "\\u003cscript\\u003e" in raw
        assert PAYLOAD in _strings(response.json)  # the same text, only written safely


def _strings(value):
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def test_json_error_answers_are_html_safe(client):
    response = client.get("/api/v1/opening-hours?from=<script>&to=x")
    assert response.status_code == 400 and "<" not in response.get_data(as_text=True)
    response = client.get("/api/v1/finns-inte-<script>")
    assert response.status_code == 404 and "<" not in response.get_data(as_text=True)


@pytest.fixture
def others_record(app):
    with app.app_context():
        item = register(EMPLOYEE, uploads=[upload(wav_bytes())], sender="Kalle", description="Sophämtning")
        return item.id, item.attachments[0].id


def without_csrf_tokens(response):
    """The page with its CSRF tokens blanked: a token carries its second, which may tick between two requests."""
    return CSRF_TOKEN_VALUE.sub("", response.get_data(as_text=True))


CSRF_TOKEN_VALUE = re.compile(r'(?<=X-CSRFToken": ")[^"]+|(?<=name="csrf_token" value=")[^"]+')


def test_another_employees_record_answers_exactly_as_a_missing_one(app, client, login_as, others_record):
    """Cecilia may not reach Anna's record: the answer must not tell her that it exists."""
    item_id, file_id = others_record
    login_as("communicator")
    token = csrf_token(client, "/handlingar")
    missing = item_id + 1000
    for method, template in [("GET", "/handlingar/{}"), ("GET", "/handlingar/{}/rattelse"),
                             ("GET", "/handlingar/{}/filer/" + str(file_id)), ("POST", "/handlingar/{}/avsluta"),
                             ("POST", "/handlingar/{}/oppna"), ("POST", "/handlingar/{}/dokumentera"),
                             ("POST", "/handlingar/{}/rattelse")]:
        data = {"csrf_token": token, "close-reason": "x", "close-revision": "1", "reopen-reason": "x",
                "reopen-revision": "1"}
        existing = client.open(template.format(item_id), method=method, data=data)
        absent = client.open(template.format(missing), method=method, data=data)
        assert existing.status_code == absent.status_code == 404, (method, template, existing.status_code)
        assert without_csrf_tokens(existing) == without_csrf_tokens(absent)
    with app.app_context():  # still written down: the attempts are audited
        assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)
                                 .filter_by(action="records.access_denied")) >= 3


def test_another_persons_directory_entry_answers_an_employee_exactly_as_a_missing_one(app, client, login_as):
    from tests.directory_helpers import add_demo_users

    with app.app_context():
        users = {name: person.id for name, person in add_demo_users().items()}
    login_as("employee")
    token = csrf_token(client, "/katalog/mina-uppgifter")
    other, missing = users["bertil"], max(users.values()) + 1000
    for method, template in [("GET", "/katalog/person/{}"), ("GET", "/katalog/person/{}/redigera"),
                             ("POST", "/katalog/person/{}/kontakt"), ("POST", "/katalog/person/{}/bekrafta"),
                             ("POST", "/katalog/person/{}/kontakt/kontrollera/extension")]:
        existing = client.open(template.format(other), method=method, data={"csrf_token": token})
        absent = client.open(template.format(missing), method=method, data={"csrf_token": token})
        assert existing.status_code == absent.status_code == 404, (method, template, existing.status_code)


def test_another_agents_enquiry_cannot_be_undone_and_the_answer_does_not_tell_it_exists(app, client, login_as):
    from kundweb.enquiries import services as enquiries
    from kundweb.enquiries.models import Enquiry

    with app.app_context():
        category = enquiries.add_category(ADMIN, "Stadsbyggnadsförvaltningen", "Bygglov")
        enquiry, _ = enquiries.log_enquiry(Actor("bertil", frozenset({"agent"})),
                                           enquiries.EnquiryInput("telefon", category.id, "direct"))
        enquiry_id = enquiry.id
    login_as("admin")  # David holds every role, but the enquiry is Bertil's own
    token = csrf_token(client, "/arenden")
    answers = [client.post(f"/arenden/{some_id}/angra", data={"csrf_token": token}, follow_redirects=True)
               for some_id in (enquiry_id, enquiry_id + 1000)]
    assert [a.status_code for a in answers] == [200, 200]
    assert all("Bara ditt senaste ärende kan ångras." in a.get_data(as_text=True) for a in answers)
    with app.app_context():
        assert db.session.get(Enquiry, enquiry_id) is not None

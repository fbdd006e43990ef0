"""Company pages over HTTP: access, the whole case on the pages, errors shown on the form, downloads."""
import io
import re
from datetime import timedelta

import pytest

from kundweb.audit.models import AuditEvent
from kundweb.companies import services
from kundweb.extensions import db
from tests.companies_helpers import ADMIN, case_in, company, pdf, submit, today
from tests.conftest import csrf_token


@pytest.fixture(autouse=True)
def attachment_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "COMPANY_ATTACHMENT_DIR", str(tmp_path / "bilagor"))
    return tmp_path / "bilagor"


@pytest.fixture
def case_id(app):
    with app.app_context():
        return submit(company().id, uploads=[pdf()]).id


def _admin_urls(case_id):
    with_ids = {"company_id": 1, "case_id": case_id, "attachment_id": 1}
    return [("GET", "/admin/bolag/nytt"), ("POST", "/admin/bolag/nytt"), ("GET", "/admin/bolag/1"),
            ("GET", "/admin/bolag/1/andra"), ("POST", "/admin/bolag/1/andra"),
            ("GET", "/admin/bolag/1/arenden/nytt"), ("POST", "/admin/bolag/1/arenden/nytt"),
            ("GET", f"/admin/bolag/arenden/{case_id}"), ("GET", f"/admin/bolag/arenden/{case_id}/andra"),
            ("POST", f"/admin/bolag/arenden/{case_id}/andra"), ("POST", f"/admin/bolag/arenden/{case_id}/bered"),
            ("POST", f"/admin/bolag/arenden/{case_id}/beslut"), ("POST", f"/admin/bolag/arenden/{case_id}/aterkalla"),
            ("POST", f"/admin/bolag/arenden/{case_id}/bilagor"),
            ("GET", "/admin/bolag/arenden/{case_id}/bilagor/{attachment_id}".format(**with_ids))]


@pytest.mark.parametrize("role", ["employee", "agent", "communicator"])
def test_only_admins_act_on_cases_others_get_403_and_the_attempt_is_audited(app, client, login_as, case_id, role):
    login_as(role)
    token = csrf_token(client, "/start/" + role)
    urls = _admin_urls(case_id)
    for method, url in urls:
        response = client.open(url, method=method, data={"csrf_token": token, "prepare-assessment": "x"})
        assert response.status_code == 403, (method, url)
        assert "Åtkomst nekad" in response.get_data(as_text=True)
    with app.app_context():
        denied = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "access.denied")
                                   .order_by(AuditEvent.id)).all()
        case = services.get_case(case_id)
        assert case.state == "submitted" and len(case.events) == 2  # nothing happened
    assert [(e.details["method"], e.details["path"]) for e in denied] == urls
    assert {e.details["required_role"] for e in denied} == {"admin"}


def test_anonymous_visitors_are_sent_to_login(client, case_id):
    for url in ("/bolag", f"/admin/bolag/arenden/{case_id}"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_agents_read_the_overview_without_admin_tools(app, client, login_as):
    with app.app_context():
        case_in("effective")
    login_as("agent")
    html = client.get("/bolag").get_data(as_text=True)
    assert f"Egen kundtjänst sedan {today().isoformat()}" in html
    assert "0920-29 35 00" in html and "kundservice@luleaenergi.demo" in html
    assert "Registrera bolag" not in html and "/admin/bolag" not in html and "Öppna ärenden" not in html
    assert 'href="/bolag"' in html  # in the menu


@pytest.mark.parametrize("role", ["employee", "communicator"])
def test_the_overview_is_for_kundcenter_staff(client, login_as, role):
    login_as(role)
    assert client.get("/bolag").status_code == 403


def test_admin_overview_shows_open_cases_and_upcoming_dates(app, client, login_as):
    with app.app_context():
        upcoming = case_in("approved")
        lulebo = services.create_company(ADMIN, services.CompanyInput("Lulebo AB", "556012-3456", "0920-23 50 00"))
        waiting_id = submit(lulebo.id).id
        upcoming_date = upcoming.effective_from.isoformat()
    login_as("admin")
    html = client.get("/bolag").get_data(as_text=True)
    upcoming_card = html[html.index("Kommande ändringar"):html.index("Öppna ärenden")]
    assert upcoming_date in upcoming_card and "Luleå Energi AB" in upcoming_card
    open_card = html[html.index("Öppna ärenden"):html.index("</section>", html.index("Öppna ärenden"))]
    assert "Lulebo AB" in open_card and f"/admin/bolag/arenden/{waiting_id}" in open_card
    assert "Registrera bolag" in html


def _post(client, url, data, **kwargs):
    return client.post(url, data={"csrf_token": csrf_token(client, "/start/admin"), **data}, **kwargs)


def test_register_shows_each_error_at_its_field(client, login_as):
    login_as("admin")
    response = _post(client, "/admin/bolag/nytt", {"name": "", "org_number": "556134-2106", "phone": "12",
                                                   "email": "", "web": "", "topics": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(r'id="org_number-error">Kontrollsiffran stämmer inte', html)
    assert 'id="name-error">Ange bolagets namn.' in html
    assert 'aria-invalid="true"' in html and 'value="556134-2106"' in html


def test_a_whole_case_through_the_pages(app, client, login_as, attachment_dir):
    login_as("admin")
    response = _post(client, "/admin/bolag/nytt", {
        "name": "Luleå Energi AB", "org_number": "5561342105", "phone": "0920293500",
        "email": "kundservice@luleaenergi.demo", "web": "www.luleaenergi.demo", "topics": "Elnät\nFjärrvärme\nelnät"})
    assert response.status_code == 302
    company_url = response.headers["Location"]
    assert "Nytt ärende om utträde" in client.get(company_url).get_data(as_text=True)

    requested = (today() + timedelta(days=30)).isoformat()
    response = _post(client, company_url + "/arenden/nytt", {
        "reasons": "Egen kundtjänst.", "requested_from": requested,
        "files": [(io.BytesIO(b"%PDF-1.4 skrivelse"), "Skrivelse från bolaget.pdf")]},
        content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    case_url = response.headers["Location"]

    # Deciding before preparing is refused with a clear message, and nothing changes.
    response = _post(client, case_url + "/beslut", {
        "decision-outcome": "approved", "decision-decision_date": today().isoformat(),
        "decision-reference": "KLF 2026/318", "decision-director_name": "Karin Berglund",
        "decision-effective_from": requested}, follow_redirects=True)
    assert "Ärendet måste beredas innan kommundirektörens beslut kan registreras." in response.get_data(as_text=True)

    assert _post(client, case_url + "/bered", {"prepare-assessment": "Föreslås bifall."}).status_code == 302
    response = _post(client, case_url + "/beslut", {
        "decision-outcome": "approved", "decision-decision_date": today().isoformat(),
        "decision-reference": "KLF 2026/318", "decision-director_name": "Karin Berglund",
        "decision-effective_from": today().isoformat()}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Beslutet är registrerat" in html and "Beviljat" in html

    # Editing a decided case: refused, back to the case.
    response = client.get(case_url + "/andra", follow_redirects=True)
    assert "Ärendet är beslutat och kan inte längre ändras." in response.get_data(as_text=True)

    with app.app_context():
        assert services.apply_due_cases()
    html = client.get(case_url).get_data(as_text=True)
    for step in ("Inlämnat", "Bilaga tillagd", "Berett", "Bifall av kommundirektören", "Genomfört"):
        assert step in html
    assert "Systemet (schemalagt jobb)" in html and "KLF 2026/318" in html
    assert f"Egen kundtjänst sedan {today().isoformat()}" in client.get("/bolag").get_data(as_text=True)

    download = client.get(re.search(r'href="(/admin/bolag/arenden/\d+/bilagor/\d+)"', html).group(1))
    assert download.status_code == 200 and download.data == b"%PDF-1.4 skrivelse"
    assert download.headers["Content-Type"] == "application/octet-stream"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["Cache-Control"] == "no-store"


def test_decision_errors_are_shown_on_the_case_page(app, client, login_as):
    with app.app_context():
        case_id = case_in("prepared").id
    login_as("admin")
    response = _post(client, f"/admin/bolag/arenden/{case_id}/beslut", {
        "decision-outcome": "approved", "decision-decision_date": (today() + timedelta(days=1)).isoformat(),
        "decision-reference": "", "decision-director_name": "K B", "decision-effective_from": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Beslutsdatumet kan inte vara i framtiden." in html and "Ange beslutets diarienummer." in html
    assert 'id="decision-decision_date-error"' in html


def test_an_upload_over_the_limit_is_refused_before_it_is_read(app, client, login_as, case_id, monkeypatch):
    monkeypatch.setitem(app.config, "COMPANY_ATTACHMENT_MAX_BYTES", 1000)
    login_as("admin")
    token = csrf_token(client, "/start/admin")
    big = io.BytesIO(b"x" * (services.MAX_FILES_PER_UPLOAD * 1000 + 1024 * 1024 + 10))
    response = client.post(f"/admin/bolag/arenden/{case_id}/bilagor", content_type="multipart/form-data",
                           data={"csrf_token": token, "attach-files": [(big, "stor.pdf")]})
    assert response.status_code == 413
    small_but_too_big = io.BytesIO(b"%PDF-" + b"x" * 996)
    response = client.post(f"/admin/bolag/arenden/{case_id}/bilagor", content_type="multipart/form-data",
                           data={"csrf_token": token, "attach-label": "other",
                                 "attach-files": [(small_but_too_big, "stor.pdf")]})
    assert response.status_code == 400 and "stor.pdf är större än" in response.get_data(as_text=True)
    with app.app_context():
        assert len(services.get_case(case_id).attachments) == 1


def test_unknown_company_case_and_attachment_are_404(client, login_as, case_id):
    login_as("admin")
    for url in ("/admin/bolag/999", "/admin/bolag/arenden/999", f"/admin/bolag/arenden/{case_id}/bilagor/999"):
        assert client.get(url).status_code == 404

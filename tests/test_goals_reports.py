"""Closed months stay as they were, exports for Swedish Excel, the dashboard pages, the public results."""
import csv
import io
from datetime import datetime, timezone

import pytest

from kundweb.audit.models import AuditEvent
from kundweb.audit.services import Actor
from kundweb.enquiries import services as enquiries
from kundweb.extensions import db
from kundweb.goals import kpi, services
from tests.conftest import csrf_token
from tests.callback_helpers import callback_for

ADMIN = Actor("david", frozenset({"admin"}))
AGENT = Actor("bertil", frozenset({"agent"}))
UTC = timezone.utc
NOW = datetime(2025, 6, 15, 12, tzinfo=UTC)
MARCH = "datum;erbjudna;besvarade;besvarade inom gränsen\n2025-03-03;100;95;92\n"


def seed(app):
    """March 2025: 3 of 4 direct, one via e-services; phone 92 of 100; April: 1 of 2 direct."""
    with app.app_context():
        enquiries.add_target(ADMIN, "unit", "Socialförvaltningen")
        category = enquiries.add_category(ADMIN, "Lulebo AB", "Bostadskö")
        target = enquiries.targets()[0].id
        for day, channel, outcome in [(3, "telefon", "direct"), (4, "etjanst", "direct"), (5, "epost", "direct"),
                                      (6, "telefon", "forwarded")]:
            enquiries.log_enquiry(AGENT, enquiries.EnquiryInput(channel, category.id, outcome, target),
                                  now=datetime(2025, 3, day, 9, tzinfo=UTC))
        for outcome in ("direct", "callback"):
            enquiries.log_enquiry(AGENT, enquiries.EnquiryInput("besok", category.id, outcome,
                                                                callback=callback_for(outcome)),
                                  now=datetime(2025, 4, 2, 9, tzinfo=UTC))
        services.import_telephony(ADMIN, "mars.csv", MARCH.encode(), now=NOW)


def march(app):
    with app.app_context():
        return {r.goal.key: r for r in kpi.results(kpi.combine(services.figures_for(["2025-03"]).values()))}


def test_a_closed_month_does_not_change_after_a_later_import_until_reopened(app):
    seed(app)
    with app.app_context():
        services.close_month(ADMIN, "2025-03", "Månadsrapporten", now=NOW)
    assert march(app)["phone"].value == 92.0
    with app.app_context():
        services.import_telephony(ADMIN, "ny.csv", MARCH.replace("100;95;92", "100;95;50").encode(), now=NOW)
        category = enquiries.categories()[0]
        enquiries.log_enquiry(AGENT, enquiries.EnquiryInput("telefon", category.id, "callback",
                                                            callback=callback_for("callback")),
                              now=datetime(2025, 3, 20, 9, tzinfo=UTC))
    frozen = march(app)
    assert (frozen["phone"].value, frozen["direct"].value, frozen["direct"].denominator) == (92.0, 75.0, 4)
    with app.app_context():
        services.reopen_month(ADMIN, "2025-03", "Rättat underlag", now=NOW)
        actions = db.session.scalars(db.select(AuditEvent.action).where(AuditEvent.action.like("goals.month%"))
                                     .order_by(AuditEvent.id)).all()
    assert actions == ["goals.month_closed", "goals.month_reopened"]
    live = march(app)
    assert (live["phone"].value, live["direct"].value, live["direct"].denominator) == (50.0, 60.0, 5)


def test_only_finished_months_can_be_closed_and_only_once(app_context):
    with pytest.raises(services.GoalsError, match="avslutade"):
        services.close_month(ADMIN, "2025-06", "Månadsrapporten", now=NOW)
    services.close_month(ADMIN, "2025-05", "Månadsrapporten", now=NOW)
    with pytest.raises(services.GoalsError, match="redan"):
        services.close_month(ADMIN, "2025-05", "Månadsrapporten", now=NOW)
    with pytest.raises(services.GoalsError, match="inte stängd"):
        services.reopen_month(ADMIN, "2025-04", "Rättat underlag", now=NOW)


def test_a_target_change_does_not_rewrite_a_closed_month(app):
    seed(app)
    with app.app_context():
        services.close_month(ADMIN, "2025-03", "Månadsrapporten", now=NOW)
        services.add_target(ADMIN, "direct", 80, "2025-01", now=NOW)
    assert (march(app)["direct"].target, march(app)["direct"].met) == (70.0, True)


def test_csv_export_parses_back_to_the_dashboards_numbers(app):
    seed(app)
    with app.app_context():
        services.close_month(ADMIN, "2025-03", "Månadsrapporten", now=NOW)
        text = services.export_csv("2025-03", "2025-04", now=NOW)
        board = services.dashboard("2025-03", "2025-04", now=NOW)
    assert text.startswith("\ufeff") and "\r\n" in text
    rows = list(csv.DictReader(io.StringIO(text[1:], newline=""), delimiter=";"))
    assert len(rows) == 3 * 5
    period = {r["Mål"]: r for r in rows if r["Period"] == "2025-03–2025-04"}
    for result in board.period.results:
        row = period[result.goal.name]
        value = float(row["Resultat (%)"].replace(",", ".")) if row["Resultat (%)"] else None
        assert value == result.value
        assert row["Uppfyllt"] == {True: "Ja", False: "Nej", None: "Ingen data"}[result.met]
        assert row["Täljare"] == ("" if result.numerator is None else str(result.numerator))
    assert period["Svar direkt i Kundcenter"]["Resultat (%)"] == "66,7"  # 4 of 6, decimal comma
    march_rows = {r["Mål"]: r for r in rows if r["Period"] == "2025-03"}
    assert march_rows["Väntetid i telefon"]["Resultat (%)"] == "92,0" and march_rows["Väntetid i telefon"]["Fastställd"] == "Ja"


def test_csv_download_is_utf8_with_bom_for_excel(app, login_as):
    seed(app)
    client = login_as("agent")
    response = client.get("/servicemal/export.csv?from=2025-03&to=2025-04")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf") and "attachment" in response.headers["Content-Disposition"]
    assert "Svar direkt i Kundcenter;66,7" in response.data.decode("utf-8-sig")


def test_dashboard_page_for_agents_read_only_and_admins_with_month_actions(app, login_as, client):
    seed(app)
    login_as("agent")
    html = client.get("/servicemal?from=2025-03&to=2025-04").get_data(as_text=True)
    assert "Servicemålen: mars–april 2025" in html and "Ej uppfyllt" in html and "Uppfyllt" in html
    assert 'role="img"' in html and "Visa som tabell" in html and "Bostadskö" in html
    assert "Stäng<span" not in html
    assert client.post("/servicemal/manad/2025-03/stang",
                       data={"csrf_token": csrf_token(client, "/servicemal")}).status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/servicemal")})
    login_as("admin")
    html = client.get("/servicemal?from=2025-03&to=2025-04").get_data(as_text=True)
    assert "Stäng<span" in html
    response = client.post("/servicemal/manad/2025-03/stang", data={"csrf_token": csrf_token(client, "/servicemal"),
                                                                    "reason": "Månadsrapporten", "confirm": "y",
                                                                    "back": "/servicemal?from=2025-03&to=2025-04"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/servicemal?from=2025-03&to=2025-04")
    assert "Öppna igen" in client.get("/servicemal?from=2025-03&to=2025-04").get_data(as_text=True)
    report = client.get("/servicemal/rapport?from=2025-03&to=2025-04").get_data(as_text=True)
    assert "rapport för mars–april 2025" in report and "Månad för månad" in report


@pytest.mark.parametrize("query", ["from=2025-13", "from=2025-05&to=2025-03", "from=x"])
def test_bad_periods_fall_back_with_a_message(login_as, query):
    client = login_as("agent")
    response = client.get(f"/servicemal?{query}")
    assert response.status_code == 200 and 'notice--error' in response.get_data(as_text=True)


def test_employees_do_not_see_the_dashboard(login_as):
    assert login_as("employee").get("/servicemal").status_code == 403


def test_public_results_show_only_closed_months(app, client):
    seed(app)
    with app.app_context():
        services.close_month(ADMIN, "2025-03", "Månadsrapporten", now=NOW)
    data = client.get("/api/v1/results?year=2025").get_json()
    assert data["year"] == 2025 and [m["month"] for m in data["months"]] == ["2025-03"]
    direct = next(r for r in data["months"][0]["results"] if r["goal"] == "direct")
    assert direct == {"goal": "direct", "name": "Svar direkt i Kundcenter", "value": 75.0, "target": 70.0,
                      "comparison": "min", "met": True, "numerator": 3, "denominator": 4,
                      "previous_year_value": None}
    assert data["months"][0]["closed_at"].endswith("+02:00")
    page = client.get("/resultat?year=2025").get_data(as_text=True)
    assert "Så går det för Kundcenter 2025" in page and "Mars 2025" in page and "April 2025" not in page


@pytest.mark.parametrize("query", ["", "?year=", "?year=abc", "?year=1999", "?year=20255", "?year=3000"])
def test_public_api_refuses_a_bad_year(client, query):
    response = client.get(f"/api/v1/results{query}")
    assert response.status_code == 400 and "ÅÅÅÅ" in response.get_json()["error"]


def test_public_page_with_a_bad_year_says_so(client):
    response = client.get("/resultat?year=abc")
    assert response.status_code == 400 and "ÅÅÅÅ" in response.get_data(as_text=True)


def test_a_target_entered_by_mistake_can_be_removed_and_closed_months_keep_theirs(app):
    seed(app)
    with app.app_context():
        services.close_month(ADMIN, "2025-03", "Månadsrapporten", now=NOW)
        wrong, _ = services.add_target(ADMIN, "direct", 95, "2025-03", now=NOW)
        right, _ = services.add_target(ADMIN, "direct", 80, "2025-01", now=NOW)
        assert services.targets_for_month("2025-04", services.target_rows())["direct"]["value"] == 95.0
        goal, valid_from, closed = services.remove_target(ADMIN, wrong.id, now=NOW)
        assert (goal, valid_from, closed) == ("direct", "2025-03", True)
        assert services.targets_for_month("2025-04", services.target_rows())["direct"]["value"] == 80.0
        event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "goals.target_removed")).one()
        assert (event.actor, event.details["before"]["value"], event.details["valid_from"]) == ("david", 95.0, "2025-03")
        with pytest.raises(services.GoalsError, match="finns inte längre"):
            services.remove_target(ADMIN, wrong.id, now=NOW)
    assert march(app)["direct"].target == 70.0  # closed with the guideline's target, and stays so


def test_only_admins_remove_targets_from_the_targets_page(app, login_as):
    with app.app_context():
        target, _ = services.add_target(ADMIN, "satisfaction", 75, "2025-01", now=NOW)
        target_id = target.id
    agent = login_as("agent")
    assert agent.post(f"/servicemal/mal/{target_id}/ta-bort",
                      data={"csrf_token": csrf_token(agent, "/servicemal")}).status_code == 403
    agent.post("/logout", data={"csrf_token": csrf_token(agent, "/servicemal")})
    admin = login_as("admin")
    response = admin.get("/servicemal/mal")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[:2000]
    assert f"/servicemal/mal/{target_id}/ta-bort" in page and "Ta bort" in page
    answer = admin.post(f"/servicemal/mal/{target_id}/ta-bort", data={"csrf_token": csrf_token(admin, "/servicemal/mal")},
                        follow_redirects=True).get_data(as_text=True)
    assert "är borttagen" in answer and f"/servicemal/mal/{target_id}/ta-bort" not in answer
    again = admin.post(f"/servicemal/mal/{target_id}/ta-bort", data={"csrf_token": csrf_token(admin, "/servicemal/mal")},
                       follow_redirects=True).get_data(as_text=True)
    assert "finns inte längre" in again

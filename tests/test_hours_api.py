"""The opening-hours API contract, admin rules through HTTP, and "open now" on every page."""
from datetime import date, time

import pytest

from kundweb.audit.models import AuditEvent
from kundweb.extensions import db
from kundweb.hours import services
from tests.conftest import csrf_token

CONTRACT_KEYS = {"date", "open", "opens", "closes", "kind", "note"}


@pytest.mark.parametrize("query", [
    "", "from=2026-01-01", "to=2026-01-01", "from=2026-13-01&to=2026-12-31", "from=2026-1-5&to=2026-01-09",
    "from=x&to=y", "from=2026-01-10&to=2026-01-01", "from=2026-01-01&to=2027-01-02",
    "from=2026-02-30&to=2026-03-01", "from=%00&to=2026-01-01", "from=2026-01-01T00:00&to=2026-01-02",
])
def test_bad_calendar_requests_get_400_json(client, query):
    response = client.get(f"/api/v1/opening-hours?{query}")
    assert response.status_code == 400
    assert response.is_json and isinstance(response.json["error"], str) and response.json["error"]


def test_calendar_contract_around_epiphany(client):
    response = client.get("/api/v1/opening-hours?from=2026-01-03&to=2026-01-07")
    assert response.status_code == 200
    body = response.json
    assert body["timezone"] == "Europe/Stockholm"
    assert all(set(day) == CONTRACT_KEYS for day in body["days"])
    by_date = {day["date"]: day for day in body["days"]}
    # Sat 3 Jan, Sun 4 Jan closed; Mon 5 Jan Trettondagsafton shortened; Tue 6 Jan closed; Wed 7 Jan normal
    assert by_date["2026-01-03"] == {"date": "2026-01-03", "open": False, "opens": None, "closes": None,
                                     "kind": "closed", "note": None}
    assert by_date["2026-01-05"] == {"date": "2026-01-05", "open": True, "opens": "08:00", "closes": "15:00",
                                     "kind": "shortened", "note": "Trettondagsafton"}
    assert by_date["2026-01-06"]["kind"] == "closed" and by_date["2026-01-06"]["note"] == "Trettondedag jul"
    assert by_date["2026-01-07"] == {"date": "2026-01-07", "open": True, "opens": "08:00", "closes": "17:00",
                                     "kind": "normal", "note": None}


def test_calendar_of_exactly_366_days_is_allowed(client):
    response = client.get("/api/v1/opening-hours?from=2027-01-01&to=2028-01-01")
    assert response.status_code == 200 and len(response.json["days"]) == 366


def test_now_contract(client):
    body = client.get("/api/v1/opening-hours/now").json
    assert set(body) == {"open", "closes_at", "next_open"}
    if body["open"]:
        assert body["closes_at"][-6:] in ("+01:00", "+02:00") and body["next_open"] is None
    else:
        assert body["next_open"][-6:] in ("+01:00", "+02:00") and body["closes_at"] is None


def test_every_page_says_whether_kundcenter_is_open(client):
    html = client.get("/login").get_data(as_text=True)
    assert "Kundcenter:" in html and ("Öppet nu, stänger" in html or "Stängt, öppnar" in html)


def test_admin_adds_exception_and_the_calendar_follows_and_it_is_audited(app, client, login_as):
    login_as("admin")
    token = csrf_token(client, "/admin/oppettider")
    form = {"exception-day": "2027-03-03", "exception-kind": "closed", "exception-opens": "", "exception-closes": "",
            "exception-note": "Personalutbildning", "exception-csrf_token": token}
    preview = client.post("/admin/oppettider/undantag", data={**form, "action": "preview"})
    assert preview.status_code == 200
    assert "Förhandsgranskning" in preview.get_data(as_text=True)
    assert client.get("/api/v1/opening-hours?from=2027-03-03&to=2027-03-03").json["days"][0]["open"] is True
    saved = client.post("/admin/oppettider/undantag", data={**form, "action": "save"})
    assert saved.status_code == 302
    day = client.get("/api/v1/opening-hours?from=2027-03-03&to=2027-03-03").json["days"][0]
    assert (day["open"], day["kind"], day["note"]) == (False, "closed", "Personalutbildning")
    with app.app_context():
        event = db.session.scalars(db.select(AuditEvent).filter_by(action="hours.exception_added")).one()
        assert event.actor == "david" and event.details["day"] == "2027-03-03"


def test_exception_with_closing_before_opening_is_refused_and_nothing_saved(app, client, login_as):
    login_as("admin")
    response = client.post("/admin/oppettider/undantag", data={
        "exception-day": "2027-03-04", "exception-kind": "extended", "exception-opens": "18:00",
        "exception-closes": "09:00", "exception-note": "", "action": "save",
        "exception-csrf_token": csrf_token(client, "/admin/oppettider")})
    assert response.status_code == 400
    assert "Stängningstiden måste vara senare" in response.get_data(as_text=True)
    assert client.get("/api/v1/opening-hours?from=2027-03-04&to=2027-03-04").json["days"][0]["kind"] == "normal"


def test_extended_period_and_early_close(app, app_context):
    from kundweb.audit.services import Actor

    admin = Actor("david", frozenset({"admin"}))
    services.add_period(admin, services.PeriodInput(date(2027, 3, 1), date(2027, 3, 31), None, time(19, 0), True,
                                                    "Deklarationstider"))
    services.set_early_close(admin, time(14, 0))
    days = {d.date: d for d in services.calendar_between(date(2027, 3, 1), date(2027, 3, 31))}
    assert (days[date(2027, 3, 1)].kind, days[date(2027, 3, 1)].closes) == ("extended", time(19, 0))
    assert days[date(2027, 3, 6)].kind == "closed"  # a Saturday: weekdays only
    eve = services.calendar_between(date(2027, 1, 5), date(2027, 1, 5))[0]  # Trettondagsafton, Tuesday
    assert (eve.kind, eve.closes) == ("shortened", time(14, 0))


def test_preview_shows_changes_without_saving(app, app_context):
    candidate = services.ExceptionInput(date(2030, 1, 2), "closed", None, None, "Test")
    result = services.preview(date(2030, 1, 1), exception=candidate)
    assert (result.first, result.last) == (date(2030, 1, 1), date(2030, 3, 1))  # the next 60 days
    assert len(result.changes) == 1 and result.changes[0][1].kind == "closed"
    assert services.calendar_between(date(2030, 1, 2), date(2030, 1, 2))[0].kind == "normal"


@pytest.mark.parametrize("role", ["employee", "agent", "communicator"])
def test_only_admins_edit_opening_hours(client, login_as, role):
    login_as(role)
    assert client.get("/admin/oppettider").status_code == 403
    response = client.post("/admin/oppettider/undantag", data={
        "exception-day": "2027-03-03", "exception-kind": "closed", "action": "save",
        "exception-csrf_token": csrf_token(client, "/")})
    assert response.status_code == 403


def test_maintenance_window_is_shown_on_every_page(app, client, app_context):
    from datetime import timedelta

    from kundweb.audit.services import Actor
    from kundweb.database import utcnow

    now = utcnow()
    services.add_maintenance_window(Actor("david", frozenset({"admin"})), now - timedelta(minutes=5),
                                    now + timedelta(hours=1), "uppgradering av e-tjänsteplattformen")
    html = client.get("/login").get_data(as_text=True)
    assert "E-tjänster: stängda för uppgradering av e-tjänsteplattformen" in html

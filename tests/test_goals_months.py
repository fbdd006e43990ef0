"""Closing and reopening a month asks for a reason and a confirmation; the reason is audited and shown."""
from datetime import datetime, timezone

import pytest

from kundweb.audit.models import AuditEvent
from kundweb.audit.services import Actor
from kundweb.extensions import db
from kundweb.goals import services
from kundweb.goals.models import MonthClose
from tests.conftest import csrf_token

ADMIN = Actor("david", frozenset({"admin"}))
NOW = datetime(2025, 6, 15, 12, tzinfo=timezone.utc)


def month_events():
    return db.session.scalars(db.select(AuditEvent).where(AuditEvent.action.like("goals.month%"))
                              .order_by(AuditEvent.id)).all()


def test_close_and_reopen_keep_their_reasons_in_the_audit_log_and_on_the_month(app_context):
    services.close_month(ADMIN, "2025-03", "Månadsrapporten till nämnden", now=NOW)
    assert db.session.get(MonthClose, "2025-03").reason == "Månadsrapporten till nämnden"
    services.reopen_month(ADMIN, "2025-03", "  Telefonistatistiken för mars var ofullständig ", now=NOW)
    status = services.month_statuses(["2025-03", "2025-04"])
    assert status["2025-03"].reason == "Telefonistatistiken för mars var ofullständig"
    assert (status["2025-03"].by, status["2025-03"].closed) == ("david", False) and "2025-04" not in status
    services.close_month(ADMIN, "2025-03", "Kompletterad", now=NOW)
    assert services.month_statuses(["2025-03"])["2025-03"].reason == "Kompletterad"
    events = month_events()
    assert [(e.action, e.details["reason"]) for e in events] == [
        ("goals.month_closed", "Månadsrapporten till nämnden"),
        ("goals.month_reopened", "Telefonistatistiken för mars var ofullständig"),
        ("goals.month_closed", "Kompletterad")]


@pytest.mark.parametrize("reason", ["", "   ", None, "x" * 301])
def test_a_missing_or_overlong_reason_is_refused_and_nothing_is_written(app_context, reason):
    with pytest.raises(services.GoalsError, match="(?i)anledning"):
        services.close_month(ADMIN, "2025-03", reason, now=NOW)
    assert db.session.get(MonthClose, "2025-03") is None and month_events() == []
    services.close_month(ADMIN, "2025-03", "Klar", now=NOW)
    with pytest.raises(services.GoalsError, match="(?i)anledning"):
        services.reopen_month(ADMIN, "2025-03", reason, now=NOW)
    assert db.session.get(MonthClose, "2025-03") is not None and len(month_events()) == 1


def test_the_page_asks_for_a_reason_and_a_confirmation_before_closing(app, login_as):
    admin = login_as("admin")
    page = admin.get("/servicemal/manad/2025-03/stang?back=/servicemal?from=2025-03")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Stäng mars 2025" in html and 'name="reason"' in html and 'name="confirm"' in html
    token = csrf_token(admin, "/servicemal/manad/2025-03/stang")
    refused = admin.post("/servicemal/manad/2025-03/stang", data={"csrf_token": token, "reason": "Klar"})
    assert refused.status_code == 400 and "Bekräfta" in refused.get_data(as_text=True)
    refused = admin.post("/servicemal/manad/2025-03/stang", data={"csrf_token": token, "confirm": "y", "reason": " "})
    assert refused.status_code == 400 and "anledning" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(MonthClose, "2025-03") is None
    done = admin.post("/servicemal/manad/2025-03/stang",
                      data={"csrf_token": token, "confirm": "y", "reason": "Rapporten till nämnden",
                            "back": "/servicemal?from=2025-03&to=2025-03"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/servicemal?from=2025-03&to=2025-03")
    html = admin.get("/servicemal?from=2025-03&to=2025-04").get_data(as_text=True)
    assert "Rapporten till nämnden" in html and "/servicemal/manad/2025-03/oppna" in html
    admin.post("/servicemal/manad/2025-03/oppna", data={"csrf_token": token, "confirm": "y", "reason": "Fel i underlaget"})
    html = admin.get("/servicemal?from=2025-03&to=2025-04").get_data(as_text=True)
    assert "Öppnad igen" in html and "Fel i underlaget" in html


def test_agents_cannot_close_months(login_as):
    agent = login_as("agent")
    assert agent.get("/servicemal/manad/2025-03/stang").status_code == 403
    assert agent.post("/servicemal/manad/2025-03/stang",
                      data={"csrf_token": csrf_token(agent, "/servicemal"), "confirm": "y",
                            "reason": "x"}).status_code == 403

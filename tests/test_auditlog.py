"""The admins' audit log page: filters in Swedish days, keyset paging, export, chain check, access."""
import csv
import io
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from kundweb.audit import services as audit
from kundweb.audit.labels import ACTIONS, AREAS
from kundweb.audit.models import AuditEvent
from kundweb.extensions import db
from tests.audit_helpers import tamper
from tests.conftest import csrf_token

ADMIN = audit.Actor("david", frozenset({"admin"}), "10.0.0.7")
AGENT = audit.Actor("bertil", frozenset({"agent"}), "10.0.0.8")
# 00:30 on 29 March 2026 in Sweden, the night clocks go forward: still 28 March in UTC.
JUST_AFTER_MIDNIGHT = datetime(2026, 3, 28, 23, 30, tzinfo=timezone.utc)
UTC = timezone.utc


def _write(app, *events):
    with app.app_context():
        for action, actor, object_type, object_id, details, when in events:
            audit.record(action, actor, object_type, object_id, details, when)
        db.session.commit()


def _ids(html):
    return [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', html)]


@pytest.fixture
def admin(login_as):
    return login_as("admin")


def test_every_action_the_code_writes_has_a_swedish_label(app):
    """Codes are found as dotted strings in the code (less the endpoint names) plus the families
    built at run time; each must have a label, or admins would read raw codes."""
    from kundweb.companies.services import PAST

    source = "\n".join(p.read_text(encoding="utf-8") for p in Path("kundweb").rglob("*.py"))
    areas = {prefix.rstrip(".") for _, prefixes in AREAS.values() for prefix in prefixes}
    dotted = {code for code in re.findall(r'"([a-z]+\.[a-z_]+)"', source) if code.split(".")[0] in areas}
    not_actions = {"enquiry.category_", "enquiry.target_",  # prefixes of the run-time families below
                   "company.id", "enquiry.id", "answer.id", "directory.json"}  # columns and a file name
    written = dotted - set(app.view_functions) - not_actions
    written |= {f"company.case_{past}" for past in PAST.values()}
    written |= {f"records.{change}" for change in ("corrected", "documented", "closed", "reopened")}
    written |= {f"enquiry.{kind}_{state}" for kind in ("category", "target") for state in ("retired", "reactivated")}
    assert sorted(written - set(ACTIONS)) == []
    assert len(written) > 60  # the scan found the codes, not nothing


def test_the_admin_sees_events_with_swedish_labels_newest_first(app, admin):
    _write(app, ("enquiry.logged", AGENT, "enquiry", 1, {"channel": "telefon"}, None),
           ("records.registered", AGENT, "record_item", 7, {"number": "KC 2026/000001"}, None))
    html = admin.get("/admin/granskningslogg").get_data(as_text=True)
    assert "Handling registrerad" in html and "Ärende loggat" in html
    assert html.index("Handling registrerad") < html.index("Ärende loggat")
    assert "KC 2026/000001" in html  # the details, behind a disclosure
    fragment = admin.get("/admin/granskningslogg?omrade=x", headers={"HX-Request": "true", "HX-Target": "audit-results"})
    assert "<html" not in fragment.get_data(as_text=True)


def test_filters_by_area_person_object_and_swedish_calendar_days(app, admin):
    _write(app, ("auth.login", AGENT, "user", "bertil", {}, JUST_AFTER_MIDNIGHT - timedelta(hours=1)),
           ("access.denied", AGENT, "endpoint", "goals.targets", {}, JUST_AFTER_MIDNIGHT),
           ("records.registered", ADMIN, "record_item", 7, {}, JUST_AFTER_MIDNIGHT + timedelta(days=1)))
    with app.app_context():
        login, denied, registered = db.session.scalars(
            db.select(AuditEvent.id).where(AuditEvent.action.in_(["auth.login", "access.denied", "records.registered"]))
            .order_by(AuditEvent.id)).all()[-3:]

    def shown(query):
        return [i for i in _ids(admin.get("/admin/granskningslogg?" + query).get_data(as_text=True))
                if i in (login, denied, registered)]

    assert shown("area=inloggning") == [denied, login]
    assert shown("actor=BERTIL") == [denied, login]
    assert shown("object_ref=7") == [registered] and shown("object_ref=record_item") == [registered]
    # 23:30 UTC on the 28th is 00:30 on the 29th in Sweden: the 29th's event, not the 28th's.
    assert shown("date_from=2026-03-29&date_to=2026-03-29") == [denied]
    assert shown("date_to=2026-03-28") == [login]
    assert shown("area=inloggning&date_from=2026-03-30") == []


def test_pages_go_back_in_time_and_new_events_do_not_shift_them(app, admin):
    _write(app, *[("goals.target_set", ADMIN, "goal_target", n, {}, None) for n in range(120)])
    first = admin.get("/admin/granskningslogg?area=servicemal").get_data(as_text=True)
    first_ids = _ids(first)
    assert len(first_ids) == 50 and first_ids == sorted(first_ids, reverse=True)
    older = re.search(r'href="([^"]*fore=\d+[^"]*)" rel="next"', first).group(1).replace("&amp;", "&")
    assert "area=servicemal" in older
    _write(app, ("goals.target_set", ADMIN, "goal_target", 999, {}, None))  # arrives while reading
    second_ids = _ids(admin.get(older).get_data(as_text=True))
    assert len(second_ids) == 50 and max(second_ids) == min(first_ids) - 1
    third = admin.get(re.search(r'href="([^"]*fore=\d+[^"]*)" rel="next"', admin.get(older).get_data(as_text=True))
                      .group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert len(_ids(third)) == 20 and 'rel="next"' not in third


@pytest.mark.parametrize("query, message", [
    ("date_from=2026-13-01", "datum"),
    ("date_from=2026-05-02&date_to=2026-05-01", "Slutdatumet ligger före startdatumet."),
    ("area=hemligt", "Inte ett giltigt val"),
])
def test_bad_filters_get_a_swedish_message_and_no_list(admin, query, message):
    response = admin.get("/admin/granskningslogg?" + query)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message.lower() in html.lower() and "Rätta filtren ovan" in html and "Traceback" not in html


def test_only_admins_reach_the_log_and_attempts_are_audited(app, login_as):
    agent = login_as("agent")
    assert agent.get("/admin/granskningslogg").status_code == 403
    assert agent.post("/admin/granskningslogg/export.csv",
                      data={"csrf_token": csrf_token(agent, "/")}).status_code == 403
    with app.app_context():
        denied = db.session.scalars(db.select(AuditEvent).filter_by(action="access.denied")
                                    .order_by(AuditEvent.id)).all()
    assert [(e.actor, e.details["path"]) for e in denied] == [
        ("bertil", "/admin/granskningslogg"), ("bertil", "/admin/granskningslogg/export.csv")]


def test_the_export_is_the_filtered_log_for_swedish_excel_and_is_audited(app, admin):
    _write(app, ("crisis.created", ADMIN, "crisis_message", 3, {"title": "=HYPERLINK(\"x\")"}, JUST_AFTER_MIDNIGHT),
           ("auth.login", AGENT, "user", "bertil", {}, None))
    response = admin.post("/admin/granskningslogg/export.csv",
                          data={"csrf_token": csrf_token(admin, "/admin/granskningslogg"), "area": "kris"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:]), delimiter=";"))
    assert rows[0][:5] == ["Nr", "Tid (svensk tid)", "Vem", "Händelse", "Kod"]
    assert [(r[2], r[3], r[4], r[1]) for r in rows[1:]] == [
        ("david", "Krismeddelande skapat", "crisis.created", "2026-03-29 00:30:00")]
    assert rows[1][8].startswith("{") and "HYPERLINK" in rows[1][8]  # JSON text, not a formula
    with app.app_context():
        exported = db.session.scalars(db.select(AuditEvent).filter_by(action="audit.exported")).one()
    assert exported.actor == "david" and exported.details["rows"] == 1 and exported.details["filters"]["area"] == "kris"


def test_a_formula_in_a_cell_is_kept_as_text(app, admin):
    _write(app, ("auth.login_failed", audit.Actor("=cmd|' /C calc'!A0"), "user", "x", {}, None))
    body = admin.post("/admin/granskningslogg/export.csv",
                      data={"csrf_token": csrf_token(admin, "/admin/granskningslogg"), "area": "inloggning"}
                      ).get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body[1:]), delimiter=";"))
    assert any(r[2] == "'=cmd|' /C calc'!A0" for r in rows[1:])


def test_checking_the_chain_says_whole_or_names_the_broken_event_and_is_audited(app, admin):
    _write(app, *[("hours.exception_added", ADMIN, "hours_day_exception", n, {"n": n}, None) for n in range(3)])
    token = csrf_token(admin, "/admin/granskningslogg")
    page = admin.post("/admin/granskningslogg/kontrollera", data={"csrf_token": token}, follow_redirects=True)
    assert "Kedjan är hel" in page.get_data(as_text=True)
    with app.app_context():
        victim = db.session.scalars(db.select(AuditEvent.id).filter_by(action="hours.exception_added")
                                    .order_by(AuditEvent.id)).all()[1]
        tamper("UPDATE audit_event SET actor = 'mallory' WHERE id = :id", id=victim)
    page = admin.post("/admin/granskningslogg/kontrollera", data={"csrf_token": token}, follow_redirects=True)
    html = page.get_data(as_text=True)
    assert "Kedjan är bruten" in html and f"händelse #{victim}" in html
    with app.app_context():
        checks = db.session.scalars(db.select(AuditEvent).filter_by(action="audit.verified")
                                    .order_by(AuditEvent.id)).all()
    assert [c.details["ok"] for c in checks] == [True, False] and checks[1].object_id == str(victim)

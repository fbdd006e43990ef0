"""Call-backs (Återkoppling): logged with who calls back, by when and the number; the "Att ringa upp"
list for agents and recipients; done by the recipient (audited); the flag when overdue by a working
day (weekends and holidays skipped); the number purged with the notes."""
import re
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from kundweb.audit.models import AuditEvent
from kundweb.audit.services import Actor
from kundweb.enquiries import callbacks, services
from kundweb.enquiries.models import CallBack, Enquiry
from kundweb.extensions import db
from tests.conftest import csrf_token
from tests.directory_helpers import add_demo_users, add_person
from tests.test_enquiries import ADMIN, AGENT, HTMX, _form, category  # noqa: F401 (fixture)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
ANNA = Actor("anna", frozenset({"employee"}))
CECILIA = Actor("cecilia", frozenset({"employee", "communicator"}))
# Thursday 3 December 2026, 10.00 in Luleå.
THURSDAY = datetime(2026, 12, 3, 10, 0, tzinfo=STOCKHOLM)


def local(*args):
    return datetime(*args, tzinfo=STOCKHOLM)


@pytest.fixture
def people(app):
    with app.app_context():
        found = add_demo_users()
        return {name: SimpleNamespace(id=p.id, unit_id=p.unit_id) for name, p in found.items()}


def _call_back(category, assignee, now=THURSDAY, due_at=None, phone="070-123 45 67", key=None):
    data = services.EnquiryInput("telefon", category.id, "callback", submission_key=key,
                                 callback=callbacks.CallBackInput(assignee, due_at, phone))
    enquiry, _ = services.log_enquiry(AGENT, data, now=now)
    return db.session.scalar(db.select(CallBack).where(CallBack.enquiry_id == enquiry.id))


def _person(name):
    from kundweb.directory.models import Person

    return db.session.scalar(db.select(Person).where(Person.username == name))


# --------------------------------------------------------------------------- logging one


def test_a_call_back_is_saved_with_who_by_when_and_the_number_and_audited_without_the_number(
        app_context, category, people):
    callback = _call_back(category, f"person:{people['anna'].id}")
    assert callback.person.display_name == "Anna Andersson" and callback.unit_id is None
    assert callback.phone == "+46701234567"
    # No time given: the next working day (Friday), at Kundcenter's closing time.
    assert callback.due_at == local(2026, 12, 4, 17, 0)
    assert callback.enquiry.outcome == "callback" and callback.created_by == "bertil"
    event = db.session.scalars(db.select(AuditEvent).filter_by(action="enquiry.callback_requested")).one()
    assert event.details["assignee"] == "Anna Andersson" and event.details["person_id"] == people["anna"].id
    assert "70123" not in str(event.details) and "0701" not in str(event.details)  # the audit log is kept for good


@pytest.mark.parametrize("today, due", [
    (local(2026, 12, 4, 9, 0), local(2026, 12, 7, 17, 0)),  # Friday -> Monday
    (local(2026, 12, 23, 9, 0), local(2026, 12, 28, 17, 0)),  # before Christmas -> the Monday after
    (local(2026, 1, 5, 9, 0), local(2026, 1, 7, 17, 0)),  # trettondagsafton -> Wednesday (6 Jan is a holiday)
    (local(2026, 4, 1, 9, 0), local(2026, 4, 2, 15, 0)),  # the next day is skärtorsdagen, closing at 15.00
])
def test_the_default_time_is_the_next_working_day_at_closing(app_context, today, due):
    assert callbacks.default_due(today) == due


@pytest.mark.parametrize("assignee, due_at, phone, field", [
    ("", None, "070-123 45 67", "callback_assignee"),
    ("person:999999", None, "070-123 45 67", "callback_assignee"),
    ("unit:abc", None, "070-123 45 67", "callback_assignee"),
    ("{anna}", None, "", "callback_phone"),
    ("{anna}", None, "070-123 45 6x", "callback_phone"),
    ("{anna}", None, "12", "callback_phone"),
    ("{anna}", local(2026, 12, 3, 9, 0), "070-123 45 67", "callback_due"),
    ("{hidden}", None, "070-123 45 67", "callback_assignee"),
])
def test_a_call_back_is_refused_with_a_swedish_message_at_its_field_and_nothing_is_saved(
        app_context, category, people, assignee, due_at, phone, field):
    hidden = add_person("skyddad", "Skyddad Person", hidden=True)
    assignee = assignee.format(anna=f"person:{people['anna'].id}", hidden=f"person:{hidden.id}")
    with pytest.raises(services.EnquiryError) as refused:
        _call_back(category, assignee, due_at=due_at, phone=phone)
    assert refused.value.field == field and re.search(r"(?i)\b(välj|skriv|numret|telefonnummer|tiden)\b", str(refused.value))
    assert db.session.scalar(db.select(db.func.count()).select_from(Enquiry)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(CallBack)) == 0


def test_a_plain_enquiry_has_no_call_back(app_context, category):
    services.log_enquiry(AGENT, services.EnquiryInput("telefon", category.id, "direct",
                                                      callback=callbacks.CallBackInput("unit:1", None, "1")),
                         now=THURSDAY)
    assert db.session.scalar(db.select(db.func.count()).select_from(CallBack)) == 0


def test_undoing_a_call_back_enquiry_removes_its_call_back(app_context, category, people):
    callback = _call_back(category, f"person:{people['anna'].id}", now=datetime.now(timezone.utc))
    services.undo_last(AGENT, callback.enquiry_id, 120)
    assert db.session.scalar(db.select(db.func.count()).select_from(CallBack)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(Enquiry)) == 0


# --------------------------------------------------------------------------- the list and done


def test_agents_see_every_open_call_back_and_recipients_theirs_and_their_units(app_context, category, people):
    to_anna = _call_back(category, f"person:{people['anna'].id}")
    to_annas_unit = _call_back(category, f"unit:{people['anna'].unit_id}")
    to_kundcenter = _call_back(category, f"unit:{people['bertil'].unit_id}")
    assert [c.id for c in callbacks.to_call(AGENT, _person("bertil"), include_all=True)] == \
        [to_anna.id, to_annas_unit.id, to_kundcenter.id]
    assert {c.id for c in callbacks.to_call(ANNA, _person("anna"), include_all=False)} == {to_anna.id, to_annas_unit.id}
    assert callbacks.to_call(CECILIA, _person("cecilia"), include_all=False) == []
    assert callbacks.to_call(ANNA, None, include_all=False) == []  # no directory entry: nothing of anyone's


def test_the_recipient_marks_it_done_audited_others_may_not(app_context, category, people):
    to_annas_unit = _call_back(category, f"unit:{people['anna'].unit_id}")
    with pytest.raises(services.EnquiryError, match="Bara Socialförvaltningen"):
        callbacks.mark_done(CECILIA, _person("cecilia"), to_annas_unit.id, THURSDAY + timedelta(hours=1))
    with pytest.raises(services.EnquiryError):
        callbacks.mark_done(AGENT, _person("bertil"), to_annas_unit.id, THURSDAY + timedelta(hours=1))
    done = callbacks.mark_done(ANNA, _person("anna"), to_annas_unit.id, THURSDAY + timedelta(hours=2))
    assert done.done_at == THURSDAY + timedelta(hours=2) and done.done_by == "anna"
    event = db.session.scalars(db.select(AuditEvent).filter_by(action="enquiry.callback_done")).one()
    assert event.actor == "anna" and event.details["late"] is False
    assert callbacks.to_call(AGENT, None, include_all=True) == []  # done: off the list
    with pytest.raises(services.EnquiryError, match="redan"):
        callbacks.mark_done(ANNA, _person("anna"), to_annas_unit.id, THURSDAY + timedelta(hours=3))
    with pytest.raises(LookupError):
        callbacks.mark_done(ANNA, _person("anna"), 999999, THURSDAY)


def test_an_admin_may_mark_any_call_back_done(app_context, category, people):
    callback = _call_back(category, f"person:{people['anna'].id}")
    assert callbacks.mark_done(ADMIN, None, callback.id, THURSDAY + timedelta(hours=1)).done_by == "david"


@pytest.mark.parametrize("logged, due, not_yet, flagged", [
    # Due Friday noon: not over the weekend; from Monday noon.
    (THURSDAY, local(2026, 12, 4, 12, 0), local(2026, 12, 7, 11, 59), local(2026, 12, 7, 12, 0)),
    # Due on trettondagsafton: 6 January is a holiday, so from Wednesday the 7th.
    (local(2026, 1, 2, 9, 0), local(2026, 1, 5, 14, 0), local(2026, 1, 7, 13, 59), local(2026, 1, 7, 14, 0)),
    # Due the day before julafton: julafton, juldagen, annandagen and the weekend are not working days.
    (local(2026, 12, 22, 9, 0), local(2026, 12, 23, 10, 0), local(2026, 12, 28, 9, 59), local(2026, 12, 28, 10, 0)),
])
def test_a_call_back_is_flagged_when_overdue_by_a_working_day(app_context, category, people, logged, due, not_yet,
                                                               flagged):
    callback = _call_back(category, f"person:{people['anna'].id}", now=logged, due_at=due)
    rows = callbacks.to_call(AGENT, None, include_all=True)
    assert callbacks.overdue(rows, due - timedelta(minutes=1)) == set()
    assert callbacks.overdue(rows, due + timedelta(hours=1)) == set()  # late, but not by a working day
    assert callbacks.overdue(rows, not_yet) == set()
    assert callbacks.overdue(rows, flagged) == {callback.id}
    callbacks.mark_done(ANNA, _person("anna"), callback.id, flagged)
    assert callbacks.overdue(callbacks.to_call(AGENT, None, include_all=True), flagged) == set()


# --------------------------------------------------------------------------- purge


def test_the_callers_number_is_purged_with_the_notes_and_the_call_back_stays(app_context, category, people):
    now = datetime.now(timezone.utc)
    old = _call_back(category, f"person:{people['anna'].id}", now=now - timedelta(days=31))
    new = _call_back(category, f"unit:{people['anna'].unit_id}", now=now - timedelta(days=29))
    services.purge_notes(30, now=now)
    db.session.expire_all()
    assert db.session.get(CallBack, old.id).phone is None and db.session.get(CallBack, old.id).person_id is not None
    assert db.session.get(CallBack, new.id).phone == "+46701234567"
    event = db.session.scalars(db.select(AuditEvent).filter_by(action="enquiry.notes_purged")).one()
    assert event.details["callback_numbers"] == 1 and event.details["count"] == 0
    assert services.purge_notes(30, now=now) == 0  # nothing more; no second event
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "enquiry.notes_purged")) == 1


def test_the_scheduled_purge_job_purges_the_numbers(app, category, people):
    from kundweb.scheduler import enquiry_note_purge

    with app.app_context():
        _call_back(category, f"person:{people['anna'].id}",
                   now=datetime.now(timezone.utc) - timedelta(days=app.config["ENQUIRY_NOTE_RETENTION_DAYS"] + 1))
    enquiry_note_purge(app)
    with app.app_context():
        assert db.session.scalar(db.select(CallBack.phone)) is None


# --------------------------------------------------------------------------- pages


def _callback_form(client, category_id, **extra):
    return _form(client, category_id, outcome="callback", **extra)


def test_an_agent_logs_a_call_back_from_the_form(app, login_as, category, people):
    client = login_as("agent")
    data = _callback_form(client, category.id, callback_assignee=f"person:{people['anna'].id}",
                          callback_due="2030-01-08T10:30", callback_phone="0920-45 35 10")
    response = client.post("/arenden", data=data, headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Sparat:</strong> Telefon · Bygglov · återkoppling" in html
    assert 'id="enquiry-callback"' in html and 'id="callback-phone" name="callback_phone" value=""' in html  # emptied
    with app.app_context():
        callback = db.session.scalars(db.select(CallBack)).one()
        assert (callback.phone, callback.due_at) == ("+46920453510", local(2030, 1, 8, 10, 30))


def test_a_plain_save_does_not_render_the_call_back_fields(app, login_as, category):
    client = login_as("agent")
    html = client.post("/arenden", data=_form(client, category.id), headers=HTMX).get_data(as_text=True)
    assert "enquiry-callback" not in html


def test_a_refused_call_back_shows_the_error_at_its_field_and_keeps_what_was_typed(app, login_as, category, people):
    client = login_as("agent")
    data = _callback_form(client, category.id, callback_assignee=f"person:{people['anna'].id}",
                          callback_phone="070-123 45 6x", note="Om bygglov")
    html = client.post("/arenden", data=data, headers=HTMX).get_data(as_text=True)
    assert 'role="alert"' in html and "Nummer att ringa: Ett telefonnummer får bara innehålla siffror" in html
    assert re.search(r'id="callback-phone"[^>]*value="070-123 45 6x"[^>]*aria-invalid="true"', html)
    assert f'<option value="person:{people["anna"].id}" selected>Anna Andersson' in html  # the person stays chosen
    assert 'value="Om bygglov"' in html
    data.update(callback_phone="070-123 45 67", callback_due="igår")
    html = client.post("/arenden", data=data, headers=HTMX).get_data(as_text=True)
    assert "Senast: Skriv datum och tid som ÅÅÅÅ-MM-DD TT:MM." in html
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Enquiry)) == 0


def test_the_assignee_search_finds_people_and_units(app, login_as, people):
    client = login_as("agent")
    html = client.get("/arenden/aterkoppling/mottagare?callback_q=anders",
                      headers={"HX-Request": "true", "HX-Target": "callback-assignee-wrap"}).get_data(as_text=True)
    assert f'<option value="person:{people["anna"].id}" selected>Anna Andersson (Handläggare, Socialförvaltningen)' in html
    assert "1 person och 0 enheter matchar" in html
    html = client.get("/arenden/aterkoppling/mottagare?callback_q=social",
                      headers={"HX-Request": "true", "HX-Target": "callback-assignee-wrap"}).get_data(as_text=True)
    assert f'value="unit:{people["anna"].unit_id}" selected>Socialförvaltningen' in html


def test_the_list_flags_overdue_and_only_the_recipient_gets_the_done_button(app, client, login_as, category, people):
    with app.app_context():
        overdue_id = _call_back(category, f"person:{people['anna'].id}", now=local(2026, 1, 2, 9, 0),
                                due_at=local(2026, 1, 5, 14, 0)).id
        _call_back(category, f"unit:{people['bertil'].unit_id}", now=datetime.now(timezone.utc))
    login_as("agent")
    html = client.get("/att-ringa-upp").get_data(as_text=True)
    assert "2 återkopplingar, varav 1 försenade" in html and "Försenad" in html
    assert html.count(">Klar<") == 1  # bertil may mark Kundcenter's, not Anna's
    assert 'href="tel:+46701234567"' in html
    client.post("/logout", data={"csrf_token": csrf_token(client, "/att-ringa-upp")})

    login_as("employee")  # anna
    html = client.get("/att-ringa-upp").get_data(as_text=True)
    assert "1 återkoppling, varav 1 försenade" in html
    assert "Kundcenter" not in html.split("<tbody>")[1].split("</tbody>")[0]
    response = client.post(f"/att-ringa-upp/{overdue_id}/klar", data={"csrf_token": csrf_token(client, "/att-ringa-upp")},
                           follow_redirects=True)
    assert "är markerad som klar" in response.get_data(as_text=True)
    assert "Ingen väntar på att bli uppringd" in response.get_data(as_text=True)


def test_someone_else_cannot_mark_it_done(app, client, login_as, category, people):
    with app.app_context():
        callback_id = _call_back(category, f"person:{people['anna'].id}", now=datetime.now(timezone.utc)).id
    login_as("communicator")
    response = client.post(f"/att-ringa-upp/{callback_id}/klar",
                           data={"csrf_token": csrf_token(client, "/att-ringa-upp")}, follow_redirects=True)
    assert "Bara Anna Andersson kan markera" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(CallBack, callback_id).done_at is None

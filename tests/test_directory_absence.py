"""Absence and deputy: set on Mina kontaktuppgifter, checked, audited, kept in the history,
ended early with one click, and over by itself the day after its date."""
import signal
from datetime import date, datetime, timedelta, timezone

import pytest

from kundweb import scheduler
from kundweb.audit.models import AuditEvent
from kundweb.audit.services import Actor
from kundweb.database import utcnow
from kundweb.directory import absence, services
from kundweb.directory.models import EntryChange, Person
from kundweb.extensions import db
from tests.conftest import csrf_token
from tests.directory_helpers import add_demo_users, add_person

ANNA = Actor("anna", frozenset({"employee"}))
BERTIL = Actor("bertil", frozenset({"employee", "agent"}))
DAVID = Actor("david", frozenset({"employee", "admin"}))
# 10 December 2026, 12.00 in Luleå (winter time, UTC+1).
NOON = datetime(2026, 12, 10, 11, 0, tzinfo=timezone.utc)
TODAY = date(2026, 12, 10)


@pytest.fixture
def users(app):
    with app.app_context():
        return {name: person.id for name, person in add_demo_users().items()}


def person(person_id):
    db.session.expire_all()
    return db.session.get(Person, person_id)


def audit_events(action):
    return db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def changes(person_id):
    """The person's absence changes by field (the sync's own rows from creating the entry left out)."""
    return {change.field: change for change in db.session.scalars(
        db.select(EntryChange).where(EntryChange.person_id == person_id,
                                     EntryChange.field.in_(("absent_until", "deputy"))).order_by(EntryChange.id))}


# --------------------------------------------------------------------------- setting it

def test_an_employee_sets_her_absence_with_a_deputy_audited_and_in_her_history(users, app_context):
    anna = person(users["anna"])
    changed = absence.set_absence(ANNA, anna, date(2026, 12, 18), "Bertil Öberg (bertil)", NOON)
    anna = person(users["anna"])
    assert changed == ["absent_until", "deputy"]
    assert anna.absent_until == date(2026, 12, 18) and anna.deputy.username == "bertil"
    assert anna.confirmed_at is None  # an absence says nothing about whether the numbers are current
    history = changes(anna.id)
    assert (history["absent_until"].old_value, history["absent_until"].new_value) == (None, "2026-12-18")
    assert history["deputy"].new_value == "Bertil Öberg (bertil)"
    assert {change.source for change in history.values()} == {"self"}
    assert {change.changed_by for change in history.values()} == {"anna"}
    [event] = audit_events("directory.absence_set")
    assert event.actor == "anna" and event.object_id == str(anna.id)
    assert event.details == {"username": "anna", "until": "2026-12-18", "deputy": "bertil",
                             "fields": ["absent_until", "deputy"]}
    shown = [services.describe(change, str) for change in services.history(anna)]
    assert {(row.label, row.new) for row in shown} >= {("Frånvarande till och med", "2026-12-18"),
                                                      ("Ersättare", "Bertil Öberg (bertil)")}


def test_a_bare_user_name_names_the_deputy_too_and_no_deputy_is_allowed(users, app_context):
    anna = person(users["anna"])
    absence.set_absence(ANNA, anna, TODAY, "  BERTIL ", NOON)
    assert person(users["anna"]).deputy.username == "bertil"
    absence.set_absence(ANNA, person(users["anna"]), TODAY, "", NOON)
    assert person(users["anna"]).deputy is None
    assert absence.set_absence(ANNA, person(users["anna"]), TODAY, "", NOON) == []  # nothing changed, no event
    assert len(audit_events("directory.absence_set")) == 2


@pytest.mark.parametrize("until, message", [
    (None, "Ange sista dagen du är borta."),
    (TODAY - timedelta(days=1), "Datumet har redan passerat. Ange i dag eller en senare dag."),
    (TODAY + timedelta(days=366), "Högst ett år framåt: senast fredag 10 december 2027."),
])
def test_the_date_is_today_or_later_and_at_most_a_year_ahead(users, app_context, until, message):
    with pytest.raises(services.InvalidEntry) as caught:
        absence.set_absence(ANNA, person(users["anna"]), until, "", NOON)
    assert caught.value.errors == {"absent_until": message}
    assert person(users["anna"]).absent_until is None and audit_events("directory.absence_set") == []


@pytest.mark.parametrize("until", [TODAY, TODAY + timedelta(days=365)])
def test_today_and_a_year_ahead_are_accepted(users, app_context, until):
    absence.set_absence(ANNA, person(users["anna"]), until, "", NOON)
    assert person(users["anna"]).absent_until == until


def test_today_is_the_day_in_lulea_not_in_utc(users, app_context):
    # 23.30 UTC on 10 December is already 00.30 on 11 December in Luleå: the 10th has passed.
    late = datetime(2026, 12, 10, 23, 30, tzinfo=timezone.utc)
    with pytest.raises(services.InvalidEntry):
        absence.set_absence(ANNA, person(users["anna"]), TODAY, "", late)
    absence.set_absence(ANNA, person(users["anna"]), TODAY + timedelta(days=1), "", late)


def test_deputy_rules(users, app_context):
    add_person("skyddad", "Sara Skyddad", hidden=True)
    add_person("slutat", "Olle Slutat").active = False
    add_person("borta", "Berit Borta").absent_until = TODAY + timedelta(days=2)
    add_person("tillbaka", "Tore Tillbaka").absent_until = TODAY - timedelta(days=1)  # back since today
    db.session.commit()
    unknown = "Hittar ingen sådan medarbetare. Börja skriva namnet och välj ersättaren bland förslagen."
    refused = {
        "Anna Andersson (anna)": "Ersättaren måste vara någon annan än den som är borta.",
        "nobody": unknown,
        "Sara Skyddad (skyddad)": unknown,  # protected identity: as if she did not exist
        "Olle Slutat (slutat)": unknown,
        "Berit Borta (borta)": "Berit Borta är själv borta till och med lördag 12 december 2026. Välj någon annan.",
    }
    for typed, message in refused.items():
        with pytest.raises(services.InvalidEntry) as caught:
            absence.set_absence(ANNA, person(users["anna"]), TODAY, typed, NOON)
        assert caught.value.errors == {"deputy": message}, typed
    assert person(users["anna"]).absent_until is None  # all or nothing
    absence.set_absence(ANNA, person(users["anna"]), TODAY, "Tore Tillbaka (tillbaka)", NOON)
    assert person(users["anna"]).deputy.username == "tillbaka"


def test_every_error_is_reported_together(users, app_context):
    with pytest.raises(services.InvalidEntry) as caught:
        absence.set_absence(ANNA, person(users["anna"]), TODAY - timedelta(days=3), "nobody", NOON)
    assert set(caught.value.errors) == {"absent_until", "deputy"}


def test_deputy_suggestions_are_active_visible_colleagues_by_name_or_user_name(users, app_context):
    add_person("skyddad", "Björn Skyddad", hidden=True)
    add_person("slutat", "Björn Slutat").active = False
    add_person("bjorn", "Björn Öst")
    db.session.commit()
    anna = person(users["anna"])
    assert [p.username for p in absence.deputy_candidates(anna, "bjo")] == ["bjorn"]
    assert [p.username for p in absence.deputy_candidates(anna, "öst bj")] == ["bjorn"]
    assert [p.username for p in absence.deputy_candidates(anna, "ÖBERG")] == ["bertil"]
    assert [p.username for p in absence.deputy_candidates(anna, "cecilia")] == ["cecilia"]
    assert absence.deputy_candidates(anna, "anna") == []  # not herself
    assert absence.deputy_candidates(anna, "b") == []  # too short to suggest anyone
    assert absence.deputy_candidates(anna, "%_'") == []


def test_an_admin_sets_it_for_someone_else_and_nobody_else_may(users, app_context):
    absence.set_absence(DAVID, person(users["anna"]), TODAY, "bertil", NOON)
    assert {change.source for change in changes(users["anna"]).values()} == {"admin"}
    for actor in (BERTIL, Actor("cecilia", frozenset({"employee", "communicator"}))):
        with pytest.raises(services.NotAllowed):
            absence.set_absence(actor, person(users["anna"]), TODAY + timedelta(days=5), "", NOON)
        with pytest.raises(services.NotAllowed):
            absence.end_absence(actor, person(users["anna"]), NOON)
    assert person(users["anna"]).absent_until == TODAY
    assert len(audit_events("directory.edit_denied")) == 4


# --------------------------------------------------------------------------- ending it

def test_ending_early_is_one_step_audited_and_in_the_history(users, app_context):
    absence.set_absence(ANNA, person(users["anna"]), TODAY + timedelta(days=7), "bertil", NOON)
    assert absence.end_absence(ANNA, person(users["anna"]), NOON) is True
    anna = person(users["anna"])
    assert anna.absent_until is None and anna.deputy is None
    assert not absence.is_absent(anna, NOON)
    [event] = audit_events("directory.absence_ended")
    assert event.actor == "anna" and event.details == {"username": "anna", "until": "2026-12-17"}
    ended = [c for c in db.session.scalars(db.select(EntryChange).where(EntryChange.person_id == anna.id))
             if c.new_value is None]
    assert {(c.field, c.old_value) for c in ended} == {("absent_until", "2026-12-17"),
                                                       ("deputy", "Bertil Öberg (bertil)")}
    assert absence.end_absence(ANNA, person(users["anna"]), NOON) is False  # nothing left to end
    assert len(audit_events("directory.absence_ended")) == 1


def test_the_absence_ends_by_itself_after_its_last_day_in_lulea(users, app_context):
    absence.set_absence(ANNA, person(users["anna"]), TODAY, "bertil", NOON)
    anna = person(users["anna"])
    last_minute = datetime(2026, 12, 10, 22, 59, tzinfo=timezone.utc)  # 23.59 in Luleå
    next_day = datetime(2026, 12, 10, 23, 0, tzinfo=timezone.utc)  # 00.00 on the 11th in Luleå
    assert absence.is_absent(anna, last_minute)
    shown = absence.current_absence(anna, last_minute)
    assert shown.until_label == "torsdag 10 december 2026" and shown.deputy.username == "bertil"
    assert not absence.is_absent(anna, next_day) and absence.current_absence(anna, next_day) is None
    # On summer time too: 21.59 UTC is 23.59 in June, 22.00 UTC the next day.
    summer = date(2027, 6, 10)
    anna.absent_until = summer
    assert absence.is_absent(anna, datetime(2027, 6, 10, 21, 59, tzinfo=timezone.utc))
    assert not absence.is_absent(anna, datetime(2027, 6, 10, 22, 0, tzinfo=timezone.utc))


def test_the_nightly_clearing_ends_only_past_absences_audited_as_the_system(users, app_context):
    absence.set_absence(ANNA, person(users["anna"]), TODAY, "bertil", NOON)
    absence.set_absence(BERTIL, person(users["bertil"]), TODAY + timedelta(days=1), "", NOON)
    assert absence.end_expired_absences(NOON) == []  # Anna's last day is today
    after_midnight = datetime(2026, 12, 10, 23, 5, tzinfo=timezone.utc)  # 00.05 on the 11th in Luleå
    assert absence.end_expired_absences(after_midnight) == ["anna"]
    assert person(users["anna"]).absent_until is None and person(users["anna"]).deputy is None
    assert person(users["bertil"]).absent_until == TODAY + timedelta(days=1)
    [event] = audit_events("directory.absence_expired")
    assert event.actor is None and event.details == {"username": "anna", "until": "2026-12-10"}
    latest = services.describe(services.history(person(users["anna"]))[0], str)
    assert latest.by == "systemet"
    assert absence.end_expired_absences(after_midnight) == []  # once


def test_a_deputy_is_not_named_once_hidden_or_gone_and_their_own_absence_is_shown(users, app_context):
    absence.set_absence(ANNA, person(users["anna"]), TODAY + timedelta(days=5), "bertil", NOON)
    bertil = person(users["bertil"])
    bertil.absent_until = TODAY + timedelta(days=2)  # went away after being chosen
    db.session.commit()
    shown = absence.current_absence(person(users["anna"]), NOON)
    assert shown.deputy.username == "bertil" and shown.deputy_absent_until == TODAY + timedelta(days=2)
    bertil.hidden = True
    db.session.commit()
    assert absence.current_absence(person(users["anna"]), NOON).deputy is None


# --------------------------------------------------------------------------- the scheduler

def test_the_job_is_registered_nightly_in_stockholm_time(app):
    job = scheduler.build_scheduler(app).get_job("directory_absences")
    assert job is not None
    after = datetime(2026, 12, 10, 12, 0, tzinfo=scheduler.LOCAL_TZ)
    fire = job.trigger.get_next_fire_time(None, after)
    assert fire.astimezone(scheduler.LOCAL_TZ).replace(tzinfo=None) == datetime(2026, 12, 11, 1, 5)


def test_the_job_clears_what_has_expired_as_the_scheduler_runs_it(app, users):
    with app.app_context():
        anna = person(users["anna"])
        anna.absent_until = absence.local_today(utcnow()) - timedelta(days=1)
        anna.deputy_id = users["bertil"]
        db.session.commit()
    built = scheduler.build_scheduler(app)
    scheduler.run_job(app, None, built, "directory_absences", built.get_job("directory_absences").args[4])
    with app.app_context():
        anna = person(users["anna"])
        assert anna.absent_until is None and anna.deputy_id is None
        assert [event.details["username"] for event in audit_events("directory.absence_expired")] == ["anna"]


# --------------------------------------------------------------------------- the pages

EDITOR = {"HX-Request": "true", "HX-Target": "entry-editor"}


def stored(app, person_id):
    with app.app_context():
        return db.session.get(Person, person_id)


def today_in_lulea():
    return absence.local_today(utcnow())


def test_my_details_page_offers_the_absence_form_with_the_allowed_dates(users, login_as):
    html = login_as("employee").get("/katalog/mina-uppgifter").get_data(as_text=True)
    today = today_in_lulea()
    assert 'id="absence-title">Frånvaro</h2>' in html
    assert 'type="date"' in html and f'min="{today.isoformat()}"' in html
    assert f'max="{(today + timedelta(days=365)).isoformat()}"' in html
    assert 'list="deputy-options"' in html and "Lägg in frånvaron" in html
    assert "Jag är tillbaka" not in html  # nothing to end yet


def test_setting_it_through_htmx_swaps_the_editor_and_the_history_shows_it(app, users, login_as):
    client = login_as("employee")
    until = today_in_lulea() + timedelta(days=3)
    response = client.post(f"/katalog/person/{users['anna']}/franvaro", headers=EDITOR, data={
        "csrf_token": csrf_token(client, "/katalog/mina-uppgifter"), "absent_until": until.isoformat(),
        "deputy": "Bertil Öberg (bertil)"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html and 'id="entry-editor"' in html
    assert "Frånvaron är sparad." in html and "Du är borta till och med" in html and absence.day_label(until) in html
    assert "Ersättare: <strong>Bertil Öberg</strong>" in html
    assert 'value="Bertil Öberg (bertil)"' in html  # the field shows the chosen deputy
    assert "Jag är tillbaka – avsluta frånvaron" in html
    assert "Frånvarande till och med" in html and "Ersättare" in html  # the history rows
    anna = stored(app, users["anna"])
    assert anna.absent_until == until and anna.deputy_id == users["bertil"]


def test_setting_it_without_javascript_redirects_with_a_message(app, users, login_as):
    client = login_as("employee")
    response = client.post(f"/katalog/person/{users['anna']}/franvaro", data={
        "csrf_token": csrf_token(client, "/katalog/mina-uppgifter"),
        "absent_until": today_in_lulea().isoformat(), "deputy": ""}, follow_redirects=True)
    assert response.status_code == 200 and "Frånvaron är sparad." in response.get_data(as_text=True)
    assert stored(app, users["anna"]).absent_until == today_in_lulea()


@pytest.mark.parametrize("typed, deputy, message", [
    ("2020-01-01", "", "Datumet har redan passerat."),
    ("18/12", "", "Skriv datumet som ÅÅÅÅ-MM-DD"),
    ("", "", "Ange sista dagen du är borta."),
    ("{today}", "anna", "Ersättaren måste vara någon annan än den som är borta."),
    ("{today}", "<script>x</script>", "Hittar ingen sådan medarbetare."),
])
def test_bad_input_is_shown_at_its_field_and_nothing_is_saved(app, users, login_as, typed, deputy, message):
    client = login_as("employee")
    token = csrf_token(client, "/katalog/mina-uppgifter")
    data = {"csrf_token": token, "absent_until": typed.format(today=today_in_lulea().isoformat()), "deputy": deputy}
    page = client.post(f"/katalog/person/{users['anna']}/franvaro", data=data)
    assert page.status_code == 400 and message in page.get_data(as_text=True)
    fragment = client.post(f"/katalog/person/{users['anna']}/franvaro", data=data, headers=EDITOR)
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and message in html and "Frånvaron är inte sparad" in html
    assert "<script>x</script>" not in html
    assert stored(app, users["anna"]).absent_until is None
    with app.app_context():
        assert audit_events("directory.absence_set") == []


def test_ending_it_is_one_click(app, users, login_as):
    client = login_as("employee")
    token = csrf_token(client, "/katalog/mina-uppgifter")
    client.post(f"/katalog/person/{users['anna']}/franvaro", data={
        "csrf_token": token, "absent_until": (today_in_lulea() + timedelta(days=9)).isoformat(), "deputy": "bertil"})
    response = client.post(f"/katalog/person/{users['anna']}/franvaro/avsluta", data={"csrf_token": token},
                           headers=EDITOR)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Frånvaron är avslutad." in html and "Du är borta" not in html
    assert stored(app, users["anna"]).absent_until is None
    again = client.post(f"/katalog/person/{users['anna']}/franvaro/avsluta", data={"csrf_token": token})
    assert again.status_code == 302


def test_the_person_page_shows_the_absence_and_the_deputy_to_forward_to(app, users, login_as):
    until = today_in_lulea() + timedelta(days=4)
    with app.app_context():
        absence.set_absence(ANNA, person(users["anna"]), until, "bertil", utcnow())
    html = login_as("agent").get(f"/katalog/person/{users['anna']}").get_data(as_text=True)
    assert f"Frånvarande till och med <time datetime=\"{until.isoformat()}\">{absence.day_label(until)}</time>" in html
    assert f'href="/katalog/person/{users["bertil"]}">Bertil Öberg</a>, anknytning <strong>3021</strong>' in html
    assert "0920-45 30 21" in html


def test_a_past_date_is_not_shown_as_an_absence_although_the_job_has_not_run(app, users, login_as):
    with app.app_context():
        anna = person(users["anna"])
        anna.absent_until, anna.deputy_id = today_in_lulea() - timedelta(days=1), users["bertil"]
        db.session.commit()
    html = login_as("agent").get(f"/katalog/person/{users['anna']}").get_data(as_text=True)
    assert "Frånvarande" not in html and "ersättaren" not in html


def test_deputy_suggestions_while_typing(app, users, login_as):
    client = login_as("employee")
    html = client.get(f"/katalog/person/{users['anna']}/franvaro/ersattare?deputy=%C3%B6berg",
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    assert '<option value="Bertil Öberg (bertil)">Kundtjänstmedarbetare, Kundcenter</option>' in html
    assert "3021" not in html  # names and titles only
    assert "anna" not in client.get(f"/katalog/person/{users['anna']}/franvaro/ersattare?deputy=anna").get_data(
        as_text=True)


@pytest.mark.parametrize("path, method", [("franvaro", "post"), ("franvaro/avsluta", "post"),
                                          ("franvaro/ersattare?deputy=an", "get")])
def test_idor_someone_elses_absence_is_refused_as_a_missing_id(app, users, login_as, path, method):
    client = login_as("employee")
    token = csrf_token(client, "/katalog/mina-uppgifter")
    bertil = users["bertil"]
    data = {"csrf_token": token, "absent_until": today_in_lulea().isoformat(), "deputy": "anna"}
    response = getattr(client, method)(f"/katalog/person/{bertil}/{path}", **({"data": data} if method == "post" else {}))
    assert response.status_code == 404
    assert stored(app, bertil).absent_until is None
    with app.app_context():
        assert len(audit_events("directory.edit_denied")) == (1 if method == "post" else 0)


def test_an_admin_sets_and_ends_it_for_someone_else(app, users, login_as):
    client = login_as("admin")
    token = csrf_token(client, "/katalog/mina-uppgifter")
    page = client.get(f"/katalog/person/{users['anna']}/redigera").get_data(as_text=True)
    assert "Lägg in frånvaron" in page
    response = client.post(f"/katalog/person/{users['anna']}/franvaro", data={
        "csrf_token": token, "absent_until": today_in_lulea().isoformat(), "deputy": "bertil"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/katalog/person/{users['anna']}")
    assert "Avsluta frånvaron" in client.get(f"/katalog/person/{users['anna']}/redigera").get_data(as_text=True)
    with app.app_context():
        assert [event.actor for event in audit_events("directory.absence_set")] == ["david"]


def test_a_real_scheduler_process_clears_an_expired_absence_when_it_starts(app, users, smtp_server, tmp_path):
    """The catch-up at start: a night missed while the scheduler was down is made up for at once."""
    import time

    from tests.test_scheduler_processes import SchedulerProcess

    with app.app_context():
        anna = person(users["anna"])
        anna.absent_until, anna.deputy_id = absence.local_today(utcnow()) - timedelta(days=2), users["bertil"]
        db.session.commit()
    process = SchedulerProcess(app, app.config["MAIL_PORT"], tmp_path / "scheduler.log")
    try:
        assert process.wait_for("scheduler lock acquired"), process.output()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and stored(app, users["anna"]).absent_until is not None:
            time.sleep(0.2)
    finally:
        process.kill(signal.SIGTERM)
    assert stored(app, users["anna"]).absent_until is None, process.output()
    with app.app_context():
        assert [(e.actor, e.details["username"]) for e in audit_events("directory.absence_expired")] == [
            (None, "anna")]


def test_the_deputy_sees_whom_she_stands_in_for(app, users, login_as):
    until = today_in_lulea() + timedelta(days=2)
    with app.app_context():
        absence.set_absence(ANNA, person(users["anna"]), until, "bertil", utcnow())
        back = add_person("gun", "Gun Gammal")
        back.absent_until, back.deputy_id = today_in_lulea() - timedelta(days=1), users["bertil"]  # back already
        person(users["david"]).deputy_id = users["bertil"]  # not away: no stand-in needed
        db.session.commit()
        assert [p.username for p in absence.deputising_for(person(users["bertil"]), utcnow())] == ["anna"]
    html = login_as("agent").get("/katalog/mina-uppgifter").get_data(as_text=True)
    assert "Du är ersättare för:" in html
    assert f"Anna Andersson, borta till och med {absence.day_label(until)}" in html

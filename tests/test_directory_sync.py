"""The AD sync on the sync's own terms (accounts in, people out) and on the demo directory."""
from datetime import datetime, timedelta, timezone

import pytest

from kundweb import ldap_client
from kundweb.audit.models import AuditEvent
from kundweb.audit.services import Actor
from kundweb.database import utcnow
from kundweb.directory import search, services, sync
from kundweb.directory.models import EntryChange, Person
from kundweb.extensions import db
from tests.directory_helpers import account

OWNED = ("extension", "direct_number", "mobile", "location", "reach_note", "confirmed_at", "hidden")


def by_username():
    db.session.expire_all()
    return {person.username: person for person in db.session.scalars(db.select(Person))}


def owned(person):
    return tuple(getattr(person, name) for name in OWNED)


STAFF = [
    account("anna", "Anna Andersson", extension="2101", phone="+46 8 555 101 01"),
    account("bertil", "Bertil Öberg", title="Kundhandläggare", department="Kundtjänst", extension="2102",
            mobile="070-123 45 67"),
    account("helena", "Helena Strand", extension="2108", disabled=True),
    account("ivar", "Ivar Lund", extension="2109", expired=True),
]


def test_a_first_sync_creates_the_active_people_with_contact_details_from_ad(app_context):
    report = sync.apply_accounts(STAFF, utcnow())
    people = by_username()
    assert sorted(people) == ["anna", "bertil"]  # a disabled or expired account is nobody to forward to
    assert sorted(report.created) == ["anna", "bertil"]
    anna = people["anna"]
    assert (anna.display_name, anna.title, anna.unit_name, anna.email) == \
        ("Anna Andersson", "Handläggare", "Socialförvaltningen", "anna@kundweb.demo")
    assert (anna.extension, anna.direct_number, people["bertil"].mobile) == ("2101", "+46855510101", "+46701234567")
    assert anna.guid == STAFF[0].guid
    assert search.search("oberg").hits[0].name == "Bertil Öberg"
    actions = [event.action for event in db.session.scalars(db.select(AuditEvent))]
    assert actions.count("directory.person_created") == 2 and "directory.synced" in actions


def test_the_second_run_changes_nothing(app_context):
    sync.apply_accounts(STAFF, utcnow())
    events = db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))
    changes = db.session.scalar(db.select(db.func.count()).select_from(EntryChange))
    report = sync.apply_accounts(STAFF, utcnow())
    assert not report.changed and report.unchanged == 2
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)) == events
    assert db.session.scalar(db.select(db.func.count()).select_from(EntryChange)) == changes


def test_ad_fields_follow_ad_and_owned_fields_stay_the_persons(app_context):
    sync.apply_accounts(STAFF, utcnow())
    anna = by_username()["anna"]
    services.update_contact(Actor("anna", frozenset({"employee"})), anna, services.ContactInput(
        extension="3112", direct_number="0920-45 31 12", mobile="", location="Stadshuset", reach_note="Fm"), utcnow())
    before = owned(by_username()["anna"])
    changed = [account("anna", "Anna Berg", title="Enhetschef", department="Socialförvaltningen, vuxen",
                       extension="9999", phone="+46 8 555 999 99", email="anna.berg@kundweb.demo"), *STAFF[1:]]
    report = sync.apply_accounts(changed, utcnow())
    anna = by_username()["anna"]
    assert report.updated == [("anna", ["display_name", "surname", "title", "unit", "email"])]
    assert (anna.display_name, anna.title, anna.unit_name) == ("Anna Berg", "Enhetschef", "Socialförvaltningen, vuxen")
    assert owned(anna) == before  # AD's new ipPhone and telephoneNumber do not overwrite hers
    assert [hit.name for hit in search.search("enhetschef").hits] == ["Anna Berg"]
    history = {change.field: change for change in services.history(anna) if change.source == "sync"}
    assert (history["title"].old_value, history["title"].new_value) == ("Handläggare", "Enhetschef")
    assert history["title"].changed_by is None


@pytest.mark.parametrize("leaving, reason", [
    (account("bertil", "Bertil Öberg", disabled=True), "disabled"),
    (account("bertil", "Bertil Öberg", expired=True), "expired"),
    (None, "gone"),
])
def test_leavers_are_deactivated_never_deleted(app_context, leaving, reason):
    sync.apply_accounts(STAFF, utcnow())
    report = sync.apply_accounts([STAFF[0]] + ([leaving] if leaving else []), utcnow())
    assert report.deactivated == [("bertil", reason)]
    bertil = by_username()["bertil"]
    assert not bertil.active and bertil.deactivated_at is not None
    assert bertil.extension == "2102" and bertil.mobile == "+46701234567"  # kept, never touched
    assert search.search("bertil").hits == []
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "directory.person_deactivated")).one()
    assert event.details == {"username": "bertil", "reason": reason}


def test_a_returning_person_is_reactivated_and_keeps_a_free_extension(app_context):
    sync.apply_accounts(STAFF, utcnow())
    sync.apply_accounts(STAFF[:1], utcnow())
    report = sync.apply_accounts(STAFF, utcnow())
    assert report.reactivated == ["bertil"]
    bertil = by_username()["bertil"]
    assert bertil.active and bertil.extension == "2102" and bertil.deactivated_at is None


def test_a_returning_person_whose_extension_was_given_away_loses_only_that(app_context):
    sync.apply_accounts(STAFF, utcnow())
    sync.apply_accounts(STAFF[:1], utcnow())
    services.update_contact(Actor("anna", frozenset()), by_username()["anna"],
                            services.ContactInput(extension="2102"), utcnow())
    sync.apply_accounts(STAFF, utcnow())
    people = by_username()
    assert people["bertil"].active and people["bertil"].extension is None
    assert people["bertil"].mobile == "+46701234567" and people["anna"].extension == "2102"


def test_an_invalid_or_taken_number_in_ad_is_left_out(app_context):
    report = sync.apply_accounts([account("anna", extension="2101", phone="12345"),
                                  account("olle", extension="2101", mobile="0920-45 30 00")], utcnow())
    people = by_username()
    assert sorted(report.created) == ["anna", "olle"]
    assert people["anna"].direct_number is None and people["olle"].extension is None
    assert people["olle"].mobile is None  # a landline is not a mobile number


def test_a_sync_that_would_empty_the_directory_changes_nothing(app_context, app):
    many = [account(f"person{n}", f"Person{n} Test") for n in range(30)]
    sync.apply_accounts(many, utcnow())
    with pytest.raises(sync.SyncRefused, match="avaktivera 30 av 30"):
        sync.apply_accounts([], utcnow())
    with pytest.raises(sync.SyncRefused, match="avaktivera 20 av 30"):
        sync.apply_accounts(many[:10], utcnow())
    assert sum(person.active for person in by_username().values()) == 30
    report = sync.apply_accounts(many[:10], utcnow(), force=True)
    assert len(report.deactivated) == 20


def test_people_are_created_in_alphabetical_order(app_context):
    """The search ranks the index's first matches; in creation order they are also the alphabetical first."""
    sync.apply_accounts([account("c", "Östen Ödman"), account("a", "Anna Zetterlund"), account("b", "Bo Andersson")],
                        utcnow())
    people = sorted(by_username().values(), key=lambda person: person.id)
    assert [person.display_name for person in people] == ["Bo Andersson", "Anna Zetterlund", "Östen Ödman"]


# --------------------------------------------------------------------------- the demo directory

def test_the_demo_directory_syncs_through_ldap3(app, app_context):
    directory = ldap_client.get_directory(app)
    accounts = directory.list_people()
    usernames = {a.username for a in accounts}
    assert {"anna", "bertil", "cecilia", "david", "erik", "helena", "elin", "frida"} <= usernames
    assert "svc-kundweb" not in usernames  # a service account is not a person
    assert len(accounts) == 302  # 294 generated, 8 written by hand
    report = sync.sync_directory(directory, utcnow())
    assert len(report.created) == sum(1 for a in accounts if not a.disabled)
    assert not sync.sync_directory(directory, utcnow()).changed


def test_the_demo_seed_is_idempotent_and_realistic(app, app_context):
    from kundweb.demo.directory_seed import seed_directory

    lines = seed_directory()
    assert any("funktioner" in line for line in lines)
    assert seed_directory() == []
    overview = services.overview()
    assert 280 <= overview.active <= 300 and overview.functions == 16 and overview.hidden == 1
    assert len({person.unit_id for person in db.session.scalars(db.select(Person))}) >= 8
    assert services.stale_people(utcnow())[0] > 10  # the admins' list has something to show
    assert [hit.name for hit in search.search("lulea").hits] == ["Kundcenter"]  # keyword "luleå"
    assert "Stadsbiblioteket" in [hit.name for hit in search.search("bibliotek").hits]


def test_the_cli_command_reports_what_changed(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["kundweb", "sync-directory"])
    assert result.exit_code == 0, result.output
    assert "ny: anna" in result.output and "nya" in result.output
    again = runner.invoke(args=["kundweb", "sync-directory"])
    assert "0 nya, 0 ändrade, 0 avaktiverade, 0 återaktiverade" in again.output


def test_the_nightly_job_is_registered_and_survives_a_directory_that_is_down(app, monkeypatch, caplog):
    from kundweb import scheduler

    assert {"directory_sync", "directory_reminders"} <= {job_id for job_id, *_ in scheduler.JOBS}

    def down(self):
        raise ldap_client.DirectoryUnavailable("timed out")

    monkeypatch.setattr(ldap_client.Directory, "list_people", down)
    scheduler.directory_sync(app)  # logs, does not raise
    assert "directory sync not done" in caplog.text


def test_expired_accounts_are_computed_from_account_expires():
    past = ldap_client.FILETIME_EPOCH_OFFSET + int(datetime(2020, 1, 1, tzinfo=timezone.utc).timestamp()) * 10**7
    assert ldap_client.filetime_to_datetime(past) < utcnow() - timedelta(days=365)

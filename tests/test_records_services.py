"""Public records through the services: registering, numbers, processing, corrections, masking, reminders."""
from datetime import timedelta

import pytest

from kundweb.audit.models import AuditEvent
from kundweb.database import utcnow
from kundweb.extensions import db
from kundweb.records import services, upkeep
from kundweb.records.models import RecordItem, RecordReminder, RecordRevision
from tests.records_helpers import (  # noqa: F401 - clean_store is an autouse fixture
    ADMIN, AGENT, EML, EMPLOYEE, OTHER_EMPLOYEE, PEOPLE, clean_store, item_input, register, upload,
)


def _system(name="Ärendehanteringen"):
    return services.add_business_system(ADMIN, name, "Diariet")


def test_registration_gets_the_next_number_of_the_series_and_year(app, app_context):
    now = utcnow()
    first, second = register(now=now), register(AGENT, now=now)
    year = now.year
    assert first.registration_number == f"KC {year}/000001"
    assert second.registration_number == f"KC {year}/000002"
    revision = services.current_revision(first)
    assert (revision.status, revision.received_by, revision.received_by_username) == ("open", "Anna Andersson", "anna")
    event = db.session.scalars(db.select(AuditEvent).filter_by(action="records.registered")
                               .order_by(AuditEvent.id)).first()
    assert event.details["number"] == first.registration_number
    assert event.details["content_sha256"] == services.revision_hash(revision)


def test_series_is_configurable_and_numbers_restart_each_year(app, app_context, monkeypatch):
    monkeypatch.setitem(app.config, "RECORDS_SERIES", "TEST")
    last_year = utcnow() - timedelta(days=400)
    old = register(now=last_year, arrived_at=last_year - timedelta(hours=1))
    new = register()
    assert old.registration_number == f"TEST {last_year.year}/000001"
    assert new.registration_number == f"TEST {utcnow().year}/000001"


def test_a_failed_registration_gives_its_number_back(app, app_context, monkeypatch):
    register()

    def fail(*args, **kwargs):
        raise RuntimeError("injected")

    monkeypatch.setattr(services.audit, "record", fail)
    with pytest.raises(RuntimeError):
        register()
    monkeypatch.undo()
    assert register().number == 2  # no gap: 1, 2


def test_the_same_form_key_registers_once(app, app_context):
    first = services.register(EMPLOYEE, PEOPLE["anna"], item_input(), [], "k" * 32)
    again = services.register(EMPLOYEE, PEOPLE["anna"], item_input(description="Ändrat"), [], "k" * 32)
    assert first.created and not again.created and again.item.id == first.item.id
    assert db.session.scalar(db.select(db.func.count()).select_from(RecordItem)) == 1
    with pytest.raises(services.RecordError, match="redan använts"):
        services.register(OTHER_EMPLOYEE, PEOPLE["erik"], item_input(), [], "k" * 32)


@pytest.mark.parametrize("overrides, field", [
    ({"kind": "fax"}, "kind"),
    ({"arrived_at": None}, "arrived_at"),
    ({"arrived_at": utcnow() + timedelta(days=1)}, "arrived_at"),
    ({"description": "   "}, "description"),
    ({"description": "x" * 1001}, "description"),
    ({"concerns_matter": None}, "concerns_matter"),
    ({"confidential": True, "legal_ground": ""}, "legal_ground"),
    ({"received_by_unit": True}, "received_by"),  # an employee cannot register for Kundcenter
])
def test_invalid_registrations_are_refused_with_the_field(app, app_context, overrides, field):
    with pytest.raises(services.RecordError) as caught:
        register(**overrides)
    assert caught.value.field == field
    assert db.session.scalar(db.select(db.func.count()).select_from(RecordItem)) == 0


def test_agents_register_for_kundcenter(app, app_context):
    item = register(AGENT, received_by_unit=True)
    revision = services.current_revision(item)
    assert (revision.received_by, revision.received_by_username) == ("Kundcenter", None)


def test_an_item_concerning_a_matter_stays_open_until_documented(app, app_context):
    system = _system()
    item = register()
    assert [v.id for v in services.open_items(EMPLOYEE)] == [item.id]
    with pytest.raises(services.RecordError, match="ska dokumenteras"):
        services.close(EMPLOYEE, PEOPLE["anna"], item.id, "Reklam")
    with pytest.raises(services.RecordError) as caught:
        services.document(EMPLOYEE, PEOPLE["anna"], item.id, system.id, "  ")
    assert caught.value.field == "reference"
    services.document(EMPLOYEE, PEOPLE["anna"], item.id, system.id, "BN 2026-123", expected_revision=1)
    assert services.open_items(EMPLOYEE) == []
    view = services.search(AGENT, services.SearchQuery(status="documented")).items[0]
    assert (view.business_system, view.business_reference) == ("Ärendehanteringen", "BN 2026-123")


def test_little_importance_is_closed_with_a_reason_and_can_be_reopened(app, app_context):
    item = register(concerns_matter=False)
    with pytest.raises(services.RecordError) as caught:
        services.close(EMPLOYEE, PEOPLE["anna"], item.id, "")
    assert caught.value.field == "reason"
    services.close(EMPLOYEE, PEOPLE["anna"], item.id, "Reklamsamtal")
    assert services.open_items(EMPLOYEE) == []
    services.reopen(AGENT, PEOPLE["bertil"], item.id, "Var inte reklam")
    assert [v.id for v in services.open_items(EMPLOYEE)] == [item.id]
    changes = [r.change for r in db.session.scalars(db.select(RecordRevision).order_by(RecordRevision.id))]
    assert changes == ["registered", "closed", "reopened"]


def test_a_correction_is_a_new_revision_with_its_reason_and_history(app, app_context):
    arrived = utcnow() - timedelta(hours=2)
    item = register(sender="Kale", arrived_at=arrived)
    services.correct(EMPLOYEE, PEOPLE["anna"], item.id, item_input(sender="Kalle", arrived_at=arrived),
                     "Stavfel i namnet", expected_revision=1)
    view, history, _, _ = services.item_page(EMPLOYEE, item.id)
    assert view.sender == "Kalle" and view.revision_no == 2
    assert history[0].reason == "Stavfel i namnet"
    assert ("Avsändare", "Kale", "Kalle") in history[0].changes
    original = db.session.scalars(db.select(RecordRevision).filter_by(item_id=item.id, revision_no=1)).one()
    assert original.sender == "Kale"  # the first version is still there, unchanged
    with pytest.raises(services.RecordError, match="Inget är ändrat"):
        services.correct(EMPLOYEE, PEOPLE["anna"], item.id, item_input(sender="Kalle", arrived_at=arrived), "Igen")


def test_a_change_made_meanwhile_is_not_overwritten(app, app_context):
    system = _system()
    item = register()
    services.correct(AGENT, PEOPLE["bertil"], item.id, item_input(description="Ny"), "Förtydligat", 1)
    with pytest.raises(services.StaleRevision):
        services.document(EMPLOYEE, PEOPLE["anna"], item.id, system.id, "X-1", expected_revision=1)


def test_employees_reach_only_their_own_items_and_attempts_are_audited(app, app_context):
    item = register(EMPLOYEE)
    with pytest.raises(services.AccessDenied):
        services.item_page(OTHER_EMPLOYEE, item.id)
    with pytest.raises(services.AccessDenied):
        services.close(OTHER_EMPLOYEE, PEOPLE["erik"], item.id, "Försök")
    denied = db.session.scalars(db.select(AuditEvent).filter_by(action="records.access_denied")
                                .order_by(AuditEvent.id)).all()
    assert [(e.actor, e.details["intent"]) for e in denied] == [("erik", "view"), ("erik", "close")]
    assert services.search(OTHER_EMPLOYEE, services.SearchQuery()).total == 0
    assert services.search(AGENT, services.SearchQuery()).total == 1
    assert services.item_page(ADMIN, item.id)[0].id == item.id


def test_confidential_sender_and_description_are_masked_for_others(app, app_context):
    item = register(EMPLOYEE, confidential=True, legal_ground="OSL 26 kap. 1 §", sender="Hemlig Person",
                    description="Om en enskilds hälsa")
    own = services.item_page(EMPLOYEE, item.id)[0]
    agents = services.item_page(AGENT, item.id)[0]
    admins = services.item_page(ADMIN, item.id)[0]
    assert (own.sender, own.masked) == ("Hemlig Person", False)
    assert (agents.sender, agents.description, agents.masked) == (None, None, True)
    assert agents.legal_ground == "OSL 26 kap. 1 §"
    assert not admins.masked  # the register's custodians (RECORDS_CONFIDENTIAL_ROLE)
    # Searching for the hidden text must not reveal it either.
    assert services.search(AGENT, services.SearchQuery(sender="Hemlig")).total == 0
    assert services.search(AGENT, services.SearchQuery(text="hälsa")).total == 0
    assert services.search(ADMIN, services.SearchQuery(sender="Hemlig")).total == 1


def test_an_item_once_confidential_keeps_its_history_masked(app, app_context):
    item = register(EMPLOYEE, sender="Kalle")
    services.correct(EMPLOYEE, PEOPLE["anna"], item.id, item_input(sender="Kalle", confidential=True,
                                                                   legal_ground="OSL 26 kap. 1 §"), "Sekretess")
    services.correct(EMPLOYEE, PEOPLE["anna"], item.id, item_input(sender="Kalle"), "Ingen sekretess ändå")
    view, history, _, masked = services.item_page(AGENT, item.id)
    assert masked and view.sender is None
    assert all(entry.reason is None for entry in history)


@pytest.mark.parametrize("number, found", [
    ("KC {year}/000002", True), ("{year}/2", True), ("2", True), ("KC {year}/000003", False), ("kc 2", True),
])
def test_search_by_number(app, app_context, number, found):
    register(), register()
    result = services.search(AGENT, services.SearchQuery(number=number.format(year=utcnow().year)))
    assert [v.number.endswith("000002") for v in result.items] == ([True] if found else [])


def test_search_by_date_kind_sender_text_and_status(app, app_context):
    now = utcnow()
    register(kind="email", sender="Kalle Karlsson", description="Bygglov Storgatan", arrived_at=now - timedelta(days=3))
    register(kind="call", sender="Lisa", description="Snöröjning", arrived_at=now - timedelta(hours=1))
    today = (now + timedelta(hours=1)).date()

    def numbers(**query):
        return {v.kind for v in services.search(AGENT, services.SearchQuery(**query)).items}

    assert numbers(kind="email") == {"email"}
    assert numbers(sender="karl") == {"email"}
    assert numbers(text="snörö") == {"call"}
    assert numbers(date_from=today - timedelta(days=1), date_to=today) == {"call"}
    assert numbers(status="open") == {"email", "call"}
    assert numbers(status="closed") == set()
    with pytest.raises(services.RecordError):
        services.search(AGENT, services.SearchQuery(number="KC/abc"))


def test_email_attachment_fills_sender_and_description(app, app_context):
    eml = upload(EML, "fråga.eml")
    item = register(uploads=[eml], kind="email", sender="", description="")
    revision = services.current_revision(item)
    assert revision.sender == "Kalle Karlsson <kalle@example.se>"
    assert revision.description == "E-post: Förfrågan om bygglov"
    attachment = item.attachments[0]
    assert (attachment.file_kind, attachment.email_subject, attachment.malformed) == ("eml", "Förfrågan om bygglov",
                                                                                     False)


def test_reminders_go_once_per_period_to_the_owner(app, app_context, smtp_server, monkeypatch):
    monkeypatch.setitem(app.config, "RECORDS_REMINDER_DAYS", 5)
    now = utcnow()
    old = register(arrived_at=now - timedelta(days=6))
    register(arrived_at=now - timedelta(days=1))  # too young
    done = register(arrived_at=now - timedelta(days=20), concerns_matter=False)
    services.close(EMPLOYEE, PEOPLE["anna"], done.id, "Fel nummer")
    from kundweb.mail import send_mail

    assert upkeep.send_reminders(send_mail, now) == ["anna@kundweb.demo"]
    assert upkeep.send_reminders(send_mail, now + timedelta(days=1)) == []  # same period: nothing
    assert len(smtp_server.messages) == 1
    recipients, text = smtp_server.messages[0]
    assert recipients == ["anna@kundweb.demo"] and old.registration_number in text
    # Five days on: the first item's second period, and the younger one's first, in one message.
    assert upkeep.send_reminders(send_mail, now + timedelta(days=5)) == ["anna@kundweb.demo"]
    assert len(smtp_server.messages) == 2
    reminded = db.session.execute(db.select(RecordReminder.item_id, RecordReminder.period)).all()
    assert sorted(period for item_id, period in reminded if item_id == old.id) == [1, 2]
    assert len(reminded) == 3


def test_a_failed_reminder_is_tried_again(app, app_context, monkeypatch):
    monkeypatch.setitem(app.config, "RECORDS_REMINDER_DAYS", 5)
    register(arrived_at=utcnow() - timedelta(days=6))

    def down(*args):
        raise OSError("connection refused")

    assert upkeep.send_reminders(down) == []
    assert db.session.scalar(db.select(db.func.count()).select_from(RecordReminder)) == 0
    sent = []
    assert upkeep.send_reminders(lambda *args: sent.append(args)) == ["anna@kundweb.demo"]
    assert len(sent) == 1

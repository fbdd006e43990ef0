"""Registrations are never silently lost or altered: the database refuses changes, verify-audit finds them."""
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from kundweb.extensions import db
from kundweb.records import services
from kundweb.records.models import RecordAttachment, RecordItem, RecordRevision
from tests.audit_helpers import rewrite_chain_without, tamper, verify
from tests.records_helpers import (  # noqa: F401 - clean_store is an autouse fixture
    EMPLOYEE, PEOPLE, clean_store, item_input, register, upload, wav_bytes,
)

APPEND_ONLY = ["record_item", "record_revision", "record_attachment"]


@pytest.fixture
def item(app, app_context):
    """A registration with a file, then a correction and a closing: three revisions."""
    item = register(uploads=[upload(wav_bytes())], concerns_matter=False)
    services.correct(EMPLOYEE, PEOPLE["anna"], item.id, item_input(description="Rättad", concerns_matter=False),
                     "Förtydligat")
    services.close(EMPLOYEE, PEOPLE["anna"], item.id, "Reklam")
    return item


@pytest.mark.parametrize("table", APPEND_ONLY)
def test_raw_update_and_delete_are_refused_by_the_database(app, item, table):
    for sql in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):
        with pytest.raises(IntegrityError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(text(sql))
    with db.engine.connect() as conn:
        assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() > 0


def test_orm_update_and_delete_are_refused_too(app, item):
    registered = db.session.get(RecordItem, item.id)
    registered.registered_by = "mallory"
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    revision = db.session.scalars(db.select(RecordRevision)).first()
    revision.description = "Något annat"
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    for model in (RecordRevision, RecordAttachment, RecordItem):
        db.session.delete(db.session.scalars(db.select(model)).first())
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
    assert db.session.get(RecordItem, item.id).registered_by == "anna"
    assert db.session.scalar(db.select(db.func.count()).select_from(RecordRevision)) == 3


def test_verify_audit_checks_every_revision_against_its_event(app, item):
    code, output = verify(app)
    assert code == 0, output
    assert "3 versioner och 1 fil stämmer" in output


def test_a_revision_changed_behind_the_database_s_back_is_named(app, item):
    tamper("UPDATE record_revision SET description = 'Något annat' WHERE item_id = :id AND revision_no = 2",
           id=item.id)
    code, output = verify(app)
    assert code == 1
    assert f"{item.registration_number} version 2 stämmer inte" in output


def _two_registrations():
    """Item 1 (a file, three revisions) and item 2 (another file); returns both."""
    first = register(uploads=[upload(wav_bytes())], concerns_matter=False)
    services.correct(EMPLOYEE, PEOPLE["anna"], first.id, item_input(description="Rättad", concerns_matter=False),
                     "Förtydligat")
    services.close(EMPLOYEE, PEOPLE["anna"], first.id, "Reklam")
    second = register(uploads=[upload(wav_bytes(0.1), "annat.wav")])
    return first, second


def _event_id(action, item):
    from kundweb.audit.models import AuditEvent

    return db.session.scalars(db.select(AuditEvent.id).where(AuditEvent.action == action,
                                                             AuditEvent.object_id == str(item.id))
                              .order_by(AuditEvent.id.desc())).first()


def _overwrite_stored_file(app, sha256):
    import os

    from kundweb.records import storage

    with app.app_context():
        path = storage.path_for(sha256)
    os.chmod(path, 0o600)
    with open(path, "r+b") as handle:
        handle.seek(60)
        handle.write(b"\x7f\x7f")


def _delete_whole_record(app, first, second):
    tamper("DELETE FROM record_attachment WHERE item_id = :id", id=second["id"])
    tamper("DELETE FROM record_revision WHERE item_id = :id", id=second["id"])
    tamper("DELETE FROM record_item WHERE id = :id", id=second["id"])


# Each tamper: (what it does behind the app's back, the words verify-audit must name it with).
# `first` is the item with three revisions, `second` a later registration (dicts of their values).
TAMPERS = {
    "whole_record_deleted": (
        _delete_whole_record,
        lambda first, second: [f"Diarienummer {second['number']} saknas",
                               f"händelse #{second['registered_event']} registrerade det"]),
    "newest_revision_deleted": (
        lambda app, first, second: tamper("DELETE FROM record_revision WHERE item_id = :id AND revision_no = 3",
                                          id=first["id"]),
        lambda first, second: [f"{first['number']} version 3 saknas", f"händelse #{first['closed_event']}"]),
    "owner_changed": (
        lambda app, first, second: tamper("UPDATE record_item SET registered_by = 'mallory' WHERE id = :id",
                                          id=first["id"]),
        lambda first, second: [first["number"], "mallory", f"händelse #{first['registered_event']}"]),
    "number_changed": (
        lambda app, first, second: tamper("UPDATE record_item SET number = 99 WHERE id = :id", id=second["id"]),
        lambda first, second: [second["number"], "000099", f"händelse #{second['registered_event']}"]),
    "attachment_row_deleted": (
        lambda app, first, second: tamper("DELETE FROM record_attachment WHERE item_id = :id", id=first["id"]),
        lambda first, second: ["Bilaga", first["number"], "saknas", f"händelse #{first['registered_event']}"]),
    "attachment_pointed_at_another_file": (
        lambda app, first, second: tamper(
            "UPDATE record_attachment SET sha256 = :other, size = :size WHERE item_id = :id",
            other=second["sha256"], size=second["size"], id=first["id"]),
        lambda first, second: ["Bilaga", first["number"], f"händelse #{first['registered_event']}"]),
    "counter_raised": (
        lambda app, first, second: tamper("UPDATE record_counter SET last_number = last_number + 5"),
        lambda first, second: ["Räknaren", "står på 7", "000002"]),
    "audit_event_removed_and_chain_recomputed": (
        lambda app, first, second: rewrite_chain_without(first["closed_event"] - 1),
        lambda first, second: [f"händelse #{first['closed_event'] - 1} saknas"]),
    "stored_file_altered": (
        lambda app, first, second: _overwrite_stored_file(app, first["sha256"]),
        lambda first, second: ["Bilaga", first["number"], first["sha256"][:12], "ändrats"]),
}


@pytest.mark.parametrize("kind", list(TAMPERS))
def test_verify_audit_names_each_kind_of_tampering_behind_the_database_s_back(app, app_context, kind):
    first_item, second_item = _two_registrations()
    first = {"id": first_item.id, "number": first_item.registration_number,
             "sha256": first_item.attachments[0].sha256,
             "registered_event": _event_id("records.registered", first_item),
             "closed_event": _event_id("records.closed", first_item)}
    second = {"id": second_item.id, "number": second_item.registration_number,
              "sha256": second_item.attachments[0].sha256, "size": second_item.attachments[0].size,
              "registered_event": _event_id("records.registered", second_item)}
    code, output = verify(app)
    assert code == 0, output
    do, expected = TAMPERS[kind]
    do(app, first, second)
    code, output = verify(app)
    assert code == 1, output
    for words in expected(first, second):
        assert words in output, output


def test_the_number_counter_only_steps_by_one_and_is_never_removed(app, item):
    for sql in ("UPDATE record_counter SET last_number = last_number + 5", "DELETE FROM record_counter",
                "INSERT INTO record_counter (series, year, last_number) VALUES ('KC', 1999, 40)"):
        with pytest.raises(IntegrityError, match="record_counter"):
            with db.engine.begin() as conn:
                conn.execute(text(sql))
    register()  # the registration's own step of one is allowed
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT last_number FROM record_counter")).scalar() == 2


def test_events_written_before_they_carried_owner_and_file_ids_are_checked_for_what_they_carry(app, item):
    """Older registered events lack owner, item hash and attachment ids: still whole, no false alarm."""
    cast = "CAST(:details AS JSON)" if db.engine.dialect.name == "postgresql" else ":details"
    tamper(f"UPDATE audit_event SET details = {cast} WHERE action = 'records.registered'",
           details='{"number": "%s", "revision": 1, "content_sha256": "%s", "attachments": ["%s"]}' % (
               item.registration_number, _registered_content_hash(item), item.attachments[0].sha256))
    rewrite_chain_without(None)
    code, output = verify(app)
    assert code == 0, output


def _registered_content_hash(item):
    from kundweb.audit.models import AuditEvent

    return db.session.scalars(db.select(AuditEvent.details).where(AuditEvent.action == "records.registered")
                              ).one()["content_sha256"]

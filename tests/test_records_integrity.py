"""Registrations are never silently lost or altered: the database refuses changes, verify-audit finds them."""
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from kundweb.extensions import db
from kundweb.records import services
from kundweb.records.models import RecordAttachment, RecordItem, RecordRevision
from tests.audit_helpers import tamper, verify
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
    assert "3 versioner stämmer" in output


def test_a_revision_changed_behind_the_database_s_back_is_named(app, item):
    tamper("UPDATE record_revision SET description = 'Något annat' WHERE item_id = :id AND revision_no = 2",
           id=item.id)
    code, output = verify(app)
    assert code == 1
    assert f"{item.registration_number} version 2 stämmer inte" in output

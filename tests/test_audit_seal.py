"""Signed checkpoints seal the audit chain: a rewritten chain, a forged or a removed checkpoint is found."""
import json
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from kundweb import scheduler
from kundweb.audit import checkpoints
from kundweb.audit import services as audit
from kundweb.audit.models import AuditCheckpoint
from kundweb.database import utcnow
from kundweb.extensions import db
from kundweb.records.exports import export_csv
from kundweb.records.services import SearchQuery
from tests.audit_helpers import rewrite_chain_without, tamper, verify

ADMIN = audit.Actor("david", frozenset({"admin"}), "10.0.0.7")


def _events(count):
    for number in range(count):
        audit.record("auth.login", ADMIN, "user", "david", {"n": number})
    db.session.commit()


def _file_lines(app):
    with open(app.config["AUDIT_CHECKPOINT_FILE"], encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _write_file_lines(app, lines):
    with open(app.config["AUDIT_CHECKPOINT_FILE"], "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(line) + "\n" for line in lines)


@pytest.fixture
def sealed(app, app_context):
    """502 events sealed by a checkpoint, then three more; returns the checkpoint's values."""
    _events(502)
    checkpoint = checkpoints.write_checkpoint(utcnow())
    values = SimpleNamespace(id=checkpoint.id, last_event_id=checkpoint.last_event_id, mac=checkpoint.mac)
    _events(3)
    return values


def test_an_intact_chain_agrees_with_its_checkpoints_in_the_database_and_the_file(app, sealed):
    assert (sealed.last_event_id, len(_file_lines(app))) == (502, 1)
    assert _file_lines(app)[0]["mac"] == sealed.mac
    code, output = verify(app)
    assert code == 0, output
    assert "Granskningsloggen är hel: 505 händelser" in output
    assert "Kontrollpunkter: 1 stämmer med kedjan" in output


@pytest.mark.parametrize("renumber", [True, False], ids=["ids_renumbered", "ids_kept"])
def test_a_chain_rewritten_without_event_500_contradicts_the_checkpoint(app, sealed, renumber):
    rewrite_chain_without(500, renumber=renumber)
    code, output = verify(app)
    assert code == 1, output
    if renumber:  # nothing in the chain itself shows it: only the checkpoint can
        assert f"kontrollpunkt #{sealed.id}" in output and "händelse #502" in output, output
        assert "skrivits om" in output
    else:
        assert "händelse #500 saknas" in output


@pytest.mark.parametrize("where", ["database", "file"])
def test_a_forged_checkpoint_is_found(app, sealed, where):
    """Someone who rewrote the chain and moved the checkpoint to the new head, without the key."""
    rewrite_chain_without(500, renumber=True)
    new_head = db.session.execute(text("SELECT row_hash FROM audit_event WHERE id = 502")).scalar()
    if where == "database":
        tamper("UPDATE audit_checkpoint SET head_hash = :hash", hash=new_head)
    else:
        _write_file_lines(app, [{**line, "head_hash": new_head} for line in _file_lines(app)])
    code, output = verify(app)
    assert code == 1, output
    place = "databasen" if where == "database" else "filen"
    assert f"Kontrollpunkt #{sealed.id} i {place} är förfalskad" in output, output


@pytest.mark.parametrize("where", ["database", "file"])
def test_a_checkpoint_missing_from_one_place_is_reported(app, sealed, where):
    if where == "database":
        tamper("DELETE FROM audit_checkpoint")
        missing, kept = "databasen", "filen"
    else:
        _write_file_lines(app, [])
        missing, kept = "filen", "databasen"
    code, output = verify(app)
    assert code == 1, output
    assert f"Kontrollpunkt #{sealed.id} finns i {kept} men saknas i {missing}" in output, output


def test_a_checkpoint_written_with_another_key_is_forged(app, sealed):
    app.config["AUDIT_SEAL_KEY"], old = "another-key-that-is-long-enough-32b", app.config["AUDIT_SEAL_KEY"]
    try:
        code, output = verify(app)
    finally:
        app.config["AUDIT_SEAL_KEY"] = old
    assert code == 1 and "är förfalskad" in output


def test_checkpoints_are_append_only(app, sealed):
    for sql in ("UPDATE audit_checkpoint SET last_event_id = 1", "DELETE FROM audit_checkpoint"):
        with pytest.raises(IntegrityError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(text(sql))


def test_the_scheduler_job_seals_hourly_and_after_each_export(app, app_context):
    _events(2)
    scheduler.audit_seal(app)
    assert [c.last_event_id for c in db.session.scalars(db.select(AuditCheckpoint))] == [2]
    _events(1)
    scheduler.audit_seal(app)  # within the hour, no export: nothing new
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditCheckpoint)) == 1
    export_csv(ADMIN, SearchQuery())
    scheduler.audit_seal(app)  # an export is sealed at once
    newest = db.session.scalars(db.select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc())).first()
    assert newest.last_event_id == 4
    _events(1)
    assert checkpoints.seal_if_due(utcnow() + timedelta(minutes=61)).last_event_id == 5  # hourly
    assert len(_file_lines(app)) == 3
    code, output = verify(app)
    assert code == 0, output


def test_the_seal_job_is_scheduled_every_minute(app):
    job = scheduler.build_scheduler(app).get_job("audit_seal")
    assert job is not None and job.trigger.interval == timedelta(minutes=1)


def test_seal_audit_command_writes_a_checkpoint(app, app_context):
    _events(1)
    result = app.test_cli_runner().invoke(args=["kundweb", "seal-audit"])
    assert result.exit_code == 0, result.output
    assert "Kontrollpunkt #" in result.output and "händelse #1" in result.output
    assert len(_file_lines(app)) == 1


@pytest.mark.parametrize("settings, problem", [
    ({}, "KUNDWEB_AUDIT_SEAL_KEY"),
    ({"AUDIT_SEAL_KEY": "too-short"}, "at least 32 bytes"),
])
def test_production_refuses_to_start_without_a_long_enough_seal_key(settings, problem):
    from kundweb.config import check_production_config

    config = {"SECRET_KEY": "Qm9vdGgtcmFuZG9tLWJ5dGVzLWZyb20tc2VjcmV0cy10b2tlbg", "DEBUG": False,
              "LDAP_TLS_VALIDATE": True, "BASE_URL": "https://kundweb.lulea.se", "LDAP_URL": "ldaps://dc.example:636", "LDAP_START_TLS": False, **settings}
    with pytest.raises(RuntimeError, match=problem):
        check_production_config(config)


def test_production_takes_the_seal_key_from_a_file(tmp_path):
    from kundweb.config import check_production_config

    key_file = tmp_path / "seal.key"
    key_file.write_text("k" * 40 + "\n")
    check_production_config({"SECRET_KEY": "Qm9vdGgtcmFuZG9tLWJ5dGVzLWZyb20tc2VjcmV0cy10b2tlbg", "DEBUG": False,
                             "LDAP_TLS_VALIDATE": True, "BASE_URL": "https://kundweb.lulea.se",
                             "LDAP_URL": "ldaps://dc.example:636", "AUDIT_SEAL_KEY_FILE": str(key_file)})


def test_development_generates_its_key_in_the_instance_folder(tmp_path):
    from kundweb import create_app

    app = create_app({"ENV_NAME": "development", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "AUDIT_SEAL_KEY": "", "AUDIT_SEAL_KEY_FILE": None})
    app.instance_path = str(tmp_path)
    with app.app_context():
        first, second = checkpoints.seal_key(), checkpoints.seal_key()
    assert first == second and len(first) >= 32
    assert (tmp_path / "audit-seal.key").stat().st_mode & 0o077 == 0


def test_an_unwritable_checkpoint_file_stops_no_job_and_verify_audit_names_the_missing_line(app, app_context,
                                                                                           tmp_path, caplog):
    (tmp_path / "not-a-folder").write_text("")
    old = app.config["AUDIT_CHECKPOINT_FILE"]
    app.config["AUDIT_CHECKPOINT_FILE"] = str(tmp_path / "not-a-folder" / "audit-checkpoints.log")
    try:
        _events(1)
        scheduler.audit_seal(app)  # logs, does not raise: the scheduler's other jobs go on
        assert "audit checkpoint not written" in caplog.text
        code, output = verify(app)
    finally:
        app.config["AUDIT_CHECKPOINT_FILE"] = old
    assert code == 1 and "Kontrollpunkt #1 finns i databasen men saknas i filen" in output, output

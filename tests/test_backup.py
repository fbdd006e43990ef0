"""Backup while the app writes, restore into a fresh database and storage, verify-audit; a damaged backup is named."""
import hashlib
import json
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kundweb import create_app
from kundweb.audit.services import Actor
from kundweb.extensions import db
from tests.postgres_cluster import throwaway_cluster
from tests.records_helpers import register, upload, wav_bytes

ADMIN = Actor("david", frozenset({"admin"}))
AGENT = Actor("bertil", frozenset({"employee", "agent"}))


def _log_enquiry(category_id, key):
    from kundweb.enquiries import services

    data = services.EnquiryInput("telefon", category_id, "direct", None, None, None, None, key)
    services.log_enquiry(AGENT, data)


def _seed(app):
    """Three enquiries and a public record with an attachment; returns the category id and the file's hash."""
    from kundweb.enquiries import services

    with app.app_context():
        category_id = services.add_category(ADMIN, "Stadsbyggnadsförvaltningen", "Bygglov").id
        for number in range(3):
            _log_enquiry(category_id, f"seed-{number}")
        content = wav_bytes()
        register(uploads=[upload(content)])
        db.session.remove()
    return category_id, hashlib.sha256(content).hexdigest()


class Writer(threading.Thread):
    """Logs enquiries as fast as the database lets it until stopped: the app at work during the backup."""

    def __init__(self, app, category_id):
        super().__init__(name="backup-test-writer", daemon=True)
        self.app, self.category_id = app, category_id
        self.stop, self.written, self.errors = threading.Event(), 0, []

    def run(self):
        with self.app.app_context():
            while not self.stop.is_set() and self.written < 5000:
                try:
                    _log_enquiry(self.category_id, f"writer-{self.written}")
                    self.written += 1
                except Exception as exc:  # noqa: BLE001 - reported by the test
                    self.errors.append(repr(exc))
                    db.session.rollback()
                    time.sleep(0.05)
            db.session.remove()


@pytest.fixture
def fresh_database_url(app):
    """An empty database of the kind the tests run on: a new SQLite file, or a throwaway PostgreSQL 15 cluster."""
    with app.app_context():
        backend = db.engine.dialect.name
    if backend == "sqlite":
        directory = tempfile.mkdtemp(prefix="kundweb-restore-")
        yield f"sqlite:///{directory}/restored.sqlite3"
        shutil.rmtree(directory, ignore_errors=True)
        return
    with throwaway_cluster("kundweb-restore-") as cluster:
        yield cluster.create_database("restored")


def _restored_app(source, url, root):
    # The seal key is kept out of the database and its backups: the restored installation has its own copy.
    return create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": url,
                       "RECORDS_STORAGE_DIR": os.path.join(root, "records"),
                       "COMPANY_ATTACHMENT_DIR": os.path.join(root, "company-attachments"),
                       "AUDIT_CHECKPOINT_FILE": os.path.join(root, "audit-checkpoints.log"),
                       "AUDIT_SEAL_KEY": source.config["AUDIT_SEAL_KEY"]})


@pytest.fixture
def other_stored_files(app, tmp_path):
    """A company attachment and an audit checkpoint file where the app is configured to keep them."""
    old = {name: app.config.get(name) for name in ("COMPANY_ATTACHMENT_DIR", "AUDIT_CHECKPOINT_FILE")}
    attachments = tmp_path / "company-attachments"
    (attachments / "ab").mkdir(parents=True)
    (attachments / "ab" / "offert.pdf").write_bytes(b"%PDF-1.4 offert")
    (attachments / "ab" / ".upload-unfinished").write_bytes(b"half")
    checkpoint = tmp_path / "audit-checkpoints.log"  # written by a real checkpoint in the test
    app.config.update(COMPANY_ATTACHMENT_DIR=str(attachments), AUDIT_CHECKPOINT_FILE=str(checkpoint))
    yield
    app.config.update(old)


def _rows(app):
    from kundweb.audit.models import AuditEvent
    from kundweb.enquiries.models import Enquiry

    with app.app_context():
        enquiries = set(db.session.execute(select(Enquiry.id, Enquiry.submission_key)).all())
        events = db.session.scalar(select(func.count()).select_from(AuditEvent))
        db.session.remove()
        db.engine.dispose()
    return enquiries, events


def _backup(app, target):
    result = app.test_cli_runner().invoke(args=["kundweb", "backup", str(target)])
    assert result.exit_code == 0, result.output
    return json.loads((target / "manifest.json").read_text(encoding="utf-8"))


def test_backup_taken_while_the_app_writes_restores_whole_and_verify_audit_passes(app, tmp_path, fresh_database_url,
                                                                                  other_stored_files):
    from kundweb.audit.checkpoints import write_checkpoint
    from kundweb.database import utcnow

    category_id, file_hash = _seed(app)
    with app.app_context():
        write_checkpoint(utcnow())  # a signed checkpoint in the database and in its file
        db.session.remove()
    writer = Writer(app, category_id)
    writer.start()
    try:
        deadline = time.monotonic() + 10
        while writer.written < 5 and time.monotonic() < deadline:
            time.sleep(0.02)
        manifest = _backup(app, tmp_path / "backup")
        written_during = writer.written
    finally:
        writer.stop.set()
        writer.join(timeout=30)
    assert not writer.errors, writer.errors
    assert writer.written > written_during >= 5, "the writer must really have been writing around the backup"
    source_enquiries, _ = _rows(app)

    restored = _restored_app(app, fresh_database_url, str(tmp_path / "restored-files"))
    runner = restored.test_cli_runner()
    result = runner.invoke(args=["kundweb", "restore", str(tmp_path / "backup")])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["kundweb", "verify-audit"])
    assert result.exit_code == 0, result.output
    assert "kedjan obruten" in result.output

    # The copy is one moment of the database: every enquiry in it is one the app had, each with its
    # audit event, and the chain has the length and head the manifest recorded.
    restored_enquiries, restored_events = _rows(restored)
    assert restored_enquiries <= source_enquiries
    assert len(restored_enquiries) >= 3 + 5
    assert restored_events == manifest["audit_events"]
    assert manifest["alembic_revision"] and manifest["audit_head"]["last_id"] > 0
    with restored.app_context():
        from kundweb.records import storage

        path = storage.path_for(file_hash)
        with open(path, "rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == file_hash
        db.session.remove()

    restored_root = tmp_path / "restored-files"
    assert (restored_root / "company-attachments" / "ab" / "offert.pdf").read_bytes() == b"%PDF-1.4 offert"
    assert not (restored_root / "company-attachments" / "ab" / ".upload-unfinished").exists()
    assert (restored_root / "audit-checkpoints.log").read_text(encoding="utf-8") == \
        Path(app.config["AUDIT_CHECKPOINT_FILE"]).read_text(encoding="utf-8") != ""

    # Restoring over the now non-empty database needs --force.
    result = runner.invoke(args=["kundweb", "restore", str(tmp_path / "backup")])
    assert result.exit_code != 0 and "inte tom" in result.output
    result = runner.invoke(args=["kundweb", "restore", "--force", str(tmp_path / "backup")])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["kundweb", "verify-audit"]).exit_code == 0
    with restored.app_context():
        db.engine.dispose()


def test_backup_missing_or_altered_file_or_database_is_named_and_not_restored(app, tmp_path, fresh_database_url):
    _, file_hash = _seed(app)
    target = tmp_path / "backup"
    manifest = _backup(app, target)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["kundweb", "verify-backup", str(target)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["kundweb", "backup", str(target)])  # never over an earlier backup
    assert result.exit_code != 0 and "inte tom" in result.output

    attachment = f"files/records/{file_hash[:2]}/{file_hash}"
    assert attachment in manifest["files"]
    (target / attachment).unlink()
    database_copy = target / manifest["database_file"]
    database_copy.write_bytes(database_copy.read_bytes() + b"x")
    result = runner.invoke(args=["kundweb", "verify-backup", str(target)])
    assert result.exit_code != 0
    assert f"Filen saknas: {attachment}." in result.output
    assert f"Filen är ändrad (SHA-256 stämmer inte): {manifest['database_file']}." in result.output

    restored = _restored_app(app, fresh_database_url, str(tmp_path / "restored-files"))
    result = restored.test_cli_runner().invoke(args=["kundweb", "restore", str(target)])
    assert result.exit_code != 0 and "återställs inte" in result.output and attachment in result.output
    with restored.app_context():
        from sqlalchemy import inspect

        assert inspect(db.engine).get_table_names() == []  # nothing was written
        db.engine.dispose()

    database_copy.unlink()
    result = runner.invoke(args=["kundweb", "verify-backup", str(target)])
    assert f"Databaskopian saknas: {manifest['database_file']}." in result.output

"""Sealing the audit chain: signed checkpoints in the database and in a file outside it.

The hash chain alone can be rewritten by whoever can write the database: remove an
event and recompute every later hash. A checkpoint records the chain's length and
newest hash at one moment with an HMAC-SHA256 over them, keyed by AUDIT_SEAL_KEY,
which is not in the database; it is kept in the append-only audit_checkpoint table
and appended as one line to AUDIT_CHECKPOINT_FILE. A rewrite of anything a
checkpoint covers then contradicts it, a checkpoint cannot be forged without the
key, and removing one shows as long as the other copy remains. The scheduler writes
them (seal_if_due), never a web request: the audited hot paths stay as cheap.
"""
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select

from kundweb.audit.models import AuditCheckpoint, AuditEvent
from kundweb.audit.services import GENESIS_HASH, lock_chain_head
from kundweb.config import read_audit_seal_key
from kundweb.extensions import db

SEAL_INTERVAL = timedelta(hours=1)
GENERATED_KEY_NAME = "audit-seal.key"
STOCKHOLM = ZoneInfo("Europe/Stockholm")
FIELDS = ("id", "created_at", "last_event_id", "head_hash", "mac")


class SealKeyUnavailable(Exception):
    """The configured key file cannot be read: nothing can be sealed or verified."""


def seal_key():
    """The HMAC key: AUDIT_SEAL_KEY or AUDIT_SEAL_KEY_FILE; else one generated once in instance/.

    Production refuses to start without a configured key (config.audit_seal_key_problems),
    so the generated key serves development and the demo only. Raises SealKeyUnavailable.
    """
    try:
        key = read_audit_seal_key(current_app.config)
    except OSError as exc:
        raise SealKeyUnavailable(f"Nyckelfilen för granskningsloggens kontrollpunkter går inte att läsa: "
                                 f"{exc.strerror}") from exc
    return key or _generated_key(os.path.join(current_app.instance_path, GENERATED_KEY_NAME))


def _generated_key(path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    try:
        # Created exclusively: two processes starting at once end up with the same key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        with open(path, "rb") as handle:
            return handle.read().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32))
    with open(path, "rb") as handle:
        return handle.read().strip()


def checkpoint_mac(key, checkpoint_id, created_at, last_event_id, head_hash):
    """HMAC-SHA256 over a checkpoint's fields, in a fixed form (changing it breaks every checkpoint)."""
    message = f"kundweb-audit-checkpoint:v1:{checkpoint_id}:{_iso(created_at)}:{last_event_id}:{head_hash}"
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def _iso(moment):
    return moment.astimezone(ZoneInfo("UTC")).isoformat(timespec="seconds")


def write_checkpoint(now):
    """Seal the chain as it stands now: a row in audit_checkpoint, then a line in the file.

    The chain head is locked while the row is written, so the checkpoint names a head
    that exists. Raises SealKeyUnavailable, or OSError when the file cannot be written
    (the row is kept; verify-audit then reports the line as missing from the file).
    """
    key = seal_key()
    created_at = now.replace(microsecond=0)
    last_event_id, head_hash = lock_chain_head()
    checkpoint_id = (db.session.scalar(select(func.max(AuditCheckpoint.id))) or 0) + 1
    checkpoint = AuditCheckpoint(id=checkpoint_id, created_at=created_at, last_event_id=last_event_id,
                                 head_hash=head_hash,
                                 mac=checkpoint_mac(key, checkpoint_id, created_at, last_event_id, head_hash))
    db.session.add(checkpoint)
    db.session.commit()
    _append_line(current_app.config["AUDIT_CHECKPOINT_FILE"], _as_line(checkpoint))
    return checkpoint


def _as_line(checkpoint):
    return {"id": checkpoint.id, "created_at": _iso(checkpoint.created_at), "last_event_id": checkpoint.last_event_id,
            "head_hash": checkpoint.head_hash, "mac": checkpoint.mac}


def _append_line(path, line):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(line, sort_keys=True) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def seal_if_due(now):
    """Write a checkpoint if the chain grew and the last one is an hour old, or a records export came since.

    Returns the new checkpoint, or None when none was due.
    """
    latest = db.session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1)).first()
    head = db.session.scalar(select(func.max(AuditEvent.id))) or 0
    if latest is not None and head <= latest.last_event_id:
        return None  # nothing new: the latest checkpoint still seals the whole chain
    exported_since = latest is None or db.session.scalar(
        select(AuditEvent.id).where(AuditEvent.action == "records.exported",
                                    AuditEvent.id > latest.last_event_id).limit(1)) is not None
    if not exported_since and now - latest.created_at < SEAL_INTERVAL:
        return None
    return write_checkpoint(now)


@dataclass(frozen=True)
class CheckpointReport:
    """How many checkpoints agree with the chain, and the first problem (None when all do)."""

    checked: int
    problem: str | None = None

    @property
    def ok(self):
        return self.problem is None


def verify_checkpoints():
    """Check every checkpoint's MAC, that the database and the file hold the same ones, and the chain against each.

    Raises SealKeyUnavailable.
    """
    key = seal_key()
    path = current_app.config["AUDIT_CHECKPOINT_FILE"]
    stored = {row.id: _as_line(row) for row in db.session.scalars(select(AuditCheckpoint))}
    filed, problem = _read_file(path)
    if problem:
        return CheckpointReport(0, problem)
    for place, checkpoints in (("databasen", stored), ("filen", filed)):
        for checkpoint_id in sorted(checkpoints):
            line = checkpoints[checkpoint_id]
            if not _mac_matches(key, line):
                return CheckpointReport(0, f"Kontrollpunkt #{checkpoint_id} i {place} är förfalskad: dess MAC "
                                           "stämmer inte med förseglingsnyckeln")
    for checkpoint_id in sorted(set(stored) | set(filed)):
        if checkpoint_id not in filed:
            return CheckpointReport(0, f"Kontrollpunkt #{checkpoint_id} finns i databasen men saknas i filen {path}")
        if checkpoint_id not in stored:
            return CheckpointReport(0, f"Kontrollpunkt #{checkpoint_id} finns i filen men saknas i databasen")
        if stored[checkpoint_id] != filed[checkpoint_id]:
            return CheckpointReport(0, f"Kontrollpunkt #{checkpoint_id} skiljer sig mellan databasen och filen")
    for checked, checkpoint_id in enumerate(sorted(stored)):
        problem = _contradiction(stored[checkpoint_id])
        if problem:
            return CheckpointReport(checked, problem)
    return CheckpointReport(len(stored))


def _read_file(path):
    """({id: line}, problem or None) from the checkpoint file; a missing file holds none."""
    lines = {}
    try:
        with open(path, encoding="utf-8") as handle:
            for number, text in enumerate(handle, start=1):
                if not text.strip():
                    continue
                try:
                    line = json.loads(text)
                    lines[int(line["id"])] = {name: line[name] for name in FIELDS}
                except (ValueError, KeyError, TypeError):
                    return lines, f"Rad {number} i kontrollpunktsfilen {path} går inte att läsa"
    except (FileNotFoundError, NotADirectoryError):
        pass  # no file: every checkpoint in the database is then reported missing from it
    except OSError as exc:
        return lines, f"Kontrollpunktsfilen {path} går inte att läsa: {exc.strerror}"
    return lines, None


def _mac_matches(key, line):
    try:
        created_at = datetime.fromisoformat(line["created_at"])
        expected = checkpoint_mac(key, line["id"], created_at, line["last_event_id"], line["head_hash"])
    except (ValueError, TypeError, AttributeError):
        return False
    return hmac.compare_digest(expected, str(line["mac"]))


def _contradiction(line):
    """Why the chain as it is now contradicts this checkpoint, or None."""
    if line["last_event_id"] == 0 and line["head_hash"] == GENESIS_HASH:
        return None
    when = datetime.fromisoformat(line["created_at"]).astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")
    row_hash = db.session.scalar(select(AuditEvent.row_hash).where(AuditEvent.id == line["last_event_id"]))
    sealed = f"kontrollpunkt #{line['id']} ({when}) förseglade kedjan fram till den"
    if row_hash is None:
        return f"Granskningsloggen har skrivits om: händelse #{line['last_event_id']} saknas, men {sealed}"
    if row_hash != line["head_hash"]:
        return (f"Granskningsloggen har skrivits om: händelse #{line['last_event_id']} har inte den hash som "
                f"{sealed} (en tidigare händelse har ändrats eller tagits bort och kedjan räknats om)")
    return None

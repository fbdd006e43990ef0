"""Reading the audit log for admins: filtered pages, the CSV export and the chain check, both audited."""
import json
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select

from kundweb.audit import services as audit
from kundweb.audit.labels import action_label, area_prefixes
from kundweb.audit.models import AuditEvent
from kundweb.database import utcnow
from kundweb.extensions import db
from kundweb.spreadsheet import csv_text

STOCKHOLM = ZoneInfo("Europe/Stockholm")
PAGE_SIZE = 50
EXPORT_COLUMNS = ["Nr", "Tid (svensk tid)", "Vem", "Händelse", "Kod", "Objekttyp", "Objekt", "Från adress",
                  "Detaljer", "Hash"]


@dataclass(frozen=True)
class EventQuery:
    """The admins' filters; empty fields filter nothing. Dates are Swedish calendar days, both inclusive."""

    area: str = ""
    actor: str = ""
    object_ref: str = ""  # an object id, or an object type
    date_from: object = None
    date_to: object = None

    def describe(self):
        """The filters in the audit event of an export: what was taken out, in plain values."""
        return {"area": self.area, "actor": self.actor, "object": self.object_ref,
                "from": self.date_from.isoformat() if self.date_from else "",
                "to": self.date_to.isoformat() if self.date_to else ""}


def _start_of(day):
    """Midnight of a Swedish calendar day, as an aware time (the day's length follows DST)."""
    return datetime.combine(day, time(0), tzinfo=STOCKHOLM)


def _filtered(query):
    statement = select(AuditEvent)
    if query.area:
        statement = statement.where(or_(*(AuditEvent.action.startswith(prefix, autoescape=True)
                                          for prefix in area_prefixes(query.area))))
    if query.actor:
        statement = statement.where(func.lower(AuditEvent.actor) == query.actor.strip().lower())
    if query.object_ref:
        ref = query.object_ref.strip()
        statement = statement.where(or_(AuditEvent.object_id == ref, AuditEvent.object_type == ref))
    if query.date_from:
        statement = statement.where(AuditEvent.occurred_at >= _start_of(query.date_from))
    if query.date_to:
        statement = statement.where(AuditEvent.occurred_at < _start_of(query.date_to + timedelta(days=1)))
    return statement


@dataclass(frozen=True)
class EventPage:
    events: list
    older_than: int | None  # the `before` of the next, older page; None on the last page


def search(query, before=None, limit=PAGE_SIZE):
    """A page of matching events, newest first. Keyset paging by id: events written while
    someone reads never shift what the next page shows."""
    statement = _filtered(query)
    if before is not None:
        statement = statement.where(AuditEvent.id < before)
    rows = db.session.scalars(statement.order_by(AuditEvent.id.desc()).limit(limit + 1)).all()
    return EventPage(rows[:limit], rows[limit - 1].id if len(rows) > limit else None)


def _all_matching(query, batch_size=1000):
    """Every matching event, oldest first, read in batches so a large log never sits in memory at once."""
    after = 0
    while True:
        batch = db.session.scalars(_filtered(query).where(AuditEvent.id > after)
                                   .order_by(AuditEvent.id).limit(batch_size)).all()
        if not batch:
            return
        yield from batch
        after = batch[-1].id


def details_text(details):
    return json.dumps(details or {}, ensure_ascii=False, sort_keys=True, separators=(", ", ": "))


def export_csv(actor, query, now=None):
    """The matching events as CSV for Swedish Excel (UTF-8 with BOM, semicolons); the export is audited."""
    now = now or utcnow()
    text, count = csv_text(EXPORT_COLUMNS, (
        (event.id, event.occurred_at.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M:%S"), event.actor or "Systemet",
         action_label(event.action), event.action, event.object_type, event.object_id, event.remote_addr,
         details_text(event.details), event.row_hash)
        for event in _all_matching(query)))
    audit.record("audit.exported", actor, "audit_event", None, {"filters": query.describe(), "rows": count}, now)
    db.session.commit()
    return text


def verify(actor, now=None):
    """Check the whole hash chain (as `flask kundweb verify-audit` does) and record that it was checked."""
    now = now or utcnow()
    report = audit.verify_chain()
    db.session.rollback()  # the check only read; start the audited write on a fresh transaction
    audit.record("audit.verified", actor, "audit_event", report.broken_id,
                 {"checked": report.checked, "ok": report.ok, "problem": report.problem}, now)
    db.session.commit()
    return report

"""Keeping the register in order: reminders about open items and the orphan-file sweep (run by the scheduler).

Checking the register against the audit log is in verification.py.
"""
import logging
import smtplib
from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kundweb.audit import services as audit
from kundweb.database import utcnow
from kundweb.extensions import db
from kundweb.external_urls import external_url
from kundweb.records import storage
from kundweb.records.models import RecordAttachment, RecordItem, RecordReminder, RecordRevision
from kundweb.records.services import current_query
from kundweb.templating import localtime

log = logging.getLogger(__name__)

def send_reminders(send_mail, now=None):
    """E-mail each owner the items open longer than RECORDS_REMINDER_DAYS, once per such period.

    The reminder rows are committed before the mail goes out (unique per item and
    period), so a restart or a second run never sends the same reminder twice; if
    sending fails they are removed again and the next run tries again.
    Returns the addresses written to.
    """
    now = now or utcnow()
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        return []
    period = timedelta(days=config["RECORDS_REMINDER_DAYS"])
    owners = {}
    statement = current_query().where(RecordRevision.status == "open", RecordRevision.arrived_at <= now - period,
                                 RecordItem.registered_by_email != "").order_by(RecordRevision.arrived_at)
    for item, revision in db.session.execute(statement).all():
        periods = int((now - revision.arrived_at) / period)
        done = db.session.scalar(select(RecordReminder.id).where(RecordReminder.item_id == item.id,
                                                                 RecordReminder.period == periods))
        if not done:
            owners.setdefault(item.registered_by_email, []).append((item, revision, periods))
    sent = []
    for email, entries in owners.items():
        rows = [RecordReminder(item_id=item.id, period=periods, sent_at=now, recipient=email)
                for item, _, periods in entries]
        db.session.add_all(rows)
        audit.record("records.reminder_sent", audit.SYSTEM, "record_reminder", email,
                     {"to": email, "numbers": [item.registration_number for item, _, _ in entries]}, now)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()  # another run claimed them a moment ago
            continue
        try:
            send_mail(email, reminder_subject(entries), reminder_text(entries, now))
        except (smtplib.SMTPException, OSError) as exc:
            log.warning("records reminder to %s failed: %s", email, exc)
            for row in rows:
                db.session.delete(row)
            audit.record("records.reminder_failed", audit.SYSTEM, "record_reminder", email,
                         {"to": email, "error": str(exc)[:200]}, now)
            db.session.commit()
        else:
            sent.append(email)
    return sent


def reminder_subject(entries):
    count = len(entries)
    return ("En allmän handling väntar på att dokumenteras" if count == 1
            else f"{count} allmänna handlingar väntar på att dokumenteras")


def reminder_text(entries, now):
    days = current_app.config["RECORDS_REMINDER_DAYS"]
    lines = ["Hej!", "",
             f"Du har registrerat meddelanden som varit öppna i mer än {days} dagar. Ett meddelande som gäller",
             "en fråga som kommunen ansvarar för ska dokumenteras i det verksamhetssystem som normalt används.",
             "Är det av ringa betydelse kan du avsluta det med en motivering.", ""]
    for item, revision, _ in entries:
        lines.append(f"  {item.registration_number}  {revision.kind_label}, kom in {localtime(revision.arrived_at)} "
                     f"({(now - revision.arrived_at).days} dagar sedan)")
    if current_app.config.get("BASE_URL"):
        lines += ["", f"Öppna listan: {external_url('records.index')}"]
    lines += ["", "Kundweb, Luleå kommun"]
    return "\n".join(lines)


def sweep_orphan_files(now=None, grace=timedelta(hours=24)):
    """Remove stored files no registration refers to, once older than `grace` (and stale temp files).

    Such a file is left when a registration failed after its file was stored and
    was never retried; a retry within `grace` finds and uses it. Audited per file.
    Returns the removed hashes (None for temporary files).
    """
    now = now or utcnow()
    referenced = set(db.session.scalars(select(RecordAttachment.sha256).distinct()))
    removed = []
    for sha256, path, age in list(storage.stored_files()):
        if age < grace.total_seconds() or sha256 in referenced:
            continue
        # Checked again just before removing: a registration may have committed meanwhile.
        if sha256 and db.session.scalar(select(RecordAttachment.id).where(RecordAttachment.sha256 == sha256)):
            continue
        storage.discard(path)
        removed.append(sha256)
        audit.record("records.orphan_file_removed", audit.SYSTEM, "record_file", sha256 or "temp",
                     {"age_hours": round(age / 3600, 1)}, now)
    if removed:
        db.session.commit()
    return removed

"""Checking the register against the audit log both ways, for `flask kundweb verify-audit`.

The database refuses to change or remove registrations (triggers), but someone who
can drop the triggers could. So: every `records.*` event must still find its item,
revision and files as it recorded them; every row must have the event that added
it; the numbers of a series and year run 1, 2, 3 ... up to the counter; and every
stored file still hashes to its SHA-256. The first thing found broken is named.
Events written before an event recorded some value are checked for what they carry.
"""
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from kundweb.audit.models import AuditEvent
from kundweb.extensions import db
from kundweb.records import storage
from kundweb.records.models import RecordAttachment, RecordCounter, RecordItem, RecordRevision, format_number
from kundweb.records.services import item_hash, revision_hash

REVISION_ACTIONS = {f"records.{change}" for change in ("registered", "corrected", "documented", "closed",
                                                       "reopened")}


@dataclass(frozen=True)
class RegisterReport:
    """What verify_register checked, and the first problem (None when the register is whole)."""

    items: int
    revisions: int
    files: int
    problem: str | None = None

    @property
    def ok(self):
        return self.problem is None


class _Broken(Exception):
    """The first problem found; carries its Swedish description."""


def verify_register():
    """Check the register against the audit log and the stored files; returns a RegisterReport."""
    items = {item.id: item for item in db.session.scalars(select(RecordItem))}
    revisions = {(r.item_id, r.revision_no): r for r in db.session.scalars(select(RecordRevision))}
    attachments = {a.id: a for a in db.session.scalars(select(RecordAttachment))}
    events = db.session.execute(select(AuditEvent.id, AuditEvent.action, AuditEvent.object_id, AuditEvent.details)
                                .where(AuditEvent.object_type == "record_item",
                                       AuditEvent.action.like("records.%"))
                                .order_by(AuditEvent.id)).all()
    files = 0
    try:
        registered, added = _check_events(events, items, revisions, attachments)
        _check_rows_have_events(items, revisions, attachments, registered, added)
        _check_numbers(items)
        files = _check_files(items, attachments)
    except _Broken as broken:
        return RegisterReport(len(items), len(revisions), files, str(broken))
    return RegisterReport(len(items), len(revisions), files)


def _check_events(events, items, revisions, attachments):
    """Every event finds what it recorded.

    Returns ({item id: (id, details) of its registered event}, {(item id, revision no): event id}).
    """
    registered, added = {}, {}
    for event_id, action, object_id, details in events:
        details = details or {}
        number = details.get("number")
        item = items.get(_int_or_none(object_id))
        if item is None:
            verb = "registrerade det" if action == "records.registered" else "gäller det"
            raise _Broken(f"Diarienummer {number or '(okänt)'} saknas, men händelse #{event_id} {verb}")
        if number and item.registration_number != number:
            raise _Broken(f"Diarienummer {number} har nu numret {item.registration_number}, "
                          f"men händelse #{event_id} gäller {number}")
        if action == "records.registered":
            _check_registration(event_id, details, item, attachments)
            registered[item.id] = (event_id, details)
        if action in REVISION_ACTIONS and "revision" in details:
            _check_revision(event_id, details, item, revisions)
            added[(item.id, details["revision"])] = event_id
    return registered, added


def _check_registration(event_id, details, item, attachments):
    number = item.registration_number
    owner = details.get("owner")
    if owner is not None and owner != item.registered_by:
        raise _Broken(f"{number} registrerades av {owner} enligt händelse #{event_id}, "
                      f"men står nu på {item.registered_by}")
    if details.get("item_sha256") not in (None, item_hash(item)):
        raise _Broken(f"Registreringen av {number} har ändrats efter händelse #{event_id}")
    own = sorted((a for a in attachments.values() if a.item_id == item.id), key=lambda a: a.id)
    if "attachment_ids" in details:
        for attachment_id, sha256 in zip(details["attachment_ids"], details.get("attachments", [])):
            attachment = attachments.get(attachment_id)
            if attachment is None or attachment.item_id != item.id:
                raise _Broken(f"Bilaga {attachment_id} till {number} saknas, men händelse #{event_id} "
                              f"registrerade den")
            if attachment.sha256 != sha256:
                raise _Broken(f"Bilaga {attachment_id} till {number} pekar nu på en annan fil än den "
                              f"händelse #{event_id} registrerade ({sha256[:12]}…)")
    elif "attachments" in details and sorted(a.sha256 for a in own) != sorted(details["attachments"]):
        raise _Broken(f"Bilagorna till {number} är inte de som händelse #{event_id} registrerade: "
                      "en bilaga saknas eller pekar på en annan fil")


def _check_revision(event_id, details, item, revisions):
    revision_no = details["revision"]
    revision = revisions.get((item.id, revision_no))
    if revision is None:
        raise _Broken(f"{item.registration_number} version {revision_no} saknas, men händelse #{event_id} "
                      "lade till den")
    if details.get("content_sha256") not in (None, revision_hash(revision)):
        raise _Broken(f"{item.registration_number} version {revision_no} stämmer inte med "
                      f"granskningsloggens händelse #{event_id}")


def _check_rows_have_events(items, revisions, attachments, registered, added):
    for item in sorted(items.values(), key=lambda i: i.id):
        if item.id not in registered:
            raise _Broken(f"{item.registration_number} saknar händelsen som registrerade det i granskningsloggen")
    for key in sorted(revisions):
        if key not in added:
            number = items[key[0]].registration_number if key[0] in items else f"handling {key[0]}"
            raise _Broken(f"{number} version {key[1]} saknar sin händelse i granskningsloggen")
    counted = defaultdict(int)
    for attachment in sorted(attachments.values(), key=lambda a: a.id):
        if attachment.item_id not in items:
            raise _Broken(f"Bilaga {attachment.id} hör till handling {attachment.item_id}, som inte finns")
        counted[attachment.item_id] += 1
    # Files come only with the registration, so its event lists each one of them.
    for item_id, count in sorted(counted.items()):
        event_id, details = registered[item_id]
        listed = len(details.get("attachments", []))
        if "attachments" in details and count != listed:
            raise _Broken(f"{items[item_id].registration_number} har {count} bilagor, men händelse #{event_id} "
                          f"registrerade {listed}")


def _check_numbers(items):
    """Numbers per series and year run 1..n with no gap, and the counter stands at n."""
    numbers = defaultdict(list)
    for item in items.values():
        numbers[(item.series, item.year)].append(item.number)
    counters = {(c.series, c.year): c.last_number for c in db.session.scalars(select(RecordCounter))}
    for (series, year) in sorted(set(numbers) | set(counters)):
        taken = sorted(numbers.get((series, year), []))
        for expected, number in enumerate(taken, start=1):
            if number != expected:
                raise _Broken(f"Diarienummer {format_number(series, year, expected)} saknas i nummerserien "
                              f"(nästa som finns är {format_number(series, year, number)})")
        highest = taken[-1] if taken else 0
        counter = counters.get((series, year))
        if counter != highest:
            shown = "saknas" if counter is None else f"står på {counter}"
            last = format_number(series, year, highest) if highest else "inget"
            raise _Broken(f"Räknaren för {series} {year} {shown}, men högsta diarienummer är {last}")


def _check_files(items, attachments):
    """Every stored file still hashes to its SHA-256; returns how many files were read."""
    checked = set()
    for attachment in sorted(attachments.values(), key=lambda a: a.id):
        if (attachment.sha256, attachment.size) in checked:
            continue
        try:
            problem = storage.file_problem(attachment.sha256, attachment.size)
        except ValueError:
            problem = "har ett ogiltigt SHA-256"
        if problem:
            raise _Broken(f"Bilaga {attachment.id} till {items[attachment.item_id].registration_number}: "
                          f"filen {attachment.sha256[:12]}… {problem}")
        checked.add((attachment.sha256, attachment.size))
    return len(checked)


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None

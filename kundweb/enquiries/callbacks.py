"""Call-backs (*Återkoppling*): who calls the customer back, by when, and the number; the
"Att ringa upp" list, marking one done, and the flag on those overdue by a working day.

Plain functions with the acting person and `now`; they raise EnquiryError (Swedish, with the
form field at fault). The caller's number is personal data: it is never written to the audit
log, and services.purge_notes removes it together with the notes.
"""
from dataclasses import dataclass
from types import SimpleNamespace
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from kundweb.audit import services as audit
from kundweb.directory.models import Person, Unit
from kundweb.directory.phones import InvalidNumber, normalise_phone
from kundweb.directory.search import fold
from kundweb.enquiries.models import CallBack
from kundweb.extensions import db
from kundweb.hours import services as hours

STOCKHOLM = hours.cal.STOCKHOLM
ASSIGNEE_HITS = 20
# How far ahead the next working day is looked for (Christmas and a long weekend fit easily).
WORKING_DAY_SEARCH_DAYS = 14


@dataclass(frozen=True)
class CallBackInput:
    """What the form gives: `assignee` is "person:<id>" or "unit:<id>", `due_at` aware or None
    (= the next working day), `phone` as typed."""

    assignee: str
    due_at: datetime | None
    phone: str


@dataclass(frozen=True)
class CheckedCallBack:
    person_id: int | None
    unit_id: int | None
    assignee_name: str
    due_at: datetime
    phone: str


def check(data, now):
    """The call-back as it will be saved (a CheckedCallBack). Raises EnquiryError naming the field."""
    from kundweb.enquiries.services import EnquiryError

    if data is None:
        raise EnquiryError("Fyll i vem som ringer upp och numret att ringa.", field="callback_assignee")
    person, unit = _assignee(data.assignee)
    if person is None and unit is None:
        raise EnquiryError("Välj vem som ringer upp: en person eller en enhet ur katalogen.",
                           field="callback_assignee")
    try:
        phone = normalise_phone(data.phone)
    except InvalidNumber as exc:
        raise EnquiryError(str(exc), field="callback_phone") from exc
    if phone is None:
        raise EnquiryError("Skriv numret att ringa upp.", field="callback_phone")
    due_at = data.due_at or default_due(now)
    if due_at <= now:
        raise EnquiryError("Tiden för återkopplingen har redan passerat. Välj en senare tid.", field="callback_due")
    return CheckedCallBack(person.id if person else None, unit.id if unit else None,
                           person.display_name if person else unit.name, due_at, phone)


def _assignee(value):
    kind, _, raw_id = (value or "").partition(":")
    if not raw_id.isdigit() or not 0 < int(raw_id) < 2**31:
        return None, None
    if kind == "person":
        person = db.session.get(Person, int(raw_id))
        # Protected identities are never offered, and a leaver cannot call anyone back.
        return (person, None) if person is not None and person.active and not person.hidden else (None, None)
    if kind == "unit":
        return None, db.session.get(Unit, int(raw_id))
    return None, None


def create(actor, enquiry_id, checked, now):
    """Store the call-back of a just-inserted enquiry, in its transaction, and audit it (without the number)."""
    callback = CallBack(enquiry_id=enquiry_id, person_id=checked.person_id, unit_id=checked.unit_id,
                        due_at=checked.due_at, phone=checked.phone, created_at=now, created_by=actor.username)
    db.session.add(callback)
    db.session.flush()
    audit.record("enquiry.callback_requested", actor, "enquiry_callback", callback.id,
                 {"enquiry_id": enquiry_id, "person_id": checked.person_id, "unit_id": checked.unit_id,
                  "assignee": checked.assignee_name, "due_at": checked.due_at.isoformat()}, now)
    return callback


def working_days(start, end, now):
    """The local dates from start to end (inclusive) Kundcenter is open, per the hours calendar."""
    return {day.date for day in hours.calendar_between(start, end, now) if day.open}


def default_due(now):
    """The next working day after today (Europe/Stockholm), at Kundcenter's closing time that day."""
    today = now.astimezone(STOCKHOLM).date()
    for day in hours.calendar_between(today + timedelta(days=1), today + timedelta(days=WORKING_DAY_SEARCH_DAYS), now):
        if day.open:
            return datetime.combine(day.date, day.closes, tzinfo=STOCKHOLM)
    return now + timedelta(days=1)


def overdue(callbacks, now):
    """The ids of the open call-backs overdue by a working day: the next working day after the
    due date has reached the due time, so a call due Friday is flagged on Monday (or on
    Tuesday after a holiday Monday), never over the weekend."""
    open_ones = [c for c in callbacks if c.done_at is None and c.due_at < now]
    if not open_ones:
        return set()
    today = now.astimezone(STOCKHOLM).date()
    # Older than the calendar's longest range: surely overdue by a working day.
    earliest = max(min(c.due_at.astimezone(STOCKHOLM).date() for c in open_ones), today - timedelta(days=300))
    open_days = sorted(working_days(earliest + timedelta(days=1), today, now)) if earliest < today else []
    flagged = set()
    for callback in open_ones:
        due = callback.due_at.astimezone(STOCKHOLM)
        next_day = next((day for day in open_days if day > due.date()), None)
        if due.date() < earliest or (next_day is not None and
                                     datetime.combine(next_day, due.time(), tzinfo=STOCKHOLM) <= now):
            flagged.add(callback.id)
    return flagged


def may_mark_done(actor, person, callback):
    """The one who is to call back may mark it done: that person, a person of that unit, or an admin."""
    if "admin" in actor.roles:
        return True
    if person is None or not person.active:
        return False
    return callback.person_id == person.id or (callback.unit_id is not None and callback.unit_id == person.unit_id)


def to_call(actor, person, include_all):
    """Open call-backs, the earliest due first: all of them for agents (`include_all`), else the
    ones for `person` and for `person`'s unit."""
    query = select(CallBack).where(CallBack.done_at.is_(None)).order_by(CallBack.due_at, CallBack.id)
    if not include_all:
        if person is None:
            return []
        mine = [CallBack.person_id == person.id]
        if person.unit_id is not None:
            mine.append(CallBack.unit_id == person.unit_id)
        query = query.where(or_(*mine))
    return db.session.scalars(query).all()


def mark_done(actor, person, callback_id, now):
    """Mark a call-back done; audited. Raises EnquiryError (not the recipient, already done) or LookupError."""
    from kundweb.enquiries.services import EnquiryError

    callback = db.session.get(CallBack, callback_id)
    if callback is None:
        raise LookupError(callback_id)
    if not may_mark_done(actor, person, callback):
        raise EnquiryError(f"Bara {callback.assignee_name} kan markera återkopplingen som klar.")
    if callback.done_at is not None:
        raise EnquiryError("Återkopplingen är redan markerad som klar.")
    callback.done_at, callback.done_by = now, actor.username
    audit.record("enquiry.callback_done", actor, "enquiry_callback", callback.id,
                 {"enquiry_id": callback.enquiry_id, "due_at": callback.due_at.isoformat(),
                  "late": now > callback.due_at}, now)
    db.session.commit()
    return callback


def assignee_choices(query):
    """(units, people) whose name contains every word of `query` (accents and case ignored), for the
    "who calls back" list; people never include protected identities or leavers."""
    words = fold(query or "").split()
    units = db.session.execute(select(Unit.id, Unit.name).order_by(Unit.name)).all()
    units = [u for u in units if all(w in fold(u.name) for w in words)]
    if not words:
        return units, []
    people_query = (select(Person.id, Person.display_name, Person.title, Unit.name.label("unit_name"))
                    .outerjoin(Unit, Person.unit_id == Unit.id)
                    .where(Person.active.is_(True), Person.hidden.is_(False))
                    .order_by(Person.sort_key, Person.id).limit(ASSIGNEE_HITS))
    for word in words:
        people_query = people_query.where(Person.name_folded.contains(word, autoescape=True))
    return units, db.session.execute(people_query).all()


def chosen_people(assignee):
    """[the person row] an assignee value "person:<id>" names, for showing the choice again; else []."""
    person, _ = _assignee(assignee) if (assignee or "").startswith("person:") else (None, None)
    if person is None:
        return []
    return [SimpleNamespace(id=person.id, display_name=person.display_name, title=person.title,
                            unit_name=person.unit_name)]


def purge_numbers(cutoff):
    """Remove the numbers of call-backs logged before `cutoff` (part of the note purge). Returns how many."""
    return db.session.execute(update(CallBack).where(CallBack.phone.is_not(None), CallBack.created_at < cutoff)
                              .values(phone=None)).rowcount

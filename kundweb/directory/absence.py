"""A person's simple absence: away until a date (inclusive), and a deputy the agents forward to.

The person sets it on *Mina kontaktuppgifter* (admins for anyone, as for the other
owned fields). It ends by itself: from the day after its date every page treats it
as over (the date is a day in Europe/Stockholm), and the scheduler clears it that
night. Every change is audited and kept in the person's change history. Functions
take the acting person and `now` explicitly and raise directory.services errors
(NotAllowed, InvalidEntry) with Swedish messages.
"""
import re
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select

from kundweb.audit import services as audit
from kundweb.directory import services
from kundweb.directory.models import Person
from kundweb.directory.search import fold
from kundweb.extensions import db
from kundweb.hours.services import swedish_date

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# Longer absences (parental leave, secondments) are for the manager and AD, not a note in the switchboard.
MAX_DAYS_AHEAD = 365
CANDIDATE_LIMIT = 8
# "Bertil Öberg (bertil)", as a suggestion fills the field in, or a bare user name.
CHOSEN_USERNAME = re.compile(r"\(([^()\s]+)\)\s*$")


def local_today(now):
    """The day it is in Luleå at `now` (an aware UTC datetime)."""
    return now.astimezone(STOCKHOLM).date()


def is_absent(person, now):
    """Away today: an absence whose last day is today or later. A past date means back, job run or not."""
    return person.absent_until is not None and person.absent_until >= local_today(now)


def day_label(day):
    """'fredag 11 december 2026'."""
    return f"{swedish_date(day)} {day.year}"


@dataclass(frozen=True)
class Absence:
    """An absence as shown: its last day and the deputy, if they may be named (active, not hidden)."""

    until: date
    until_label: str
    deputy: Person | None
    deputy_absent_until: date | None  # the deputy is away too, until then (they went away after being chosen)


def current_absence(person, now):
    """The person's absence today, or None."""
    if not is_absent(person, now):
        return None
    deputy = person.deputy
    if deputy is not None and (not deputy.active or deputy.hidden):
        deputy = None  # never name someone with protected identity, nor a leaver, to forward to
    deputy_away = deputy.absent_until if deputy is not None and is_absent(deputy, now) else None
    return Absence(person.absent_until, day_label(person.absent_until), deputy, deputy_away)


def deputising_for(person, now):
    """The people away today who named `person` their deputy, soonest back first: shown to the deputy."""
    return db.session.scalars(select(Person).where(
        Person.deputy_id == person.id, Person.active.is_(True), Person.absent_until >= local_today(now))
        .order_by(Person.absent_until, Person.sort_key)).all()


def deputy_label(person):
    """How a suggestion fills in the deputy field, and how the field shows the chosen deputy."""
    return f"{person.display_name} ({person.username})"


def deputy_candidates(person, typed, limit=CANDIDATE_LIMIT):
    """Active, visible people other than `person` whose name or user name begins with the typed words."""
    terms = fold((typed or "")[:100]).split()[:4]
    if not terms or len(" ".join(terms)) < 2:
        return []
    # Folded words are [a-z0-9] only: nothing to escape in LIKE.
    conditions = [or_(Person.name_folded.like(f"{term}%"), Person.name_folded.like(f"% {term}%"),
                      func.lower(Person.username).like(f"{term}%")) for term in terms]
    return db.session.scalars(select(Person).where(
        Person.active.is_(True), Person.hidden.is_(False), Person.id != person.id, *conditions)
        .order_by(Person.sort_key, Person.id).limit(limit)).all()


def resolve_deputy(person, typed, now):
    """The deputy the typed text names, or None for an empty text. Raises InvalidEntry({"deputy": ...}).

    Refused: someone not (or no longer) in the directory, hidden people (as if unknown),
    the absent person themself, and anyone who is away today too: both absences
    include today, so theirs overlaps this one.
    """
    typed = " ".join((typed or "").split())
    if not typed:
        return None
    chosen = CHOSEN_USERNAME.search(typed)
    username = (chosen.group(1) if chosen else typed).lower()
    deputy = db.session.scalar(select(Person).where(func.lower(Person.username) == username,
                                                    Person.active.is_(True), Person.hidden.is_(False)))
    if deputy is None:
        raise services.InvalidEntry({"deputy": "Hittar ingen sådan medarbetare. Börja skriva namnet och välj "
                                               "ersättaren bland förslagen."})
    if deputy.id == person.id:
        raise services.InvalidEntry({"deputy": "Ersättaren måste vara någon annan än den som är borta."})
    if is_absent(deputy, now):
        raise services.InvalidEntry({"deputy": f"{deputy.display_name} är själv borta till och med "
                                               f"{day_label(deputy.absent_until)}. Välj någon annan."})
    return deputy


def check_until(until, now):
    """The absence's last day, checked: today or later, at most MAX_DAYS_AHEAD ahead. Raises InvalidEntry."""
    today = local_today(now)
    if until is None:
        raise services.InvalidEntry({"absent_until": "Ange sista dagen du är borta."})
    if until < today:
        raise services.InvalidEntry({"absent_until": "Datumet har redan passerat. Ange i dag eller en senare dag."})
    if until > today + timedelta(days=MAX_DAYS_AHEAD):
        raise services.InvalidEntry({"absent_until": "Högst ett år framåt: senast "
                                                     f"{day_label(today + timedelta(days=MAX_DAYS_AHEAD))}."})
    return until


def set_absence(actor, person, until, deputy_typed, now):
    """Set or change the absence (its last day and deputy); returns the names of the fields that changed.

    All or nothing: every error is reported together and nothing is saved. Raises
    NotAllowed (audited) or InvalidEntry.
    """
    services.require_edit(actor, person, now)
    errors, deputy = {}, None
    try:
        until = check_until(until, now)
    except services.InvalidEntry as exc:
        errors.update(exc.errors)
    try:
        deputy = resolve_deputy(person, deputy_typed, now)
    except services.InvalidEntry as exc:
        errors.update(exc.errors)
    if errors:
        raise services.InvalidEntry(errors)
    source = _source(actor, person)
    changed = [name for name, value in (("absent_until", until), ("deputy", deputy))
               if services.set_field(person, name, value, actor, source, now)]
    if changed:
        person.updated_at = now
        audit.record("directory.absence_set", actor, "person", person.id, {
            "username": person.username, "until": until.isoformat(),
            "deputy": deputy.username if deputy else None, "fields": changed}, now)
    db.session.commit()
    return changed


def end_absence(actor, person, now):
    """'I am back': end the absence today, before its date. False when there was none. Raises NotAllowed (audited)."""
    services.require_edit(actor, person, now)
    if person.absent_until is None and person.deputy_id is None:
        return False
    until = person.absent_until
    _clear(person, actor, _source(actor, person), now)
    audit.record("directory.absence_ended", actor, "person", person.id, {
        "username": person.username, "until": until.isoformat() if until else None}, now)
    db.session.commit()
    return True


def end_expired_absences(now):
    """Clear every absence whose last day has passed (the scheduler, nightly); returns the user names.

    Pages already treat these as over; clearing them keeps the history and the
    database saying so too. Audited as the system, one event per person.
    """
    expired = db.session.scalars(select(Person).where(Person.absent_until < local_today(now))
                                 .order_by(Person.id)).all()
    for person in expired:
        until = person.absent_until
        _clear(person, audit.SYSTEM, "system", now)
        audit.record("directory.absence_expired", audit.SYSTEM, "person", person.id,
                     {"username": person.username, "until": until.isoformat()}, now)
    db.session.commit()
    return [person.username for person in expired]


def _clear(person, actor, source, now):
    services.set_field(person, "absent_until", None, actor, source, now)
    services.set_field(person, "deputy", None, actor, source, now)
    person.updated_at = now


def _source(actor, person):
    return "self" if services.is_owner(actor, person) else "admin"

"""The directory's rules: who may change an entry, contact details and their history,
functional entries, stale entries and reminders, and the two exports.

The AD sync lives in sync.py; search in search.py. Functions take the acting
person (`audit.Actor`) and `now` explicitly and raise DirectoryError subclasses
with a Swedish message.
"""
import csv
import hashlib
import hmac
import io
import logging
import math
import smtplib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from kundweb import mail
from kundweb.audit import services as audit
from kundweb.database import read_time
from kundweb.directory import phones
from kundweb.directory.models import (OWNED_FIELDS, EntryChange, FunctionalEntry, Person, SwitchboardTokenFailure,
                                      Unit)
from kundweb.directory.search import index_function, index_person
from kundweb.extensions import db
from kundweb.external_urls import external_url

log = logging.getLogger(__name__)

FIELD_LABELS = {
    "entry": "Posten",
    "username": "Användarnamn",
    "display_name": "Namn",
    "given_name": "Förnamn",
    "surname": "Efternamn",
    "title": "Titel",
    "unit": "Enhet",
    "email": "E-post",
    "active": "Aktiv",
    "extension": "Anknytning",
    "direct_number": "Direktnummer",
    "mobile": "Mobilnummer",
    "location": "Rum eller plats",
    "reach_note": "Så når man mig",
    "confirmed_at": "Bekräftad aktuell",
    "hidden": "Dold (skyddad identitet)",
    "absent_until": "Frånvarande till och med",
    "deputy": "Ersättare",
    "name": "Namn",
    "phone": "Telefonnummer",
    "opening_hours": "Öppettider",
    "responsible": "Ansvarig",
    "public": "Publik",
    "keywords": "Sökord",
}
PHONE_FIELDS = {"direct_number", "mobile", "phone"}
TEXT_LIMITS = {"location": 100, "reach_note": 200}
SOURCE_LABELS = {"self": "själv", "admin": "administratör", "sync": "AD-synk", "system": "systemet"}


class DirectoryError(Exception):
    """A change that cannot be made; str() is Swedish and safe to show."""


class NotFound(DirectoryError):
    def __init__(self):
        super().__init__("Uppgiften finns inte i katalogen.")


class NotAllowed(DirectoryError):
    def __init__(self):
        super().__init__("Du får bara ändra dina egna kontaktuppgifter.")


class InvalidEntry(DirectoryError):
    """Field errors: `errors` maps a field name to its Swedish message."""

    def __init__(self, errors):
        super().__init__(" ".join(errors.values()))
        self.errors = errors


# --------------------------------------------------------------------------- who may do what

def is_owner(actor, person):
    """The actor is this (active) person, by their AD user name."""
    return bool(actor.username) and person.active and actor.username.lower() == person.username.lower()


def can_edit(actor, person):
    return actor.has_role("admin") or is_owner(actor, person)


def require_edit(actor, person, now):
    """Allow only the person themself and admins; anyone else is audited and gets NotAllowed."""
    if can_edit(actor, person):
        return
    audit.record("directory.edit_denied", actor, "person", person.id, {"username": person.username}, now)
    db.session.commit()
    raise NotAllowed()


def require_admin(actor, object_type, object_id, now):
    """Functional entries and the admin views: admins only; others are audited and get NotAllowed."""
    if actor.has_role("admin"):
        return
    audit.record("directory.edit_denied", actor, object_type, object_id, {}, now)
    db.session.commit()
    raise NotAllowed()


def get_person(person_id):
    person = db.session.get(Person, person_id)
    if person is None:
        raise NotFound()
    return person


def person_for_user(username, guid=None):
    """The directory entry of a logged-in user: by objectGUID, else the active person with that user name."""
    if guid:
        person = db.session.scalar(select(Person).where(Person.guid == guid))
        if person is not None:
            return person
    return db.session.scalar(select(Person).where(func.lower(Person.username) == username.lower(),
                                                  Person.active.is_(True)))


def viewable_person(actor, person_id):
    """A person's entry page: agents see active, unhidden people; the person and admins always.

    Raises NotFound (also for what the actor may not know exists) or NotAllowed.
    """
    person = get_person(person_id)
    if actor.has_role("admin") or is_owner(actor, person):
        return person
    if not actor.has_role("agent"):
        raise NotAllowed()
    if not person.active or person.hidden:
        raise NotFound()
    return person


# --------------------------------------------------------------------------- contact details

@dataclass(frozen=True)
class ContactInput:
    """Contact details as typed; `hidden` None leaves the flag as it is (only admins may change it)."""

    extension: str = ""
    direct_number: str = ""
    mobile: str = ""
    location: str = ""
    reach_note: str = ""
    hidden: bool | None = None


def clean_contact_field(person, name, value):
    """The stored form of one typed contact field. Raises InvalidEntry({name: message})."""
    try:
        if name == "extension":
            cleaned = phones.normalise_extension(value)
        elif name in ("direct_number", "mobile"):
            cleaned = phones.normalise_phone(value, mobile=name == "mobile")
        elif name in TEXT_LIMITS:
            cleaned = " ".join((value or "").split())
            if len(cleaned) > TEXT_LIMITS[name]:
                raise phones.InvalidNumber(f"Högst {TEXT_LIMITS[name]} tecken.")
        else:
            raise KeyError(name)
    except phones.InvalidNumber as exc:
        raise InvalidEntry({name: str(exc)}) from exc
    if name == "extension" and cleaned:
        holder = extension_holder(cleaned, exclude=person)
        if holder is not None:
            # Never name someone with protected identity, not even to a colleague.
            whose = "" if holder.hidden else f" av {holder.display_name}"
            raise InvalidEntry({name: f"Anknytningen {cleaned} används redan{whose}."})
    return cleaned


def extension_holder(extension, exclude=None):
    """The active person who has this extension, other than `exclude`, or None."""
    statement = select(Person).where(Person.extension == extension, Person.active.is_(True))
    if exclude is not None and exclude.id is not None:
        statement = statement.where(Person.id != exclude.id)
    return db.session.scalars(statement.limit(1)).first()


def update_contact(actor, person, data, now):
    """Save a person's contact details; returns the names of the fields that changed.

    The person themself saving also confirms the entry as current. Raises
    NotAllowed (audited) or InvalidEntry.
    """
    require_edit(actor, person, now)
    if data.hidden is not None and data.hidden != person.hidden and not actor.has_role("admin"):
        require_admin(actor, "person", person.id, now)
    values, errors = {}, {}
    for name in OWNED_FIELDS:
        try:
            values[name] = clean_contact_field(person, name, getattr(data, name))
        except InvalidEntry as exc:
            errors.update(exc.errors)
    if errors:
        raise InvalidEntry(errors)
    for name in ("location", "reach_note"):
        values[name] = values[name] or ""
    if data.hidden is not None:
        values["hidden"] = data.hidden
    source = "self" if is_owner(actor, person) else "admin"
    changed = [name for name, value in values.items()
               if set_field(person, name, value, actor, source, now)]
    if source == "self":
        set_field(person, "confirmed_at", now, actor, source, now)
    if changed:
        index_person(person)
        person.updated_at = now
        audit.record("directory.contact_updated", actor, "person", person.id,
                     {"username": person.username, "fields": changed}, now)
    try:
        db.session.commit()
    except IntegrityError as exc:  # someone took the same extension a moment ago
        db.session.rollback()
        raise InvalidEntry({"extension": "Anknytningen togs nyss av någon annan. Välj en annan."}) from exc
    return changed


def confirm_current(actor, person, now):
    """'My details are current': sets the last-confirmed time. Raises NotAllowed (audited)."""
    require_edit(actor, person, now)
    set_field(person, "confirmed_at", now, actor, "self" if is_owner(actor, person) else "admin", now)
    audit.record("directory.contact_confirmed", actor, "person", person.id, {"username": person.username}, now)
    db.session.commit()


def set_field(entry, name, value, actor, source, now):
    """Set one field and keep the change in the entry's history; False when it was already so."""
    old = getattr(entry, name)
    if old == value:
        return False
    setattr(entry, name, value)
    record_change(entry, name, old, value, actor, source, now)
    return True


def record_change(entry, name, old, new, actor, source, now):
    """One row of history; values are stored as text (times in ISO 8601, booleans as ja/nej)."""
    target = {"person": entry} if isinstance(entry, Person) else {"function": entry}
    db.session.add(EntryChange(field=name, old_value=_as_text(old), new_value=_as_text(new),
                               changed_at=now, changed_by=actor.username, source=source, **target))


def _as_text(value):
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (Unit, Person)):
        return value.name if isinstance(value, Unit) else f"{value.display_name} ({value.username})"
    return str(value)[:500]


def history(entry, limit=100):
    """The entry's changes, newest first."""
    column = EntryChange.person_id if isinstance(entry, Person) else EntryChange.function_id
    return db.session.scalars(select(EntryChange).where(column == entry.id)
                              .order_by(EntryChange.changed_at.desc(), EntryChange.id.desc()).limit(limit)).all()


@dataclass(frozen=True)
class ChangeView:
    """A history row as shown: Swedish field label, values in display form."""

    changed_at: datetime
    label: str
    old: str
    new: str
    by: str


def describe(change, localtime):
    """`localtime` formats a UTC datetime for display (the template filter)."""

    def show(value):
        if value is None:
            return "–"
        if change.field in PHONE_FIELDS:
            return phones.display_phone(value)
        if change.field == "confirmed_at":
            return localtime(datetime.fromisoformat(value))
        return value

    by = change.changed_by or SOURCE_LABELS.get(change.source, "systemet")
    return ChangeView(change.changed_at, FIELD_LABELS.get(change.field, change.field),
                      show(change.old_value), show(change.new_value), by)


# --------------------------------------------------------------------------- units and functional entries

def units():
    return db.session.scalars(select(Unit).order_by(Unit.name)).all()


def forwarding_candidates():
    """(kind, ref, name) of every unit and active functional entry: where Kundcenter forwards enquiries."""
    unit_rows = db.session.execute(select(Unit.id, Unit.name).order_by(Unit.name)).all()
    function_rows = db.session.execute(select(FunctionalEntry.id, FunctionalEntry.name)
                                       .where(FunctionalEntry.active.is_(True))
                                       .order_by(FunctionalEntry.sort_key, FunctionalEntry.id)).all()
    return ([("unit", f"unit:{row.id}", row.name) for row in unit_rows]
            + [("function", f"function:{row.id}", row.name) for row in function_rows])


def unit_named(name, now, known=None):
    """The unit with this name, created if new; None for a blank name. `known` caches by name."""
    name = " ".join((name or "").split())[:200]
    if not name:
        return None
    if known is not None and name in known:
        return known[name]
    unit = db.session.scalar(select(Unit).where(Unit.name == name))
    if unit is None:
        unit = Unit(name=name, created_at=now)
        db.session.add(unit)
        db.session.flush()
    if known is not None:
        known[name] = unit
    return unit


@dataclass(frozen=True)
class FunctionInput:
    name: str
    phone: str = ""
    email: str = ""
    unit_id: int | None = None
    opening_hours: str = ""
    responsible_username: str = ""
    public: bool = False
    keywords: str = ""
    active: bool = True


def get_function(function_id):
    entry = db.session.get(FunctionalEntry, function_id)
    if entry is None:
        raise NotFound()
    return entry


def functions(include_inactive=True):
    statement = select(FunctionalEntry).order_by(FunctionalEntry.sort_key, FunctionalEntry.id)
    if not include_inactive:
        statement = statement.where(FunctionalEntry.active.is_(True))
    return db.session.scalars(statement).all()


def functions_of(person):
    """The active functional entries a person is named responsible for."""
    return db.session.scalars(select(FunctionalEntry).where(
        FunctionalEntry.responsible_id == person.id, FunctionalEntry.active.is_(True))
        .order_by(FunctionalEntry.sort_key)).all()


def save_function(actor, entry, data, now):
    """Create (entry None) or change a functional entry; admins only.

    Raises NotAllowed (audited) or InvalidEntry.
    """
    require_admin(actor, "function", entry.id if entry else None, now)
    errors, values = {}, {}
    values["name"] = " ".join(data.name.split())[:200]
    if not values["name"]:
        errors["name"] = "Ange ett namn."
    try:
        values["phone"] = phones.normalise_phone(data.phone)
    except phones.InvalidNumber as exc:
        errors["phone"] = str(exc)
    values["email"] = data.email.strip()[:256]
    values["unit"] = db.session.get(Unit, data.unit_id) if data.unit_id else None
    if data.unit_id and values["unit"] is None:
        errors["unit_id"] = "Enheten finns inte."
    values["responsible"] = None
    if data.responsible_username.strip():
        values["responsible"] = db.session.scalar(select(Person).where(
            func.lower(Person.username) == data.responsible_username.strip().lower(), Person.active.is_(True)))
        if values["responsible"] is None:
            errors["responsible_username"] = "Ingen aktiv medarbetare har det användarnamnet."
    if data.public and not values.get("phone") and not values["email"]:
        errors["public"] = "En publik post behöver ett telefonnummer eller en e-postadress."
    if errors:
        raise InvalidEntry(errors)
    values.update(opening_hours=data.opening_hours.strip()[:500], public=bool(data.public),
                  keywords=" ".join(data.keywords.split())[:500], active=bool(data.active))
    created = entry is None
    if created:
        entry = FunctionalEntry(name=values["name"], created_at=now, updated_at=now)
        db.session.add(entry)
        record_change(entry, "entry", None, "skapad", actor, "admin", now)
    changed = [name for name, value in values.items() if set_field(entry, name, value, actor, "admin", now)]
    if changed or created:
        index_function(entry)
        entry.updated_at = now
        db.session.flush()
        audit.record("directory.function_created" if created else "directory.function_updated", actor,
                     "function", entry.id, {"name": entry.name, "fields": changed}, now)
    db.session.commit()
    return entry


# --------------------------------------------------------------------------- stale entries and reminders

def stale_before(now):
    """Entries last confirmed (or, if never, created) before this time are stale."""
    return now - timedelta(days=current_app.config["DIRECTORY_STALE_DAYS"])


def _last_confirmed():
    return func.coalesce(Person.confirmed_at, Person.created_at)


def is_stale(person, now):
    return (person.confirmed_at or person.created_at) < stale_before(now)


def stale_people(now, limit=200):
    """(count, the `limit` longest-unconfirmed active people): the admins' list."""
    condition = (Person.active.is_(True), _last_confirmed() < stale_before(now))
    count = db.session.scalar(select(func.count()).select_from(Person).where(*condition))
    people = db.session.scalars(select(Person).where(*condition)
                                .order_by(_last_confirmed(), Person.sort_key).limit(limit)).all()
    return count, people


@dataclass
class ReminderReport:
    sent: list = field(default_factory=list)  # user names
    failed: list = field(default_factory=list)


def send_reminders(now):
    """E-mail every stale, active person not reminded in the last 30 days (configurable).

    At most once: the reminder is written to the database before the message is
    sent, and put back only when sending fails, so neither a restart nor a second
    scheduler run within the interval sends it again. Stops at the first
    connection failure (the server is down; tomorrow's run tries again).
    """
    config = current_app.config
    report = ReminderReport()
    if not config.get("MAIL_SERVER"):
        log.info("directory reminders skipped: no MAIL_SERVER configured")
        return report
    reminded_before = now - timedelta(days=config["DIRECTORY_REMINDER_INTERVAL_DAYS"])
    due = db.session.scalars(select(Person).where(
        Person.active.is_(True), Person.email != "", _last_confirmed() < stale_before(now),
        (Person.reminder_sent_at.is_(None)) | (Person.reminder_sent_at <= reminded_before),
    ).order_by(Person.id)).all()
    for person in due:
        previous = person.reminder_sent_at
        person.reminder_sent_at = now
        audit.record("directory.reminder_sent", audit.SYSTEM, "person", person.id,
                     {"username": person.username, "to": person.email}, now)
        db.session.commit()
        try:
            mail.send_mail(person.email, REMINDER_SUBJECT, reminder_text(person, now))
        except (smtplib.SMTPException, OSError) as exc:
            person.reminder_sent_at = previous
            audit.record("directory.reminder_failed", audit.SYSTEM, "person", person.id,
                         {"username": person.username, "error": str(exc)[:200]}, now)
            db.session.commit()
            report.failed.append(person.username)
            log.warning("reminder to %s failed: %s", person.email, exc)
            if not isinstance(exc, smtplib.SMTPRecipientsRefused):
                break
        else:
            report.sent.append(person.username)
    return report


REMINDER_SUBJECT = "Stämmer dina kontaktuppgifter i växeln?"


def reminder_text(person, now):
    from kundweb.templating import localtime

    config = current_app.config
    link = f" ({external_url('directory.me')})" if config.get("BASE_URL") else ""
    confirmed = localtime(person.confirmed_at, "%Y-%m-%d") if person.confirmed_at else None
    lines = [
        f"Hej {person.given_name or person.display_name}!",
        "",
        (f"Du bekräftade senast dina kontaktuppgifter i kommunens växel {confirmed}." if confirmed else
         "Du har inte bekräftat dina kontaktuppgifter i kommunens växel på över ett år."),
        "Du som har en egen anknytning ansvarar själv för din telefon och för dina kontaktuppgifter",
        "i växelns abonnentdatabas, så att Kundcenter kan koppla rätt.",
        "",
        "Så här står det nu:",
        f"  Anknytning:      {person.extension or '–'}",
        f"  Direktnummer:    {phones.display_phone(person.direct_number) or '–'}",
        f"  Mobilnummer:     {phones.display_phone(person.mobile) or '–'}",
        f"  Rum eller plats: {person.location or '–'}",
        f"  Så når man mig:  {person.reach_note or '–'}",
        "",
        f"Logga in på Kundweb och välj Mina kontaktuppgifter{link}. Rätta det som inte stämmer",
        "och spara, eller tryck på ”Mina uppgifter stämmer”.",
        "",
        "Hälsningar",
        "Kundcenter, Luleå kommun",
        "",
        "Det här är ett automatiskt meddelande. Det kommer högst en gång i månaden",
        "tills uppgifterna är bekräftade.",
    ]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- exports

SWITCHBOARD_COLUMNS = ("type", "id", "name", "given_name", "surname", "title", "unit", "extension",
                       "direct_number", "mobile", "email", "location", "note", "opening_hours")
# Who fetched the file, in the audit log, when it came with the API token: the token is named, never shown.
SWITCHBOARD_TOKEN_ACTOR = "token:växeln"
# Free-text cells starting like a formula are prefixed with ' so a spreadsheet shows them as text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def switchboard_rows():
    """The switchboard's subscriber list: every active, unhidden person, then every active functional entry."""
    people = db.session.execute(
        select(Person.guid, Person.display_name, Person.given_name, Person.surname, Person.title, Unit.name,
               Person.extension, Person.direct_number, Person.mobile, Person.email, Person.location,
               Person.reach_note)
        .outerjoin(Unit, Unit.id == Person.unit_id)
        .where(Person.active.is_(True), Person.hidden.is_(False)).order_by(Person.sort_key, Person.id))
    for guid, name, given, surname, title, unit, extension, direct, mobile, email, location, note in people:
        yield ("person", guid, name, given, surname, title, unit or "", extension or "", direct or "",
               mobile or "", email, location, note, "")
    entries = db.session.execute(
        select(FunctionalEntry.id, FunctionalEntry.name, Unit.name, FunctionalEntry.phone, FunctionalEntry.email,
               FunctionalEntry.opening_hours)
        .outerjoin(Unit, Unit.id == FunctionalEntry.unit_id)
        .where(FunctionalEntry.active.is_(True)).order_by(FunctionalEntry.sort_key, FunctionalEntry.id))
    for entry_id, name, unit, phone, email, hours in entries:
        yield ("function", str(entry_id), name, "", "", "", unit or "", "", phone or "", "", email, "", "", hours)


def export_switchboard(actor, via, now):
    """The switchboard file, audited: who fetched it (or which token), `via` what, and how many rows.

    UTF-8 CSV, comma-separated, a header row, numbers in E.164.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(SWITCHBOARD_COLUMNS)
    rows = 0
    for row in switchboard_rows():
        writer.writerow([_safe_cell(value) for value in row])
        rows += 1
    audit.record("directory.switchboard_exported", actor, None, None, {"rows": rows, "via": via}, now)
    db.session.commit()
    return buffer.getvalue()


class TokenRefused(DirectoryError):
    def __init__(self):
        super().__init__("En giltig token krävs (Authorization: Bearer …).")


class TokenThrottled(DirectoryError):
    def __init__(self, retry_after_seconds):
        super().__init__("För många misslyckade försök med token från den här adressen. "
                         f"Försök igen om {math.ceil(retry_after_seconds / 60)} minut{'er' if retry_after_seconds > 60 else ''}.")
        self.retry_after_seconds = retry_after_seconds


def check_switchboard_token(given, remote_addr, now):
    """Let the switchboard's token through; raise TokenRefused for any other, TokenThrottled past the limit.

    Failures count per address (SWITCHBOARD_TOKEN_MAX_FAILURES in the login failure
    window); past the limit even the right token is refused until the window has passed,
    so a guess is never confirmed. Other addresses are not affected. A wrong token's row is
    written before the window is counted, under a lock (as at login: auth.services
    _reserve_attempt), so parallel guesses cannot slip past the limit.
    """
    config = current_app.config
    expected = config.get("SWITCHBOARD_API_TOKEN") or ""
    right = bool(expected) and given is not None and hmac.compare_digest(given.encode(), expected.encode())
    address = remote_addr or ""
    window = timedelta(minutes=config["LOGIN_FAILURE_WINDOW_MINUTES"])
    limit = config["SWITCHBOARD_TOKEN_MAX_FAILURES"]
    if right:
        count, oldest = _token_failures(address, now - window)
        if count >= limit:
            raise TokenThrottled(_seconds_until(oldest + window, now))
        return
    db.session.commit()  # a fresh transaction: the insert below is its first statement (SQLite's write lock)
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(_TOKEN_FAILURE_LOCK, {"key": _address_lock_key(address)})
    db.session.add(SwitchboardTokenFailure(remote_addr=address, failed_at=now))
    db.session.flush()
    count, oldest = _token_failures(address, now - window)
    if count > limit:  # this request's own row included; a throttled request leaves nothing behind
        db.session.rollback()
        raise TokenThrottled(_seconds_until(oldest + window, now))
    # Rows older than any window are of no more use; deleting them here keeps the table small.
    db.session.execute(db.delete(SwitchboardTokenFailure).where(SwitchboardTokenFailure.failed_at <= now - window))
    db.session.commit()
    log.warning("switchboard file refused: wrong or missing token from %s", address)
    raise TokenRefused()


# Transaction-level advisory lock of class 3 (1 and 2 are the login throttle's), per address.
_TOKEN_FAILURE_LOCK = db.text("SELECT pg_advisory_xact_lock(3, :key)")


def _address_lock_key(address):
    return int.from_bytes(hashlib.sha256(address.encode()).digest()[:4], "big", signed=True)


def _token_failures(address, since):
    count, oldest = db.session.execute(
        select(func.count(), func.min(SwitchboardTokenFailure.failed_at))
        .where(SwitchboardTokenFailure.remote_addr == address, SwitchboardTokenFailure.failed_at > since)).one()
    return count, read_time(oldest)


def _seconds_until(moment, now):
    return max(1, math.ceil((moment - now).total_seconds()))


def _safe_cell(value):
    value = value or ""
    return "'" + value if value.startswith(FORMULA_START) and not phones.NUMBER_CHARACTERS.match(value) else value


def public_entries():
    """R-API `GET /api/v1/directory/public`: active functional entries marked public, never a person."""
    rows = db.session.execute(
        select(FunctionalEntry.name, FunctionalEntry.phone, FunctionalEntry.email, Unit.name,
               FunctionalEntry.opening_hours)
        .outerjoin(Unit, Unit.id == FunctionalEntry.unit_id)
        .where(FunctionalEntry.public.is_(True), FunctionalEntry.active.is_(True))
        .order_by(FunctionalEntry.sort_key, FunctionalEntry.id))
    return [{"name": name, "phone": phones.display_phone(phone) or None, "email": email or None,
             "unit": unit, "opening_hours": hours or None} for name, phone, email, unit, hours in rows]


@dataclass(frozen=True)
class Overview:
    active: int
    hidden: int
    inactive: int
    functions: int
    public_functions: int


def overview():
    """Counts for the admins' directory page."""
    def count(model, *where):
        return db.session.scalar(select(func.count()).select_from(model).where(*where))

    return Overview(
        active=count(Person, Person.active.is_(True)),
        hidden=count(Person, Person.active.is_(True), Person.hidden.is_(True)),
        inactive=count(Person, Person.active.is_(False)),
        functions=count(FunctionalEntry, FunctionalEntry.active.is_(True)),
        public_functions=count(FunctionalEntry, FunctionalEntry.active.is_(True), FunctionalEntry.public.is_(True)),
    )

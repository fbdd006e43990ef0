"""Keeping the directory in step with Active Directory (R-DIR-2).

New accounts become people, AD-owned fields (name, title, department, e-mail) are
updated, disabled, expired and vanished accounts are deactivated (never deleted).
The contact details a person owns are only filled in from AD when the person is
created; after that the sync never touches them. Running it twice changes nothing
the second time. Used by the nightly job, `flask kundweb sync-directory`, the
admins' "sync now" button and the demo seeder.
"""
import logging
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from kundweb.audit import services as audit
from kundweb.directory import phones
from kundweb.directory.models import Person, Unit
from kundweb.directory.search import index_person, optimize_index, sort_key
from kundweb.directory.services import DirectoryError, record_change, set_field, unit_named
from kundweb.extensions import db

log = logging.getLogger(__name__)
SYNC_FIELDS = ("username", "display_name", "given_name", "surname", "title", "unit", "email")


class SyncRefused(DirectoryError):
    """The directory's answer looks wrong (empty, or most people gone); nothing was changed."""


@dataclass
class SyncReport:
    created: list = field(default_factory=list)  # user names
    updated: list = field(default_factory=list)  # (user name, [field names])
    deactivated: list = field(default_factory=list)  # (user name, "disabled" | "expired" | "gone")
    reactivated: list = field(default_factory=list)  # user names
    unchanged: int = 0

    @property
    def changed(self):
        return bool(self.created or self.updated or self.deactivated or self.reactivated)

    def summary(self):
        return (f"{len(self.created)} nya, {len(self.updated)} ändrade, {len(self.deactivated)} avaktiverade, "
                f"{len(self.reactivated)} återaktiverade, {self.unchanged} oförändrade")

    def lines(self):
        """One line per change, for the command line and the log."""
        return ([f"ny: {name}" for name in self.created]
                + [f"ändrad: {name} ({', '.join(fields)})" for name, fields in self.updated]
                + [f"avaktiverad: {name} ({reason})" for name, reason in self.deactivated]
                + [f"återaktiverad: {name}" for name in self.reactivated])

    def as_dict(self):
        return {"created": self.created, "updated": [[n, f] for n, f in self.updated],
                "deactivated": [[n, r] for n, r in self.deactivated], "reactivated": self.reactivated,
                "unchanged": self.unchanged}


def sync_directory(directory, now, actor=audit.SYSTEM, force=False):
    """Read every person from the directory and apply it; then tidy the search index.

    Raises DirectoryUnavailable or SyncRefused.
    """
    report = apply_accounts(directory.list_people(), now, actor, force)
    optimize_index()
    return report


def apply_accounts(accounts, now, actor=audit.SYSTEM, force=False):
    """Bring the people table in line with these AD accounts, in one transaction; returns a SyncReport.

    Raises SyncRefused (and changes nothing) when the accounts would deactivate more
    than DIRECTORY_SYNC_MAX_DEACTIVATE_SHARE of the active people, unless `force`.
    """
    state = _State.load(now, actor)
    active_before = sum(1 for person in state.people.values() if person.active)
    seen = set()
    # New people are created in alphabetical order: the search ranks the first index
    # matches of a broad query, which for the bulk of the directory are then the alphabetical first.
    for account in sorted(accounts, key=_alphabetical):
        if account.guid and account.guid not in seen:
            seen.add(account.guid)
            _apply(state, account)
    _audit_created(state)
    for guid, person in list(state.people.items()):
        if guid not in seen and person.active:
            _deactivate(state, person, "gone")

    limit = max(10, current_app.config["DIRECTORY_SYNC_MAX_DEACTIVATE_SHARE"] * active_before)
    if not force and active_before and (not seen or len(state.report.deactivated) > limit):
        db.session.rollback()
        raise SyncRefused(f"AD-synken stoppades: den skulle avaktivera {len(state.report.deactivated)} av "
                          f"{active_before} aktiva personer. Kontrollera katalogens inställningar "
                          f"(sökfilter, bas-DN); kör med --force om det stämmer.")
    if state.report.changed:
        audit.record("directory.synced", actor, "directory", None, state.report.as_dict(), now)
    db.session.commit()
    log.info("directory sync: %s", state.report.summary())
    return state.report


def sync_account(account, now, actor=audit.SYSTEM):
    """Create or update one person from their AD account (no one else is touched); returns the person."""
    state = _State.load(now, actor, guid=account.guid)
    person = _apply(state, account)
    _audit_created(state)
    db.session.commit()
    return person


@dataclass
class _State:
    now: object
    actor: object
    people: dict  # objectGUID -> Person
    units: dict  # name -> Unit
    extensions: dict  # extension -> active Person
    report: SyncReport
    created: list = field(default_factory=list)  # new Person rows, audited once they have ids

    @classmethod
    def load(cls, now, actor, guid=None):
        statement = select(Person) if guid is None else select(Person).where(Person.guid == guid)
        people = {person.guid: person for person in db.session.scalars(statement)}
        taken = select(Person).where(Person.active.is_(True), Person.extension.is_not(None))
        extensions = {person.extension: person for person in db.session.scalars(taken)}
        units = {unit.name: unit for unit in db.session.scalars(select(Unit))}
        return cls(now, actor, people, units, extensions, SyncReport())


def _apply(state, account):
    person = state.people.get(account.guid)
    active = not (account.disabled or account.expired)
    if person is None:
        if not active:
            return None  # a disabled account we never listed is nobody to forward calls to
        return _create(state, account)
    wanted = _ad_values(state, account)
    changed = [name for name in SYNC_FIELDS
               if set_field(person, name, wanted[name], state.actor, "sync", state.now)]
    if changed:
        state.report.updated.append((person.username, changed))
        audit.record("directory.person_updated", state.actor, "person", person.id,
                     {"username": person.username, "fields": changed}, state.now)
    if person.active and not active:
        _deactivate(state, person, "disabled" if account.disabled else "expired")
    elif active and not person.active:
        _reactivate(state, person)
    elif not changed:
        state.report.unchanged += 1
    if changed:
        person.updated_at = state.now
        index_person(person)
    return person


def _ad_values(state, account):
    return {
        "username": account.username,
        "display_name": account.display_name,
        "given_name": account.given_name,
        "surname": account.surname,
        "title": account.title,
        "unit": unit_named(account.department, state.now, state.units),
        "email": account.email,
    }


def _create(state, account):
    """A new person; their own contact fields start from what AD has, where it is valid and free."""
    person = Person(guid=account.guid, active=True, created_at=state.now, updated_at=state.now,
                    location="", reach_note="", hidden=False, **_ad_values(state, account))
    person.extension = _valid(phones.normalise_extension, account.ip_phone)
    if person.extension in state.extensions:
        person.extension = None
    person.direct_number = _valid(phones.normalise_phone, account.phone)
    person.mobile = _valid(lambda value: phones.normalise_phone(value, mobile=True), account.mobile)
    index_person(person)
    db.session.add(person)
    state.people[person.guid] = person
    state.created.append(person)
    if person.extension:
        state.extensions[person.extension] = person
    record_change(person, "entry", None, "skapad från AD", state.actor, "sync", state.now)
    state.report.created.append(person.username)
    return person


def _audit_created(state):
    db.session.flush()  # one batch of INSERTs for all new people, which gives them their ids
    for person in state.created:
        audit.record("directory.person_created", state.actor, "person", person.id,
                     {"username": person.username, "guid": person.guid}, state.now)
    state.created.clear()


def _alphabetical(account):
    return sort_key(f"{account.surname} {account.given_name} {account.display_name}")


def _deactivate(state, person, reason):
    set_field(person, "active", False, state.actor, "sync", state.now)
    person.deactivated_at = state.now
    person.updated_at = state.now
    if state.extensions.get(person.extension) is person:
        del state.extensions[person.extension]
    audit.record("directory.person_deactivated", state.actor, "person", person.id,
                 {"username": person.username, "reason": reason}, state.now)
    state.report.deactivated.append((person.username, reason))


def _reactivate(state, person):
    # The one case where the sync touches an owned field: while the person was away their
    # extension went to someone else, and an extension can ring only one active phone.
    holder = state.extensions.get(person.extension)
    if person.extension and holder is not None and holder is not person:
        set_field(person, "extension", None, state.actor, "sync", state.now)
        index_person(person)
    set_field(person, "active", True, state.actor, "sync", state.now)
    person.deactivated_at = None
    person.updated_at = state.now
    if person.extension:
        state.extensions[person.extension] = person
    audit.record("directory.person_reactivated", state.actor, "person", person.id,
                 {"username": person.username}, state.now)
    state.report.reactivated.append(person.username)


def _valid(normalise, value):
    try:
        return normalise(value)
    except phones.InvalidNumber:
        return None

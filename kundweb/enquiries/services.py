"""Logging enquiries (once per submitted form), undoing the last one, today's counts,
categories and forwarding targets, and purging old notes.

Services take the acting person and `now` explicitly, audit every change in the same
transaction and raise EnquiryError (Swedish, safe to show). Notes never go into the
audit log: it is kept for good, and notes must be purgeable.
"""
import hashlib
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from kundweb.audit import services as audit
from kundweb.caching import Expiring, per_app
from kundweb.database import DriverStatement, stored_date, stored_time, utcnow
from kundweb.enquiries import callbacks
from kundweb.enquiries.models import (
    CHANNELS, OUTCOMES, TARGET_KINDS, CallBack, Enquiry, EnquiryCategory, EnquiryLabels, EnquiryTarget,
)
from kundweb.enquiries.personal_data import looks_like_personal_data, looks_like_phone_number
from kundweb.extensions import db

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# The statements every save runs, straight to the driver (see DriverStatement): through
# SQLAlchemy each cost several times what the database needs for it.
_CHOICE = {table: DriverStatement(f"SELECT id, name, active FROM {table} WHERE id = :id")
           for table in (EnquiryCategory.__tablename__, EnquiryTarget.__tablename__)}
_INSERT_ENQUIRY = DriverStatement(
    "INSERT INTO enquiry (created_at, local_date, month, agent, channel, category_id, outcome, target_id, "
    "wait_seconds, note, crisis_id, answer_id, submission_key) VALUES (:created_at, :local_date, :month, :agent, "
    ":channel, :category_id, :outcome, :target_id, :wait_seconds, :note, :crisis_id, :answer_id, :submission_key) "
    "RETURNING id"
)
# "Svar som användes": only a published answer (R-KB-4); asked only when the agent named one.
_PUBLISHED_ANSWER = DriverStatement("SELECT id, question FROM answer WHERE id = :id AND status = 'published'")
# Two counts that each read only an index ((local_date) and (agent, local_date)), in one statement.
_COUNTS_TODAY = DriverStatement(
    "SELECT (SELECT count(*) FROM enquiry WHERE agent = :agent AND local_date = :today), "
    "(SELECT count(*) FROM enquiry WHERE local_date = :today)"
)
MAX_NOTE = 300
MAX_ROW_ID = 2**31 - 1  # the largest INTEGER key on PostgreSQL
MAX_WAIT_SECONDS = 24 * 3600


class EnquiryError(Exception):
    """A change that cannot be made; the message is Swedish and safe to show.

    `field` names the form field at fault, when it is one, so the form can mark it.
    """

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class EnquiryInput:
    channel: str
    category_id: int | None
    outcome: str
    target_id: int | None = None
    wait_seconds: int | None = None
    note: str | None = None
    crisis_id: int | None = None
    submission_key: str | None = None
    callback: callbacks.CallBackInput | None = None  # read only when the outcome is "callback"
    answer_id: int | None = None  # the Kunskapsbanken answer the agent gave


def new_submission_key():
    """A fresh key for each rendered form: the same form posted twice logs one enquiry."""
    return secrets.token_urlsafe(16)


def local_day(moment):
    return moment.astimezone(STOCKHOLM).date()


def _validate(data, active_crisis_ids, now):
    if data.channel not in CHANNELS:
        raise EnquiryError("Välj kanal.")
    if data.outcome not in OUTCOMES:
        raise EnquiryError("Välj hur ärendet avslutades.")
    category = _choice(EnquiryCategory, data.category_id)
    if category is None or not category.active:
        raise EnquiryError("Välj en kategori ur listan.")
    target = None
    if data.outcome == "forwarded":
        target = _choice(EnquiryTarget, data.target_id)
        if target is None or not target.active:
            raise EnquiryError("Välj vart ärendet vidarebefordrades.")
    if data.wait_seconds is not None and not 0 <= data.wait_seconds <= MAX_WAIT_SECONDS:
        raise EnquiryError("Väntetiden ska vara mellan 0 sekunder och ett dygn.")
    note = (data.note or "").strip() or None
    if note and len(note) > MAX_NOTE:
        raise EnquiryError(f"Anteckningen får vara högst {MAX_NOTE} tecken.")
    if note and looks_like_personal_data(note):
        raise EnquiryError("Anteckningen ser ut att innehålla ett personnummer eller en e-postadress. "
                           "Skriv inga personuppgifter.", field="note")
    if note and looks_like_phone_number(note):
        raise EnquiryError("Anteckningen ser ut att innehålla ett telefonnummer. Skriv inga personuppgifter i "
                           "anteckningen; ska någon ringa upp, välj Återkoppling och skriv numret där.", field="note")
    if data.crisis_id is not None and data.crisis_id not in active_crisis_ids:
        raise EnquiryError("Krisen är inte längre aktiv. Logga ärendet utan kristagg.")
    callback = callbacks.check(data.callback, now) if data.outcome == "callback" else None
    return category, target, note, callback, _published_answer(data.answer_id)


def _published_answer(answer_id):
    """(id, question) of the published answer the agent named, None for none; EnquiryError for any other id.

    No query when no answer is named: most saves name none.
    """
    if answer_id is None:
        return None
    row = (_PUBLISHED_ANSWER.first_in(db.session.connection(), {"id": answer_id})
           if 0 < answer_id <= MAX_ROW_ID else None)
    if row is None:
        raise EnquiryError("Svaret som användes finns inte bland de publicerade svaren. "
                           "Välj ett annat svar, eller inget.")
    return row[0], row[1]


@dataclass(frozen=True)
class Choice:
    """A category or target as a save reads it."""

    id: int
    name: str
    active: bool


def _choice(model, row_id):
    """A category or target (a Choice), read from the database in the save's transaction, not
    from the form's cached list: a category retired a moment ago is refused."""
    if not row_id or not 0 < row_id <= MAX_ROW_ID:  # a forged id no database column can hold: none
        return None
    row = _CHOICE[model.__tablename__].first_in(db.session.connection(), {"id": row_id})
    return Choice(row[0], row[1], bool(row[2])) if row else None


def log_enquiry(actor, data, active_crisis_ids=(), now=None):
    """Record one enquiry; returns (enquiry, created). Raises EnquiryError.

    A second call with the same submission key (a double click, a retried request)
    returns the enquiry the first one made: the UNIQUE key decides, also when both
    arrive at once.
    """
    now = now or utcnow()
    # No look-up first: the insert itself meets the UNIQUE key, which is the one thing that
    # decides under concurrency anyway, and every save skips a query.
    category, target, note, callback, answer = _validate(data, set(active_crisis_ids), now)
    local = now.astimezone(STOCKHOLM)
    target_id = target.id if target else None
    # A plain INSERT: the page needs only the new id, and an ORM object would cost a unit-of-work
    # flush here and an expiry at the commit on every save.
    connection = db.session.connection()
    dialect = connection.dialect.name
    row = {"created_at": stored_time(now, dialect), "local_date": stored_date(local.date(), dialect),
           "month": local.strftime("%Y-%m"), "agent": actor.username, "channel": data.channel,
           "category_id": category.id, "outcome": data.outcome, "target_id": target_id,
           "wait_seconds": data.wait_seconds, "note": note, "crisis_id": data.crisis_id,
           "answer_id": answer[0] if answer else None, "submission_key": data.submission_key or None}
    try:
        enquiry_id = _INSERT_ENQUIRY.first_in(connection, row)[0]
    except IntegrityError:  # this form was saved before: return what it saved
        db.session.rollback()
        existing = _by_key(data.submission_key) if data.submission_key else None
        if existing is None:
            raise
        return existing, False
    if callback is not None:
        callbacks.create(actor, enquiry_id, callback, now)
    audit.record("enquiry.logged", actor, "enquiry", enquiry_id,
                 {"channel": data.channel, "category_id": category.id, "outcome": data.outcome,
                  "target_id": target_id, "crisis_id": data.crisis_id,
                  "answer_id": row["answer_id"], "has_note": note is not None}, now)
    # What the page shows of it, as plain values (no reload per save).
    logged = Logged(enquiry_id, now, row["month"], local.date(), actor.username, data.channel, category.id,
                    Named(category.name, category.active), data.outcome,
                    Named(target.name, target.active) if target else None, note, data.crisis_id,
                    answer[1] if answer else None)
    try:
        db.session.commit()
    except IntegrityError:  # the same key committed by a concurrent request in between
        db.session.rollback()
        existing = _by_key(data.submission_key) if data.submission_key else None
        if existing is None:
            raise
        return existing, False
    return logged, True


@dataclass(frozen=True)
class Named:
    name: str
    active: bool


@dataclass(frozen=True)
class Logged(EnquiryLabels):
    """A just-logged enquiry as plain values, with the same attributes the pages use of an Enquiry."""

    id: int
    created_at: object
    month: str
    local_date: object
    agent: str
    channel: str
    category_id: int
    category: Named
    outcome: str
    target: Named | None
    note: str | None
    crisis_id: int | None
    answer_question: str | None = None  # the answer used, if any


def _by_key(key):
    return db.session.scalar(select(Enquiry).where(Enquiry.submission_key == key))


def last_enquiry(username):
    """The agent's most recent enquiry, or None.

    Asked on every save, so it looks only at the agent's latest day: the (agent, local_date)
    index finds that day at once, and only its rows are sorted, not all the agent's enquiries
    of several years (a quarter of a second on a million rows).
    """
    latest_day = select(func.max(Enquiry.local_date)).where(Enquiry.agent == username).scalar_subquery()
    return db.session.scalar(select(Enquiry).where(Enquiry.agent == username, Enquiry.local_date == latest_day)
                             .order_by(Enquiry.created_at.desc(), Enquiry.id.desc()).limit(1))


def undoable(enquiry, username, undo_seconds, now=None):
    """True while `enquiry` may still be undone by `username`."""
    now = now or utcnow()
    return (enquiry is not None and enquiry.agent == username
            and now - enquiry.created_at <= timedelta(seconds=undo_seconds))


def undo_last(actor, enquiry_id, undo_seconds, now=None):
    """Remove the agent's latest enquiry within `undo_seconds` of logging it; audited. Raises EnquiryError."""
    from kundweb.goals.services import is_closed

    now = now or utcnow()
    enquiry = db.session.get(Enquiry, enquiry_id)
    latest = last_enquiry(actor.username)
    if enquiry is None or latest is None or latest.id != enquiry.id or enquiry.agent != actor.username:
        raise EnquiryError("Bara ditt senaste ärende kan ångras.")
    if not undoable(enquiry, actor.username, undo_seconds, now):
        raise EnquiryError("Det är för sent att ångra ärendet.")
    if is_closed(enquiry.month):
        raise EnquiryError("Månaden är stängd och ärendet kan inte längre ångras.")
    audit.record("enquiry.undone", actor, "enquiry", enquiry.id,
                 {"channel": enquiry.channel, "category_id": enquiry.category_id, "outcome": enquiry.outcome,
                  "logged_at": enquiry.created_at.isoformat()}, now)
    db.session.execute(delete(CallBack).where(CallBack.enquiry_id == enquiry.id))  # its call-back goes with it
    db.session.execute(delete(Enquiry).where(Enquiry.id == enquiry.id))
    db.session.commit()
    return enquiry


@dataclass(frozen=True)
class Counts:
    mine: int
    team: int


def counts_today(username, now=None):
    """Today's (Europe/Stockholm) committed enquiries: the agent's own and the whole team's.

    Asked after every save, on a pooled connection of its own (see _COUNTS_TODAY).
    """
    engine = db.engine
    today = stored_date(local_day(now or utcnow()), engine.dialect.name)
    mine, team = _COUNTS_TODAY.first(engine, {"agent": username, "today": today})
    return Counts(mine, team)


@dataclass(frozen=True)
class CrisisReport:
    """What a crisis brought to Kundcenter: counts only, never notes or agents."""

    total: int
    by_hour: list  # [(the hour's start in Europe/Stockholm, count)], in time order
    by_channel: list  # [(label, count)] in the form's order
    by_category: list  # [(label, count)], most first
    by_outcome: list  # [(label, count)] in the form's order


def crisis_report(crisis_id):
    """The enquiries tagged with crisis message `crisis_id`, counted by hour, channel, category and outcome."""
    rows = db.session.execute(
        select(Enquiry.created_at, Enquiry.channel, EnquiryCategory.group_name, EnquiryCategory.name, Enquiry.outcome)
        .join(EnquiryCategory, Enquiry.category_id == EnquiryCategory.id)
        .where(Enquiry.crisis_id == crisis_id)).all()
    # Hours are counted in UTC and shown in local time: Swedish offsets are whole hours, and the
    # repeated hour in October stays two hours instead of one doubled.
    hours = Counter(row.created_at.astimezone(timezone.utc).replace(minute=0, second=0, microsecond=0)
                    for row in rows)
    channels = Counter(row.channel for row in rows)
    categories = Counter(f"{row.group_name}: {row.name}" for row in rows)
    outcomes = Counter(row.outcome for row in rows)
    return CrisisReport(
        total=len(rows),
        by_hour=[(hour.astimezone(STOCKHOLM), count) for hour, count in sorted(hours.items())],
        by_channel=[(label, channels[key]) for key, label in CHANNELS.items() if channels[key]],
        by_category=sorted(categories.items(), key=lambda item: (-item[1], item[0])),
        by_outcome=[(label, outcomes[key]) for key, label in OUTCOMES.items() if outcomes[key]],
    )


def crisis_counts(months):
    """{(month, crisis id): {channel: count}} of the enquiries tagged with a crisis in `months` (YYYY-MM)."""
    months = sorted(set(months))
    if not months:
        return {}
    rows = db.session.execute(
        select(Enquiry.month, Enquiry.crisis_id, Enquiry.channel, func.count())
        .where(Enquiry.crisis_id.is_not(None), Enquiry.month.in_(months))
        .group_by(Enquiry.month, Enquiry.crisis_id, Enquiry.channel))
    counts = {}
    for month, crisis_id, channel, count in rows:
        counts.setdefault((month, crisis_id), {})[channel] = count
    return counts


def purge_notes(retention_days, now=None):
    """Remove notes, and call-backs' numbers, older than `retention_days`; the enquiries (the counts)
    and the call-backs (who, by when) stay. Returns how many notes."""
    now = now or utcnow()
    cutoff = now - timedelta(days=retention_days)
    purged = db.session.execute(update(Enquiry).where(Enquiry.note.is_not(None), Enquiry.created_at < cutoff)
                                .values(note=None)).rowcount
    numbers = callbacks.purge_numbers(cutoff)
    if purged or numbers:
        audit.record("enquiry.notes_purged", audit.SYSTEM, "enquiry", None,
                     {"count": purged, "callback_numbers": numbers, "older_than": cutoff.isoformat(),
                      "retention_days": retention_days}, now)
    db.session.commit()
    return purged


# --- categories -------------------------------------------------------------------------------

def categories(include_retired=False, query=None):
    """Categories by group and name; `query` keeps those whose group or name contains every word."""
    rows = db.session.scalars(select(EnquiryCategory).order_by(EnquiryCategory.group_name,
                                                               EnquiryCategory.name)).all()
    if not include_retired:
        rows = [c for c in rows if c.active]
    words = (query or "").casefold().split()
    return [c for c in rows if all(w in c.label.casefold() for w in words)]


@dataclass(frozen=True)
class Choices:
    """The form's lists: categories grouped by department or company, targets by kind (Swedish
    label), and a version that changes whenever either list does."""

    categories: list
    targets: list
    version: str


def _read_choices():
    """The form's category and target lists from the database (kept per process, see _choices_cache)."""
    categories = db.session.execute(select(EnquiryCategory.id, EnquiryCategory.group_name, EnquiryCategory.name)
                                    .where(EnquiryCategory.active.is_(True))
                                    .order_by(EnquiryCategory.group_name, EnquiryCategory.name)).all()
    targets = db.session.execute(select(EnquiryTarget.id, EnquiryTarget.kind, EnquiryTarget.name)
                                 .where(EnquiryTarget.active.is_(True))
                                 .order_by(EnquiryTarget.kind, EnquiryTarget.name)).all()
    by_kind = [(label, [t for t in targets if t.kind == kind]) for kind, label in TARGET_KINDS.items()]
    content = repr([tuple(row) for row in categories + targets]).encode()
    return Choices(grouped(categories), [(label, rows) for label, rows in by_kind if rows],
                   hashlib.blake2b(content, digest_size=8).hexdigest())


def _choices_cache():
    """The lists read at most ENQUIRY_CHOICES_CACHE_SECONDS ago in this web process.

    The form is rendered after every save; the lists change a few times a year. A change
    made in this process is seen at once, one made in another process after those seconds.
    A save is always checked against the database, so a just-retired category is refused.
    """
    return per_app("kundweb_enquiry_choices",
                   lambda app: Expiring(app.config["ENQUIRY_CHOICES_CACHE_SECONDS"], _read_choices))


def choices():
    """The form's active categories and targets as plain rows (id, group_name or kind, name), grouped."""
    return _choices_cache().get()


def _commit_list_change():
    """Commit a change to the categories or targets, then forget this process's cached lists."""
    db.session.commit()
    _choices_cache().forget()


def grouped(rows):
    """[(group name, [rows])] in order."""
    groups = {}
    for row in rows:
        groups.setdefault(row.group_name, []).append(row)
    return list(groups.items())


def _clean_name(value, what, limit=120):
    value = " ".join((value or "").split())
    if not value:
        raise EnquiryError(f"Skriv {what}.")
    if len(value) > limit:
        raise EnquiryError(f"{what.capitalize()} får vara högst {limit} tecken.")
    return value


def add_category(actor, group_name, name, now=None):
    """A new active category. Raises EnquiryError."""
    now = now or utcnow()
    group_name, name = _clean_name(group_name, "förvaltning eller bolag"), _clean_name(name, "kategorins namn")
    _check_free_category(group_name, name)
    category = EnquiryCategory(group_name=group_name, name=name, active=True, created_at=now)
    db.session.add(category)
    db.session.flush()
    audit.record("enquiry.category_added", actor, "enquiry_category", category.id,
                 {"group": group_name, "name": name}, now)
    _commit_list_change()
    return category


def rename_category(actor, category_id, group_name, name, now=None):
    """Rename a category (its history follows it). Raises EnquiryError."""
    now = now or utcnow()
    category = _get(EnquiryCategory, category_id, "Kategorin finns inte.")
    group_name, name = _clean_name(group_name, "förvaltning eller bolag"), _clean_name(name, "kategorins namn")
    if (group_name, name) == (category.group_name, category.name):
        return category
    _check_free_category(group_name, name)
    before = {"group": category.group_name, "name": category.name}
    category.group_name, category.name = group_name, name
    audit.record("enquiry.category_renamed", actor, "enquiry_category", category.id,
                 {"before": before, "after": {"group": group_name, "name": name}}, now)
    _commit_list_change()
    return category


def set_category_active(actor, category_id, active, now=None):
    """Retire a category (no new enquiries; history and reports keep it) or bring it back."""
    now = now or utcnow()
    category = _get(EnquiryCategory, category_id, "Kategorin finns inte.")
    if category.active == active:
        return category
    category.active, category.retired_at = active, None if active else now
    audit.record("enquiry.category_" + ("reactivated" if active else "retired"), actor, "enquiry_category",
                 category.id, {"group": category.group_name, "name": category.name}, now)
    _commit_list_change()
    return category


def _check_free_category(group_name, name):
    taken = db.session.scalar(select(EnquiryCategory.id).where(
        func.lower(EnquiryCategory.group_name) == group_name.lower(),
        func.lower(EnquiryCategory.name) == name.lower()))
    if taken:
        raise EnquiryError("Det finns redan en kategori med det namnet under samma förvaltning eller bolag.")


# --- forwarding targets -----------------------------------------------------------------------

def targets(include_retired=False):
    rows = db.session.scalars(select(EnquiryTarget).order_by(EnquiryTarget.kind, EnquiryTarget.name)).all()
    return rows if include_retired else [t for t in rows if t.active]


def add_target(actor, kind, name, ref=None, now=None):
    """A new forwarding target. `ref` is the owning feature's key, if any. Raises EnquiryError."""
    now = now or utcnow()
    if kind not in TARGET_KINDS:
        raise EnquiryError("Välj vilken sorts mottagare det är.")
    name = _clean_name(name, "mottagarens namn", 200)
    if db.session.scalar(select(EnquiryTarget.id).where(EnquiryTarget.kind == kind,
                                                        func.lower(EnquiryTarget.name) == name.lower())):
        raise EnquiryError("Den mottagaren finns redan.")
    target = EnquiryTarget(kind=kind, name=name, ref=ref, active=True, created_at=now)
    db.session.add(target)
    db.session.flush()
    audit.record("enquiry.target_added", actor, "enquiry_target", target.id,
                 {"kind": kind, "name": name, "ref": ref}, now)
    _commit_list_change()
    return target


def rename_target(actor, target_id, name, now=None):
    now = now or utcnow()
    target = _get(EnquiryTarget, target_id, "Mottagaren finns inte.")
    name = _clean_name(name, "mottagarens namn", 200)
    if name == target.name:
        return target
    if db.session.scalar(select(EnquiryTarget.id).where(EnquiryTarget.kind == target.kind,
                                                        func.lower(EnquiryTarget.name) == name.lower(),
                                                        EnquiryTarget.id != target.id)):
        raise EnquiryError("Den mottagaren finns redan.")
    audit.record("enquiry.target_renamed", actor, "enquiry_target", target.id,
                 {"before": target.name, "after": name}, now)
    target.name = name
    _commit_list_change()
    return target


def set_target_active(actor, target_id, active, now=None):
    now = now or utcnow()
    target = _get(EnquiryTarget, target_id, "Mottagaren finns inte.")
    if target.active != active:
        target.active = active
        audit.record("enquiry.target_" + ("reactivated" if active else "retired"), actor, "enquiry_target",
                     target.id, {"kind": target.kind, "name": target.name}, now)
        _commit_list_change()
    return target


@dataclass(frozen=True)
class SyncReport:
    """What sync_targets did: targets added, renamed or linked, and the candidates it had to skip."""

    changed: int
    conflicts: tuple = ()  # (ref, name, Swedish reason)


def sync_targets(actor, candidates, now=None):
    """Add the forwarding targets another register knows and this list lacks.

    `candidates` are (kind, ref, name) from the directory's units and functional entries
    or the company register; a known `ref` gets the register's current name. A candidate
    that clashes with another target's name is skipped and reported, not guessed at.
    Nothing is retired here: that stays an admin's call.
    """
    now = now or utcnow()
    known = targets(include_retired=True)
    by_ref = {t.ref: t for t in known if t.ref}
    by_name = {(t.kind, t.name.lower()): t for t in known if not t.ref}
    changed, conflicts = 0, []
    for kind, ref, name in candidates:
        existing = by_ref.get(ref)
        unlinked = by_name.get((kind, name.lower()))
        try:
            if existing is None and unlinked is not None:  # added by hand before the register knew it
                unlinked.ref = ref
                audit.record("enquiry.target_linked", actor, "enquiry_target", unlinked.id, {"ref": ref}, now)
                _commit_list_change()
                by_ref[ref] = unlinked
                del by_name[(kind, name.lower())]
            elif existing is None:
                by_ref[ref] = add_target(actor, kind, name, ref=ref, now=now)
            elif existing.name != name:
                rename_target(actor, existing.id, name, now=now)
            else:
                continue
        except EnquiryError as exc:
            db.session.rollback()
            conflicts.append((ref, name, str(exc)))
        else:
            changed += 1
    return SyncReport(changed, tuple(conflicts))


def forwarding_target_for(kind, entry_id, include_hidden=False):
    """The active forwarding target a directory hit forwards to: a person's unit, or the functional
    entry itself (matched by `ref`, see sync_targets). None when there is none, and for a person the
    viewer may not see (a protected identity, a leaver), so trying ids tells nothing about them."""
    from kundweb.directory.models import FunctionalEntry, Person

    if not 0 < entry_id <= MAX_ROW_ID:
        return None
    if kind == "person":
        person = db.session.get(Person, entry_id)
        if person is None or not person.active or (person.hidden and not include_hidden) or person.unit_id is None:
            return None
        ref = f"unit:{person.unit_id}"
    elif kind == "function":
        entry = db.session.get(FunctionalEntry, entry_id)
        if entry is None or not entry.active:
            return None
        ref = f"function:{entry.id}"
    else:
        return None
    return db.session.scalar(select(EnquiryTarget).where(EnquiryTarget.ref == ref, EnquiryTarget.active.is_(True)))


def refresh_targets(actor, now=None):
    """Bring the forwarding targets in step with the directory's units and functional entries
    and the company register (hourly from the scheduler, or an admin's button)."""
    from kundweb.companies.services import forwarding_candidates as companies
    from kundweb.directory.services import forwarding_candidates as directory

    report = sync_targets(actor, directory() + companies(), now)
    if report.conflicts:
        audit.record("enquiry.targets_conflicts", actor, "enquiry_target", None,
                     {"conflicts": [list(c) for c in report.conflicts]}, now)
        db.session.commit()
    return report


def _get(model, object_id, message):
    row = db.session.get(model, object_id)
    if row is None:
        raise EnquiryError(message)
    return row

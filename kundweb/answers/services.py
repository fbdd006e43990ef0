"""Kunskapsbanken's answers: creating, changing, publishing, archiving and their versions (R-KB-1, R-KB-2).

Every change saves a new AnswerVersion (a snapshot of the fields, who, when, which
fields changed) and an audit event in the same transaction. Published answers are
archived, never deleted; only a draft that was never published may be deleted.
Who may change what is decided here (access.may_edit), not only in the views.
"""
import difflib
import logging
import re
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from kundweb.answers.access import editor_scope, may_edit
from kundweb.answers.models import STATUSES, VISIBILITIES, Answer, AnswerProposal, AnswerVersion
from kundweb.audit import services as audit
from kundweb.companies.models import Company
from kundweb.database import utcnow
from kundweb.directory.models import Person, Unit
from kundweb.enquiries.models import Enquiry, EnquiryCategory
from kundweb.extensions import db

log = logging.getLogger(__name__)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MAX_QUESTION = 300
MAX_PHRASINGS = 3000
MAX_KEYWORDS = 500
MAX_BODY = 10000
MAX_LINKS = 10
MAX_LINK_LABEL = 200
MAX_URL = 500
MAX_ROW_ID = 2**31 - 1
ROW_ID = re.compile(r"[0-9]{1,9}")  # ASCII digits only: "²".isdigit() is true, and int() of it fails
REVIEW_MONTHS = 12  # a new answer is due for review a year after it was written
MAX_REVIEW_YEARS = 3  # further ahead than this nobody will remember to look at it

# The fields a version keeps, in the order the history shows them, with their Swedish names.
FIELD_LABELS = {
    "question": "Fråga",
    "phrasings": "Andra formuleringar",
    "keywords": "Sökord",
    "body": "Svar",
    "links": "Länkar",
    "unit_id": "Ägare (förvaltning)",
    "company_id": "Ägare (bolag)",
    "responsible_id": "Ansvarig",
    "category_id": "Kategori",
    "visibility": "Synlighet",
    "review_by": "Granska senast",
    "status": "Status",
}
EDITABLE = tuple(name for name in FIELD_LABELS if name != "status")
TEXT_FIELDS = ("question", "phrasings", "keywords", "body")


class AnswerError(Exception):
    """A change that cannot be made; the message is Swedish and safe to show."""


class InvalidAnswer(AnswerError, ValueError):
    """Fields that cannot be saved: `field_errors` maps field names to Swedish messages."""

    def __init__(self, field_errors):
        super().__init__(next(iter(field_errors.values())))
        self.field_errors = field_errors


class AnswerNotFound(AnswerError):
    def __init__(self):
        super().__init__("Svaret finns inte.")


class NotAllowed(AnswerError, PermissionError):
    """The actor may not keep this answer (or answers of that owner): a 403 for the views."""

    def __init__(self, message="Du kan bara ändra svar som din egen förvaltning eller ditt bolag äger."):
        super().__init__(message)


class ChangedMeanwhile(AnswerError):
    def __init__(self):
        super().__init__("Någon annan har ändrat svaret medan du skrev. Dina ändringar är inte sparade; "
                         "öppna svaret igen och gör om dem.")


class IllegalTransition(AnswerError):
    pass


def local_today(now):
    return now.astimezone(STOCKHOLM).date()


def months_ahead(day, months):
    """The same day `months` later (the month's last day when it has fewer days)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def default_review_by(now):
    return months_ahead(local_today(now), REVIEW_MONTHS)


def is_stale(answer, today):
    """Past its review date ("Inaktuellt"): the answer may no longer be right."""
    return answer.review_by < today


# --- Reading ---------------------------------------------------------------------------------------

def get_answer(answer_id):
    """The answer; raises AnswerNotFound."""
    answer = db.session.get(Answer, answer_id) if isinstance(answer_id, int) else None
    if answer is None:
        raise AnswerNotFound()
    return answer


def published_answers(visibility=None, category_id=None):
    """Published answers by question; only `visibility` ("intern"/"publik") when given."""
    query = select(Answer).where(Answer.status == "published")
    if visibility is not None:
        query = query.where(Answer.visibility == visibility)
    if category_id is not None:
        query = query.where(Answer.category_id == category_id)
    return db.session.scalars(query.order_by(Answer.question, Answer.id)).all()


@dataclass(frozen=True)
class AnswerFilter:
    """The list page's filters; None means any."""

    status: str | None = None
    owner: str | None = None  # "unit:<id>" or "company:<id>"
    category_id: int | None = None
    stale: bool = False
    text: str | None = None


def list_answers(filters, today, limit=500):
    """Answers matching `filters`, most recently changed first."""
    query = select(Answer)
    if filters.status in STATUSES:
        query = query.where(Answer.status == filters.status)
    kind, value = parse_owner(filters.owner)
    if kind == "unit":
        query = query.where(Answer.unit_id == value)
    elif kind == "company":
        query = query.where(Answer.company_id == value)
    if filters.category_id is not None:
        query = query.where(Answer.category_id == filters.category_id)
    if filters.stale:
        query = query.where(Answer.review_by < today, Answer.status != "archived")
    for word in (filters.text or "").split()[:8]:
        word = word.casefold()
        query = query.where(or_(func.lower(Answer.question).contains(word, autoescape=True),
                                func.lower(Answer.keywords).contains(word, autoescape=True)))
    return db.session.scalars(query.order_by(Answer.updated_at.desc(), Answer.id.desc()).limit(limit)).all()


@dataclass(frozen=True)
class EditorOverview:
    """An editor's start page: the answers they keep, drafts among them, and those due for review."""

    answers: list
    drafts: list
    due: list
    review_soon_days: int


def editor_overview(actor, today, review_soon_days=30):
    """The answers within `actor`'s scope (all for admins): drafts, and those due for review within the days."""
    scope = editor_scope(actor)
    if scope.empty:
        return EditorOverview([], [], [], review_soon_days)
    query = select(Answer).where(Answer.status != "archived")
    if not scope.everything:
        owners = [Answer.unit_id == scope.unit_id]
        if scope.company_id is not None:
            owners.append(Answer.company_id == scope.company_id)
        query = query.where(or_(*owners))
    answers = db.session.scalars(query.order_by(Answer.question, Answer.id)).all()
    soon = today + timedelta(days=review_soon_days)
    return EditorOverview(answers, [a for a in answers if a.status == "draft"],
                          sorted((a for a in answers if a.status == "published" and a.review_by <= soon),
                                 key=lambda a: a.review_by), review_soon_days)


def owner_choices(actor):
    """(value, label) of the owners `actor` may give an answer: "unit:<id>" / "company:<id>"."""
    scope = editor_scope(actor)
    units = db.session.execute(select(Unit.id, Unit.name).order_by(Unit.name)).all()
    companies = db.session.execute(select(Company.id, Company.name).order_by(Company.name)).all()
    return ([(f"unit:{u.id}", u.name) for u in units if scope.covers(u.id, None)]
            + [(f"company:{c.id}", c.name) for c in companies if scope.covers(None, c.id)])


def parse_owner(value):
    """"unit:3" -> ("unit", 3); anything else -> (None, None)."""
    kind, _, number = (value or "").partition(":")
    if kind in ("unit", "company") and ROW_ID.fullmatch(number):
        return kind, int(number)
    return None, None


def parse_row_id(text):
    """A row id typed into a URL ("12"), or None: never a number no database key can hold."""
    return int(text) if text and ROW_ID.fullmatch(text) else None


def all_owner_choices():
    """Every owner an answer can have, for filtering the list."""
    units = db.session.execute(select(Unit.id, Unit.name).order_by(Unit.name)).all()
    companies = db.session.execute(select(Company.id, Company.name).order_by(Company.name)).all()
    return [(f"unit:{u.id}", u.name) for u in units] + [(f"company:{c.id}", c.name) for c in companies]


def owner_name(answer):
    owner = (db.session.get(Unit, answer.unit_id) if answer.unit_id is not None
             else db.session.get(Company, answer.company_id))
    return owner.name if owner is not None else ""


def username_of(person_id):
    return db.session.scalar(select(Person.username).where(Person.id == person_id)) if person_id else ""


def owner_value(answer):
    return f"unit:{answer.unit_id}" if answer.unit_id is not None else f"company:{answer.company_id}"


def names_for(answers):
    """{"unit": {id: name}, "company": …, "person": …, "category": …} for showing answers without N queries."""
    wanted = {"unit": set(), "company": set(), "person": set(), "category": set()}
    for answer in answers:
        wanted["unit"].add(answer.unit_id)
        wanted["company"].add(answer.company_id)
        wanted["person"].add(answer.responsible_id)
        wanted["category"].add(answer.category_id)
    return _names(wanted)


def _names(wanted):
    tables = {"unit": (Unit.id, Unit.name), "company": (Company.id, Company.name),
              "person": (Person.id, Person.display_name),
              "category": (EnquiryCategory.id, EnquiryCategory.group_name + " – " + EnquiryCategory.name)}
    names = {}
    for kind, (key, label) in tables.items():
        ids = {i for i in wanted[kind] if i is not None}
        names[kind] = dict(db.session.execute(select(key, label).where(key.in_(ids))).all()) if ids else {}
    return names


# --- Validation ------------------------------------------------------------------------------------

def _text(fields, name):
    value = fields.get(name)
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = "\n".join(str(v) for v in value)
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def _identifier(value):
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 < value <= MAX_ROW_ID else -1
    if isinstance(value, str) and ROW_ID.fullmatch(value.strip()):
        return int(value.strip())
    return -1  # never a row: reported as "finns inte"


def link_problem(url):
    """Why `url` cannot be an answer's link (Swedish), or None: http(s) with a host only."""
    if len(url) > MAX_URL:
        return f"Adressen får vara högst {MAX_URL} tecken."
    try:
        parts = urlsplit(url)
    except ValueError:
        return "Adressen går inte att läsa. Skriv den som https://…"
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url):
        return "Länken måste vara en webbadress som börjar med https:// (eller http://)."
    return None


def _links(value, errors):
    links = []
    for number, link in enumerate(value or [], start=1):
        label = str((link or {}).get("label") or "").strip()
        url = str((link or {}).get("url") or "").strip()
        if not label and not url:
            continue
        problem = link_problem(url) if url else "Skriv länkens adress."
        if problem:
            errors.setdefault("links", f"Länk {number}: {problem}")
        elif len(label) > MAX_LINK_LABEL:
            errors.setdefault("links", f"Länk {number}: texten får vara högst {MAX_LINK_LABEL} tecken.")
        links.append({"label": label or url, "url": url})
    if len(links) > MAX_LINKS:
        errors.setdefault("links", f"Ett svar kan ha högst {MAX_LINKS} länkar.")
    return links


def cleaned_fields(fields, now, current=None):
    """The fields as they will be saved, or InvalidAnswer with a Swedish message per bad field.

    `current` is the saved snapshot when changing an answer: fields not given keep their
    value, and a category or responsible person that has since been retired may stay.
    """
    current = current or {}
    fields = {**current, **{k: v for k, v in fields.items() if k in EDITABLE}}
    errors = {}
    values = {name: _text(fields, name) for name in TEXT_FIELDS}
    values["phrasings"] = "\n".join(line.strip() for line in values["phrasings"].split("\n") if line.strip())
    values["keywords"] = " ".join(values["keywords"].split())
    limits = {"question": (MAX_QUESTION, "Frågan"), "phrasings": (MAX_PHRASINGS, "De andra formuleringarna"),
              "keywords": (MAX_KEYWORDS, "Sökorden"), "body": (MAX_BODY, "Svaret")}
    if not values["question"]:
        errors["question"] = "Skriv frågan så som en kommuninvånare ställer den."
    if not values["body"]:
        errors["body"] = "Skriv svaret."
    for name, (limit, label) in limits.items():
        if len(values[name]) > limit:
            errors.setdefault(name, f"{label} får vara högst {limit} tecken (nu {len(values[name])}).")
    values["links"] = _links(fields.get("links"), errors)

    unit_id, company_id = _identifier(fields.get("unit_id")), _identifier(fields.get("company_id"))
    if (unit_id is None) == (company_id is None):
        errors["owner"] = "Välj vilken förvaltning eller vilket bolag som äger svaret."
    elif unit_id is not None and db.session.get(Unit, unit_id) is None:
        errors["owner"] = "Förvaltningen finns inte."
    elif company_id is not None and db.session.get(Company, company_id) is None:
        errors["owner"] = "Bolaget finns inte."
    values["unit_id"], values["company_id"] = unit_id, company_id

    responsible_id = _identifier(fields.get("responsible_id"))
    person = db.session.get(Person, responsible_id) if responsible_id not in (None, -1) else None
    if responsible_id is None:
        errors["responsible_id"] = "Välj en ansvarig person ur katalogen."
    elif person is None or (not person.active and responsible_id != current.get("responsible_id")):
        errors["responsible_id"] = "Den ansvariga måste vara en aktiv person i katalogen."
    values["responsible_id"] = responsible_id

    category_id = _identifier(fields.get("category_id"))
    category = db.session.get(EnquiryCategory, category_id) if category_id not in (None, -1) else None
    if category_id is None:
        errors["category_id"] = "Välj kategori."
    elif category is None or (not category.active and category_id != current.get("category_id")):
        errors["category_id"] = "Kategorin finns inte eller är avvecklad. Välj en annan."
    values["category_id"] = category_id

    visibility = fields.get("visibility") or "intern"
    if visibility not in VISIBILITIES:
        errors["visibility"] = "Välj intern eller publik."
    values["visibility"] = visibility

    review_by = fields.get("review_by")
    if isinstance(review_by, str):
        try:
            review_by = date.fromisoformat(review_by.strip()) if review_by.strip() else None
        except ValueError:
            errors["review_by"] = "Skriv datumet som ÅÅÅÅ-MM-DD."
            review_by = None
    if review_by is None and "review_by" not in errors:
        review_by = default_review_by(now)
    today = local_today(now)
    if isinstance(review_by, date):
        changed = review_by.isoformat() != current.get("review_by")
        if changed and review_by < today:
            errors["review_by"] = "Datumet har redan varit. Välj ett datum från och med i dag."
        elif review_by > months_ahead(today, 12 * MAX_REVIEW_YEARS):
            errors["review_by"] = f"Välj ett datum högst {MAX_REVIEW_YEARS} år fram, så att svaret granskas."
    values["review_by"] = review_by
    if errors:
        raise InvalidAnswer(errors)
    return values


# --- Versions --------------------------------------------------------------------------------------

def snapshot(answer):
    """The answer's fields as a version keeps them (JSON-ready)."""
    return {"question": answer.question, "phrasings": answer.phrasings, "keywords": answer.keywords,
            "body": answer.body, "links": [dict(link) for link in answer.links or []],
            "unit_id": answer.unit_id, "company_id": answer.company_id, "responsible_id": answer.responsible_id,
            "category_id": answer.category_id, "visibility": answer.visibility,
            "review_by": answer.review_by.isoformat(), "status": answer.status}


def _changed(before, after):
    return [name for name in FIELD_LABELS if before.get(name) != after.get(name)]


def _save_version(answer, actor, now, changed):
    answer.version = (answer.version or 0) + 1 if answer.id is not None else 1
    answer.updated_at, answer.updated_by = now, actor.username
    db.session.flush()
    db.session.add(AnswerVersion(answer_id=answer.id, number=answer.version, snapshot=snapshot(answer),
                                 changed_fields=",".join(changed), changed_at=now, changed_by=actor.username))


def versions(answer):
    """The answer's versions, newest first."""
    return db.session.scalars(select(AnswerVersion).where(AnswerVersion.answer_id == answer.id)
                              .order_by(AnswerVersion.number.desc())).all()


@dataclass(frozen=True)
class FieldChange:
    """One field's change between two versions; `lines` is a line diff for text fields
    ((" " | "-" | "+", line) pairs), else None and `before`/`after` are shown."""

    field: str
    label: str
    before: str
    after: str
    lines: list | None


def version_diff(answer, number):
    """The changes from version number-1 to `number` (from nothing for the first); raises AnswerNotFound."""
    rows = {v.number: v for v in db.session.scalars(
        select(AnswerVersion).where(AnswerVersion.answer_id == answer.id,
                                    AnswerVersion.number.in_([number - 1, number])))}
    if number not in rows:
        raise AnswerNotFound()
    before = rows[number - 1].snapshot if number - 1 in rows else {}
    after = rows[number].snapshot
    changed = _changed(before, after)
    wanted = {"unit": set(), "company": set(), "person": set(), "category": set()}
    for snap in (before, after):
        wanted["unit"].add(snap.get("unit_id"))
        wanted["company"].add(snap.get("company_id"))
        wanted["person"].add(snap.get("responsible_id"))
        wanted["category"].add(snap.get("category_id"))
    names = _names(wanted)
    changes = []
    for name in changed:
        old, new = _shown(name, before.get(name), names), _shown(name, after.get(name), names)
        lines = None
        if name in TEXT_FIELDS or name == "links":
            lines = [(line[0], line[2:]) for line in difflib.ndiff(old.split("\n") if old else [],
                                                                   new.split("\n") if new else [])
                     if line[0] in " +-"]
        changes.append(FieldChange(name, FIELD_LABELS[name], old, new, lines))
    return changes


def _shown(name, value, names):
    if value is None or value == "":
        return ""
    kinds = {"unit_id": "unit", "company_id": "company", "responsible_id": "person", "category_id": "category"}
    if name in kinds:
        return names[kinds[name]].get(value, f"(borttagen, nr {value})")
    if name == "links":
        return "\n".join(f"{link.get('label')} – {link.get('url')}" for link in value)
    if name == "visibility":
        return VISIBILITIES.get(value, value)
    if name == "status":
        return STATUSES.get(value, value)
    return str(value)


# --- Changes ---------------------------------------------------------------------------------------

def _deny(actor, answer_id, action, owner, now):
    """Audit the refusal on its own (it must stay recorded though the change is not made), then raise."""
    db.session.rollback()
    audit.record("answer.edit_denied", actor, "answer", answer_id, {"attempted": action, "owner": owner}, now)
    db.session.commit()
    raise NotAllowed()


def _owner_text(values):
    return f"unit:{values['unit_id']}" if values.get("unit_id") is not None else f"company:{values.get('company_id')}"


def create_answer(actor, fields, now=None, status="draft"):
    """A new answer (a draft unless `status` says "published"), version 1, audited.

    Raises InvalidAnswer, or NotAllowed (audited) when the owner is outside the actor's scope.
    """
    now = now or utcnow()
    if status not in ("draft", "published"):
        raise IllegalTransition("Ett nytt svar är ett utkast eller publiceras direkt.")
    values = cleaned_fields(fields, now)
    if not editor_scope(actor).covers(values["unit_id"], values["company_id"]):
        _deny(actor, None, "create", _owner_text(values), now)
    answer = insert_answer(actor, values, status, now)
    _commit()
    return answer


def insert_answer(actor, values, status, now, details=None):
    """Add an answer from cleaned fields with its version 1 and audit event; the caller commits."""
    answer = Answer(**values, status=status, created_at=now, created_by=actor.username,
                    published_at=now if status == "published" else None)
    db.session.add(answer)
    _save_version(answer, actor, now, list(FIELD_LABELS))
    audit.record("answer.created", actor, "answer", answer.id, {"after": snapshot(answer), **(details or {})}, now)
    return answer


def _locked(answer, expected_version=None):
    """The answer re-read under a row lock, so two saves never make the same version number."""
    fresh = db.session.scalars(select(Answer).where(Answer.id == answer.id).with_for_update()
                               .execution_options(populate_existing=True)).one_or_none()
    if fresh is None:
        raise AnswerNotFound()
    if expected_version is not None and fresh.version != expected_version:
        raise ChangedMeanwhile()
    return fresh


def check_may_edit(actor, answer, action, now):
    """Raise NotAllowed (audited) unless `actor` keeps `answer`."""
    if not may_edit(actor, answer):
        _deny(actor, answer.id, action, owner_value(answer), now)


def update_answer(actor, answer, fields, now=None, expected_version=None):
    """Change the answer's fields: a new version naming the changed fields; nothing at all if none changed.

    `expected_version` is the version the editor's form showed: a save over someone
    else's newer version is refused (ChangedMeanwhile) instead of silently undoing it.
    Moving an answer to another owner needs the right to both. Raises InvalidAnswer,
    NotAllowed (audited), ChangedMeanwhile, AnswerNotFound.
    """
    now = now or utcnow()
    check_may_edit(actor, answer, "edit", now)
    answer = _locked(answer, expected_version)
    before = snapshot(answer)
    try:
        if answer.status == "archived":
            raise IllegalTransition("Svaret är arkiverat. Publicera det igen innan du ändrar det.")
        values = cleaned_fields(fields, now, current=before)
    except AnswerError:
        db.session.rollback()
        raise
    if not editor_scope(actor).covers(values["unit_id"], values["company_id"]):
        _deny(actor, answer.id, "move", _owner_text(values), now)
    for name, value in values.items():
        setattr(answer, name, value)
    changed = _changed(before, snapshot(answer))
    if not changed:
        db.session.rollback()
        return answer
    _save_version(answer, actor, now, changed)
    audit.record("answer.edited", actor, "answer", answer.id,
                 {"changed": changed, "before": {k: before[k] for k in changed},
                  "after": {k: snapshot(answer)[k] for k in changed}}, now)
    _commit()
    return answer


def _set_status(actor, answer, status, action, allowed_from, message, now):
    now = now or utcnow()
    check_may_edit(actor, answer, action, now)
    answer = _locked(answer)
    if answer.status not in allowed_from:
        db.session.rollback()
        raise IllegalTransition(message)
    answer.status = status
    if status == "published":
        answer.published_at, answer.archived_at = now, None
    else:
        answer.archived_at = now
    _save_version(answer, actor, now, ["status"])
    audit.record(f"answer.{action}", actor, "answer", answer.id, {"version": answer.version}, now)
    _commit()
    return answer


def publish_answer(actor, answer, now=None):
    """Draft (or archived) -> published; audited. Raises NotAllowed, IllegalTransition."""
    return _set_status(actor, answer, "published", "published", ("draft", "archived"),
                       "Svaret är redan publicerat.", now)


def archive_answer(actor, answer, now=None):
    """Published -> archived: kept with its history and the enquiries that used it. Raises NotAllowed,
    IllegalTransition."""
    return _set_status(actor, answer, "archived", "archived", ("published",),
                       "Bara publicerade svar arkiveras. Ett utkast som aldrig publicerats kan tas bort.", now)


def delete_draft(actor, answer, now=None):
    """Remove a draft that was never published and nothing refers to; audited with its last text.

    Anything ever published is archived instead, so what agents were told stays on record.
    Raises NotAllowed, IllegalTransition.
    """
    now = now or utcnow()
    check_may_edit(actor, answer, "deleted", now)
    answer = _locked(answer)
    if answer.status != "draft" or answer.published_at is not None:
        db.session.rollback()
        raise IllegalTransition("Bara utkast som aldrig publicerats kan tas bort. Arkivera svaret i stället.")
    referred = (db.session.scalar(select(func.count()).select_from(Enquiry).where(Enquiry.answer_id == answer.id))
                or db.session.scalar(select(func.count()).select_from(AnswerProposal)
                                     .where(AnswerProposal.answer_id == answer.id)))
    if referred:
        db.session.rollback()
        raise IllegalTransition("Utkastet hänvisas till från ärenden eller förslag och kan inte tas bort.")
    details = {"before": snapshot(answer), "versions": answer.version}
    answer_id = answer.id
    db.session.execute(AnswerVersion.__table__.delete().where(AnswerVersion.answer_id == answer_id))
    db.session.delete(answer)
    audit.record("answer.deleted", actor, "answer", answer_id, details, now)
    _commit()


def _commit():
    try:
        db.session.commit()
    except IntegrityError as exc:
        # Two saves of the same answer at once on a database without row locks (SQLite).
        db.session.rollback()
        log.warning("answer save refused: %s", exc.orig)
        raise ChangedMeanwhile() from exc


def person_id_for(username):
    """The directory id of the person with this username (any case), or -1 when there is none."""
    username = (username or "").strip()
    if not username:
        return None
    found = db.session.scalar(select(Person.id).where(func.lower(Person.username) == username.lower())
                              .order_by(Person.active.desc(), Person.id))
    return found if found is not None else -1


def category_choices(keep_id=None):
    """(id, "Grupp – Namn") of the active categories, plus `keep_id` if it has been retired since."""
    rows = db.session.scalars(select(EnquiryCategory).where(or_(EnquiryCategory.active,
                                                                EnquiryCategory.id == keep_id))
                              .order_by(EnquiryCategory.group_name, EnquiryCategory.name)).all()
    return [(c.id, f"{c.group_name} – {c.name}" + ("" if c.active else " (avvecklad)")) for c in rows]


def colleagues(actor):
    """(username, name) of the active people in the actor's own department: likely responsible persons."""
    scope = editor_scope(actor)
    if scope.unit_id is None:
        return []
    return db.session.execute(select(Person.username, Person.display_name)
                              .where(Person.unit_id == scope.unit_id, Person.active)
                              .order_by(Person.display_name).limit(300)).all()

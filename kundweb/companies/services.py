"""Municipal companies and their opt-out cases: the register, the case state machine, the routing.

The guideline ("Ansvar"): every department and affiliated municipal company has its
main entry for questions through Kundcenter; a company's opt-out (utträde) is decided
by the municipal director. A company's routing therefore changes only when an
approved case takes effect, which the scheduler does on the case's effective date
(apply_due_cases), exactly once. Every step is audited and kept in the case history.
"""
import logging
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from urllib.parse import urlsplit

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from kundweb.audit import services as audit
from kundweb.caching import Expiring, per_app
from kundweb.companies import files
from kundweb.companies.models import (ATTACHMENT_LABELS, CASE_NUMBER_SERIES, CASE_STATES, CaseAttachment, CaseEvent,
                                      CaseNumberCounter, Company, CompanyTopic, OptOutCase)
from kundweb.database import take_next_number, utcnow
from kundweb.directory import phones
from kundweb.directory.search import fold as search_fold
from kundweb.directory.search import sort_key
from kundweb.extensions import db
from kundweb.hours.calendar import STOCKHOLM

log = logging.getLogger(__name__)

MAX_TEXT = 5000
MAX_TOPICS = 30
MAX_ATTACHMENTS_PER_CASE = 20
MAX_FILES_PER_UPLOAD = 5
ORG_NUMBER = re.compile(r"^(\d{6})-?(\d{4})$")
CASE_NUMBER = re.compile(r"^(?:ut-?)?(\d{4})-(\d{1,6})$")  # a folded "UT-2026-0006"
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")

# The state machine: state -> {action: next state}. Anything not listed is refused.
# Files can be added in every state, as a registrar files them: the signed decision
# arrives after the decision is registered, and a withdrawal letter after the case ends.
TRANSITIONS = {
    "submitted": {"edit": "submitted", "attach": "submitted", "prepare": "prepared", "withdraw": "withdrawn"},
    "prepared": {"edit": "prepared", "attach": "prepared", "prepare": "prepared",
                 "approve": "approved", "reject": "rejected", "withdraw": "withdrawn"},
    "approved": {"attach": "approved", "apply": "effective", "withdraw": "withdrawn"},
    "rejected": {"attach": "rejected"},
    "effective": {"attach": "effective"},
    "withdrawn": {"attach": "withdrawn"},
}
# What each action is called in the history and in the audit log ("company.case_<past>").
PAST = {"submit": "submitted", "edit": "edited", "attach": "attachment_added", "prepare": "prepared",
        "approve": "approved", "reject": "rejected", "withdraw": "withdrawn", "apply": "applied"}
VERBS = {"edit": "ändra", "attach": "lägga till bilagor i", "prepare": "bereda", "approve": "bevilja",
         "reject": "avslå", "withdraw": "återkalla", "apply": "genomföra"}
DECIDED = ("approved", "rejected")
# Refusals people meet most often, said the way they would ask about them.
REFUSALS = {
    **{(action, "submitted"): "Ärendet måste beredas innan kommundirektörens beslut kan registreras."
       for action in ("approve", "reject")},
    **{(action, state): "Ärendet är redan beslutat." for action in ("approve", "reject") for state in DECIDED},
    **{(action, state): "Ärendet är beslutat och kan inte längre ändras."
       for action in ("edit", "prepare") for state in DECIDED},
    ("apply", "rejected"): "Ärendet är avslaget och kan inte genomföras.",
    ("apply", "submitted"): "Ärendet är inte beviljat och kan inte genomföras.",
    ("apply", "prepared"): "Ärendet är inte beviljat och kan inte genomföras.",
    ("withdraw", "effective"): "Ärendet är redan genomfört och kan inte återkallas. "
                               "Lämna in ett nytt ärende om bolaget vill tillbaka.",
}


class CompanyError(Exception):
    """A change that cannot be made; the message is Swedish and safe to show."""


class InvalidInput(CompanyError):
    """Form input that cannot be saved: `field_errors` maps field names to Swedish messages."""

    def __init__(self, field_errors):
        super().__init__(next(iter(field_errors.values())))
        self.field_errors = field_errors


class NotFound(CompanyError):
    pass


class AttachmentDamaged(CompanyError):
    def __init__(self):
        super().__init__("Bilagan stämmer inte längre med kontrollsumman som sparades när den laddades upp, "
                         "så den lämnas inte ut. Händelsen har loggats.")


class NotAllowed(CompanyError):
    def __init__(self):
        super().__init__("Bara administratörer kan ändra bolagsregistret och bolagens ärenden.")


class IllegalTransition(CompanyError):
    """The case's state does not allow this step."""


class CaseConflict(CompanyError):
    def __init__(self):
        super().__init__("Någon annan ändrade ärendet samtidigt. Läs om sidan och försök igen.")


@dataclass(frozen=True)
class CompanyInput:
    name: str
    org_number: str
    phone: str
    email: str = ""
    web: str = ""
    topics: tuple = ()


@dataclass(frozen=True)
class CaseInput:
    reasons: str
    requested_from: date | None
    received_on: date | None = None  # None: it came in today
    diary_number: str = ""


@dataclass(frozen=True)
class DecisionInput:
    outcome: str  # "approved" or "rejected"
    decision_date: date | None
    reference: str
    director_name: str
    effective_from: date | None = None


@dataclass(frozen=True)
class Upload:
    """A file as it arrived: its name as the sender had it, and a readable binary stream."""

    filename: str
    stream: object


# --- Validation ------------------------------------------------------------------------------

def luhn_check_digit(digits):
    """The mod-10 (Luhn) check digit for a string of digits, as Swedish identity numbers use it."""
    total = 0
    for position, digit in enumerate(int(d) for d in digits):
        product = digit * (2 if position % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def normalise_org_number(value):
    """A typed organisation number as NNNNNN-NNNN. Raises CompanyError.

    Ten digits, with or without the hyphen; the last is the Luhn check digit of the
    first nine. Municipal companies are limited companies, whose numbers start with 5.
    """
    typed = re.sub(r"\s", "", value or "")
    if not typed:
        raise CompanyError("Ange organisationsnumret.")
    match = ORG_NUMBER.match(typed)
    if not match:
        raise CompanyError("Ett organisationsnummer har tio siffror, till exempel 556123-4567.")
    digits = match.group(1) + match.group(2)
    if luhn_check_digit(digits[:9]) != int(digits[9]):
        raise CompanyError("Kontrollsiffran stämmer inte. Kontrollera organisationsnumret.")
    if digits[0] != "5":
        raise CompanyError("Kommunala bolag är aktiebolag: organisationsnumret börjar med 5, till exempel 556123-4567.")
    return f"{digits[:6]}-{digits[6:]}"


def normalise_phone(value):
    """A typed phone number as E.164 (the directory's rules). Raises CompanyError."""
    try:
        number = phones.normalise_phone(value)
    except phones.InvalidNumber as exc:
        raise CompanyError(str(exc)) from exc
    if number is None:
        raise CompanyError("Ange bolagets telefonnummer till kundtjänst.")
    return number


display_phone = phones.display_phone  # 0920-45 30 00 for Swedish numbers


def normalise_web(value):
    """A web address with its scheme ('www.x.se' -> 'https://www.x.se'), or ''. Raises CompanyError."""
    value = (value or "").strip()
    if not value:
        return ""
    if not re.match(r"^https?://", value, re.IGNORECASE):
        value = "https://" + value
    host = urlsplit(value).hostname or ""
    if any(c.isspace() for c in value) or "." not in host.strip("."):
        raise CompanyError("Skriv webbadressen som www.exempel.se eller https://www.exempel.se.")
    return value


def parse_topics(text):
    """One topic a line, blank lines and repeats (in any case) left out."""
    topics = {}
    for line in (text or "").splitlines():
        name = " ".join(line.split())
        if name and name.casefold() not in topics:
            topics[name.casefold()] = name
    return tuple(topics.values())


def validate_company(data, company_id=None):
    """The input normalised, as a dict of column values. Raises InvalidInput listing every problem."""
    errors, values = {}, {}
    values["name"] = " ".join((data.name or "").split())
    if not values["name"]:
        errors["name"] = "Ange bolagets namn."
    elif len(values["name"]) > 200:
        errors["name"] = "Namnet får vara högst 200 tecken."
    elif _taken(Company.name, values["name"], company_id):
        errors["name"] = "Det finns redan ett bolag med det namnet."
    for field, normalise in (("org_number", normalise_org_number), ("phone", normalise_phone),
                             ("web", normalise_web)):
        try:
            values[field] = normalise(getattr(data, field))
        except CompanyError as exc:
            errors[field] = str(exc)
    if "org_number" in values and _taken(Company.org_number, values["org_number"], company_id):
        errors["org_number"] = "Det finns redan ett bolag med det organisationsnumret."
    values["email"] = (data.email or "").strip()
    if values["email"] and (not EMAIL.match(values["email"]) or len(values["email"]) > 256):
        errors["email"] = "Skriv e-postadressen som kundservice@exempel.se."
    if len(values.get("web", "")) > 300:
        errors["web"] = "Webbadressen får vara högst 300 tecken."
    values["topics"] = tuple(data.topics)
    if len(values["topics"]) > MAX_TOPICS:
        errors["topics"] = f"Ange högst {MAX_TOPICS} frågeområden."
    elif any(len(topic) > 100 for topic in values["topics"]):
        errors["topics"] = "Ett frågeområde får vara högst 100 tecken."
    if errors:
        raise InvalidInput(errors)
    return values


def _taken(column, value, company_id):
    query = db.select(Company.id).where(db.func.lower(column) == value.lower())
    if company_id is not None:
        query = query.where(Company.id != company_id)
    return db.session.scalar(query) is not None


# --- The register ----------------------------------------------------------------------------

def _require_admin(actor):
    if not actor.has_role("admin"):
        raise NotAllowed()


def all_companies(ids=None):
    """Every company (or those with these ids) in Swedish alphabetical order (å, ä, ö after z)."""
    query = db.select(Company).options(selectinload(Company.topics), selectinload(Company.cases))
    if ids is not None:
        query = query.where(Company.id.in_(ids))
    companies = db.session.scalars(query).all()
    return sorted(companies, key=lambda company: sort_key(company.name))


def get_company(company_id):
    company = db.session.get(Company, company_id)
    if company is None:
        raise NotFound("Bolaget finns inte.")
    return company


def create_company(actor, data, now=None):
    """Register a company; its questions go through Kundcenter. Raises InvalidInput, NotAllowed."""
    now = now or utcnow()
    _require_admin(actor)
    values = validate_company(data)
    topics = values.pop("topics")
    company = Company(**values, routing="kundcenter", created_at=now, created_by=actor.username,
                      updated_at=now, updated_by=actor.username)
    company.topics = [CompanyTopic(name=name) for name in topics]
    db.session.add(company)
    db.session.flush()
    audit.record("company.created", actor, "company", company.id, {"after": company_snapshot(company)}, now)
    _commit_or_explain()
    _forget_search_index()
    return company


def update_company(actor, company_id, data, now=None):
    """Change a company's name, number, contact route or topics (not its routing: cases do that)."""
    now = now or utcnow()
    _require_admin(actor)
    company = get_company(company_id)
    values = validate_company(data, company_id=company.id)
    before = company_snapshot(company)
    topics = values.pop("topics")
    for name, value in values.items():
        setattr(company, name, value)
    kept = {topic.name: topic for topic in company.topics}
    company.topics = [kept.get(name) or CompanyTopic(name=name) for name in topics]
    company.updated_at, company.updated_by = now, actor.username
    db.session.flush()
    audit.record("company.edited", actor, "company", company.id, {"before": before, "after": company_snapshot(company)},
                 now)
    _commit_or_explain()
    _forget_search_index()
    return company


def _commit_or_explain():
    try:
        db.session.commit()
    except IntegrityError as exc:  # another admin saved the same name or number a moment ago
        db.session.rollback()
        raise CompanyError("Ett bolag med samma namn eller organisationsnummer sparades nyss. Läs om sidan.") from exc


def company_snapshot(company):
    """The audited state of a company's register entry."""
    return {"name": company.name, "org_number": company.org_number, "phone": company.phone,
            "email": company.email, "web": company.web, "topics": sorted(company.topic_names),
            "routing": company.routing,
            "routing_since": company.routing_since.isoformat() if company.routing_since else None}


# --- Cases -----------------------------------------------------------------------------------

def get_case(case_id):
    case = db.session.get(OptOutCase, case_id)
    if case is None:
        raise NotFound("Ärendet finns inte.")
    return case


def open_case(company):
    return next((case for case in company.cases if case.is_open), None)


def next_case_kind(company):
    """What a new case for this company asks for: to leave Kundcenter, or to come back."""
    return "opt_out" if company.routing == "kundcenter" else "re_entry"


def allowed_actions(case):
    """The steps a person may take on the case now (the scheduler's "apply" is not one)."""
    return set(TRANSITIONS[case.state]) - {"apply"}


def check_transition(case, action):
    """The state `action` leads to from the case's state. Raises IllegalTransition."""
    target = TRANSITIONS[case.state].get(action)
    if target is None:
        raise IllegalTransition(REFUSALS.get((action, case.state)) or
                                f"Det går inte att {VERBS[action]} ett ärende som är {CASE_STATES[case.state].lower()}.")
    return target


def local_today(now):
    return now.astimezone(STOCKHOLM).date()


def submit_case(actor, company_id, data, uploads=(), now=None):
    """A new case for the company, submitted by an admin on its behalf, with any attachments.

    Opt-out if the company goes through Kundcenter now, re-entry if it has its own
    customer service. Raises InvalidInput, CompanyError (an open case exists), NotAllowed.
    """
    now = now or utcnow()
    _require_admin(actor)
    company = get_company(company_id)
    existing = open_case(company)
    if existing is not None:
        raise CompanyError(f"{company.name} har redan ett öppet ärende ({existing.case_number}). "
                           "Det måste beslutas, genomföras eller återkallas först.")
    received_on, diary_number = _validate_case(data, now, registered_on=local_today(now))
    year = local_today(now).year
    # The first write of the transaction: it locks the counter row (PostgreSQL) or the database
    # (SQLite) until commit; a submission that fails rolls back and gives its number back.
    number = next_case_number(year)
    case = OptOutCase(company=company, kind=next_case_kind(company), state="submitted", number_year=year,
                      number=number, diary_number=diary_number, received_on=received_on,
                      reasons=data.reasons.strip(), requested_from=data.requested_from,
                      submitted_at=now, submitted_by=actor.username, updated_at=now)
    db.session.add(case)
    try:
        db.session.flush()
    except IntegrityError as exc:  # the partial unique index: someone submitted one a moment ago
        db.session.rollback()
        raise CompanyError(f"{company.name} fick nyss ett annat öppet ärende. Läs om sidan.") from exc
    details = {"kind": case.kind, "case_number": case.case_number, "diary_number": case.diary_number,
               "received_on": case.received_on.isoformat(), "reasons": case.reasons,
               "requested_from": case.requested_from.isoformat()}
    _record(case, "submit", None, "submitted", actor, now, details)
    _store_and_commit(case, uploads, "request", actor, now)
    return case


def next_case_number(year):
    """Take the next case number of `year` inside the caller's transaction (1, 2, 3 ... without gaps)."""
    return take_next_number(db.session, CaseNumberCounter.__table__, CASE_NUMBER_SERIES, year)


def _validate_case(data, now, registered_on, unchanged_date=None):
    """(received date, diarienummer) of valid input. Raises InvalidInput listing every problem.

    `registered_on` is the day the case was typed in: it cannot have come in after that.
    """
    errors = {}
    _, errors["reasons"] = _text(data.reasons, "Skriv bolagets skäl.")
    if data.requested_from is None:
        errors["requested_from"] = "Ange från vilket datum bolaget vill att ändringen ska gälla."
    elif data.requested_from < local_today(now) and data.requested_from != unchanged_date:
        errors["requested_from"] = "Datumet har redan passerats."
    received_on = data.received_on or local_today(now)
    if received_on > local_today(now):
        errors["received_on"] = "Inkomstdatumet kan inte vara i framtiden."
    elif received_on > registered_on:
        errors["received_on"] = (f"Ärendet registrerades {registered_on.isoformat()} och kan inte ha kommit in "
                                 "senare än så.")
    diary_number = " ".join((data.diary_number or "").split())
    if len(diary_number) > 100:
        errors["diary_number"] = "Diarienumret får vara högst 100 tecken."
    errors = {field: problem for field, problem in errors.items() if problem}
    if errors:
        raise InvalidInput(errors)
    return received_on, diary_number


def _text(value, missing, limit=MAX_TEXT):
    """(the text without surrounding space, what is wrong with it or None)."""
    text = (value or "").strip()
    if not text:
        return text, missing
    if len(text) > limit:
        return text, f"Texten får vara högst {limit} tecken."
    return text, None


def edit_case(actor, case_id, data, now=None):
    """Change the reasons, dates or diarienummer of an undecided case. Raises IllegalTransition, InvalidInput."""
    now = now or utcnow()
    _require_admin(actor)
    case = get_case(case_id)
    check_transition(case, "edit")
    received_on, diary_number = _validate_case(data, now, registered_on=local_today(case.submitted_at),
                                               unchanged_date=case.requested_from)
    before = {"reasons": case.reasons, "requested_from": case.requested_from.isoformat(),
              "received_on": case.received_on.isoformat(), "diary_number": case.diary_number}
    after = {"reasons": data.reasons.strip(), "requested_from": data.requested_from.isoformat(),
             "received_on": received_on.isoformat(), "diary_number": diary_number}
    _transition(case, "edit", actor, now, {"before": before, "after": after},
                reasons=after["reasons"], requested_from=data.requested_from, received_on=received_on,
                diary_number=diary_number)
    db.session.commit()
    return case


def prepare_case(actor, case_id, assessment, now=None):
    """Record the admin's assessment (again, if it changes before the decision). Raises IllegalTransition."""
    now = now or utcnow()
    _require_admin(actor)
    case = get_case(case_id)
    check_transition(case, "prepare")
    assessment, problem = _text(assessment, "Skriv din bedömning.")
    if problem:
        raise InvalidInput({"assessment": problem})
    _transition(case, "prepare", actor, now, {"assessment": assessment, "previous": case.assessment},
                assessment=assessment, prepared_at=now, prepared_by=actor.username)
    db.session.commit()
    return case


def decide_case(actor, case_id, decision, now=None):
    """Record the municipal director's decision on a prepared case.

    Approved cases take effect on `effective_from` (the scheduler applies them).
    Raises IllegalTransition, InvalidInput, NotAllowed.
    """
    now = now or utcnow()
    _require_admin(actor)
    case = get_case(case_id)
    action = {"approved": "approve", "rejected": "reject"}.get(decision.outcome)
    if action is None:
        raise InvalidInput({"outcome": "Välj om kommundirektören biföll eller avslog ärendet."})
    check_transition(case, action)
    values = _validate_decision(case, decision, now)
    details = {key: value.isoformat() if isinstance(value, date) else value for key, value in values.items()}
    _transition(case, action, actor, now, details, **values, decided_at=now, decided_by=actor.username)
    db.session.commit()
    return case


def _validate_decision(case, decision, now):
    errors = {}
    reference, errors["reference"] = _text(" ".join((decision.reference or "").split()),
                                           "Ange beslutets diarienummer.", limit=100)
    director, errors["director_name"] = _text(" ".join((decision.director_name or "").split()),
                                              "Ange vilken kommundirektör som fattade beslutet.", limit=200)
    if decision.decision_date is None:
        errors["decision_date"] = "Ange beslutsdatum."
    elif decision.decision_date > local_today(now):
        errors["decision_date"] = "Beslutsdatumet kan inte vara i framtiden."
    elif decision.decision_date < case.received_on:
        errors["decision_date"] = (f"Beslutet kan inte vara fattat innan ärendet kom in "
                                   f"({case.received_on.isoformat()}).")
    effective_from = decision.effective_from if decision.outcome == "approved" else None
    if decision.outcome == "approved":
        if effective_from is None:
            errors["effective_from"] = "Ange från vilket datum beslutet gäller."
        elif decision.decision_date and effective_from < decision.decision_date:
            errors["effective_from"] = "Beslutet kan inte gälla från ett datum före beslutsdatumet."
    errors = {field: problem for field, problem in errors.items() if problem}
    if errors:
        raise InvalidInput(errors)
    return {"decision_date": decision.decision_date, "decision_reference": reference, "director_name": director,
            "effective_from": effective_from}


def withdraw_case(actor, case_id, reason, now=None):
    """The company no longer asks for the change. Raises IllegalTransition, InvalidInput."""
    now = now or utcnow()
    _require_admin(actor)
    case = get_case(case_id)
    check_transition(case, "withdraw")
    reason, problem = _text(reason, "Skriv varför ärendet återkallas.")
    if problem:
        raise InvalidInput({"reason": problem})
    _transition(case, "withdraw", actor, now, {"reason": reason},
                withdrawn_at=now, withdrawn_by=actor.username, withdrawal_reason=reason)
    db.session.commit()
    return case


def apply_due_cases(now=None):
    """Put approved cases whose effective date has come into effect (the scheduler's job).

    Returns the ids of the cases this call applied. A case that was withdrawn, or
    applied by another run, in the meantime is skipped (see apply_case).
    """
    now = now or utcnow()
    due = db.session.scalars(db.select(OptOutCase.id).where(
        OptOutCase.state == "approved", OptOutCase.effective_from <= local_today(now)).order_by(OptOutCase.id)).all()
    applied = []
    for case_id in due:
        try:
            apply_case(case_id, now)
        except (IllegalTransition, CaseConflict):
            db.session.rollback()
            continue
        applied.append(case_id)
    return applied


def apply_case(case_id, now):
    """Move an approved case to effective and give its company the new routing, from its effective date.

    One transaction holds the guarded UPDATE (WHERE state = 'approved'), the
    company's routing, the history and the audit events, so a second run, a
    restart or a second process can never apply a case twice.
    Raises IllegalTransition (not approved, or its date has not come), CaseConflict.
    """
    case = get_case(case_id)
    check_transition(case, "apply")
    if case.effective_from > local_today(now):
        raise IllegalTransition(f"Beslutet gäller först från {case.effective_from.isoformat()}.")
    company = case.company
    routing = {"before": company.routing, "after": "own" if case.kind == "opt_out" else "kundcenter",
               "since": case.effective_from.isoformat()}
    _transition(case, "apply", audit.SYSTEM, now, {"routing": routing}, applied_at=now)
    company.routing, company.routing_since = routing["after"], case.effective_from
    company.updated_at, company.updated_by = now, None
    audit.record("company.routing_changed", audit.SYSTEM, "company", company.id, {"case_id": case.id, **routing}, now)
    db.session.commit()
    return case


def _transition(case, action, actor, now, details, **values):
    """Move the case along TRANSITIONS and record the step in its history and the audit log.

    The caller commits. Raises IllegalTransition, CaseConflict.
    """
    from_state, to_state = _move(case, action, now, **values)
    _record(case, action, from_state, to_state, actor, now, details)


def _move(case, action, now, **values):
    """UPDATE … WHERE state = <the state read>: of two concurrent steps only one can succeed.

    Returns (from, to). Raises IllegalTransition, or CaseConflict when the state changed since it was read.
    """
    from_state = case.state
    to_state = check_transition(case, action)
    result = db.session.execute(
        update(OptOutCase).where(OptOutCase.id == case.id, OptOutCase.state == from_state)
        .values(state=to_state, updated_at=now, **values))
    if result.rowcount != 1:
        db.session.rollback()
        raise CaseConflict()
    return from_state, to_state


def _record(case, action, from_state, to_state, actor, now, details):
    case.events.append(CaseEvent(occurred_at=now, actor=actor.username, action=PAST[action],
                                 from_state=from_state, to_state=to_state, details=details))
    audit.record(f"company.case_{PAST[action]}", actor, "company_optout_case", case.id,
                 {"company_id": case.company_id, "from": from_state, "to": to_state, **details}, now)


# --- Attachments -----------------------------------------------------------------------------

def default_attachment_label(case):
    """What a file added now most likely is: the request, the assessment, the (signed) decision, or other."""
    return {"submitted": "request", "prepared": "assessment", "approved": "decision",
            "rejected": "decision", "effective": "decision"}.get(case.state, "other")


def add_attachments(actor, case_id, uploads, label, now=None):
    """Attach files, labelled as what they are, to a case in any state.

    Raises InvalidInput (no file, an unknown label, a refused file or one already on
    the case), CaseConflict, NotAllowed.
    """
    now = now or utcnow()
    _require_admin(actor)
    case = get_case(case_id)
    check_transition(case, "attach")
    errors = {}
    if label not in ATTACHMENT_LABELS:
        errors["label"] = "Välj vad bilagan är: ansökan, bedömning, beslut eller övrigt."
    if not uploads:
        errors["files"] = "Välj minst en fil."
    if errors:
        raise InvalidInput(errors)
    # Locks the case row until commit, so two uploads of the same file at once see each other (below).
    _move(case, "attach", now)
    _store_and_commit(case, uploads, label, actor, now)
    return case


def _store_and_commit(case, uploads, label, actor, now):
    """Write the files, add their rows and history, commit; remove the files again if anything fails."""
    problem = None
    if len(uploads) > MAX_FILES_PER_UPLOAD:
        problem = f"Bifoga högst {MAX_FILES_PER_UPLOAD} filer åt gången."
    elif len(case.attachments) + len(uploads) > MAX_ATTACHMENTS_PER_CASE:
        problem = f"Ett ärende kan ha högst {MAX_ATTACHMENTS_PER_CASE} bilagor."
    if problem:
        db.session.rollback()
        raise InvalidInput({"files": problem})
    written, added = [], []
    try:
        for upload in uploads:
            attachment = files.store(upload, actor.username, now)
            attachment.label = label
            written.append(files.path_of(attachment))
            _refuse_duplicate(case, added, attachment)
            added.append(attachment)
            case.attachments.append(attachment)
            _record(case, "attach", case.state, case.state, actor, now,
                    {"filename": attachment.filename, "size": attachment.size, "sha256": attachment.sha256,
                     "label": label})
        db.session.commit()
    except BaseException as exc:
        db.session.rollback()
        for path in written:
            files.remove(path)
        if isinstance(exc, files.FileRefused):
            raise InvalidInput({"files": str(exc)}) from exc
        raise


def _refuse_duplicate(case, added, attachment):
    """Raise FileRefused when a file with the same SHA-256 is already on the case (or `added` in this upload).

    Refused rather than kept after a confirmation: the same bytes are the same document,
    which a registrar files once; a second copy adds nothing but the impression that two
    documents came in, and attachments can never be removed, so a slip would stay forever.
    The message names the earlier attachment, so the user sees where the document already is.
    """
    twin = next((other for other in added if other.sha256 == attachment.sha256), None)
    if twin is not None:
        raise files.FileRefused(f"{attachment.filename} har samma innehåll som {twin.filename} i samma "
                                "uppladdning. Bifoga filen en gång.")
    earlier = next((kept for kept in case.attachments if kept.sha256 == attachment.sha256), None)
    if earlier is None:
        return
    when = earlier.uploaded_at.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")
    raise files.FileRefused(f"{attachment.filename} finns redan i ärendet: samma innehåll som bilagan "
                            f"{earlier.filename} ({earlier.label_text.lower()}), tillagd {when} av "
                            f"{earlier.uploaded_by}. Bilagan sparades inte en gång till.")


def case_list(query=""):
    """Every case, newest first, or those whose diarienummer, case number or company matches `query`.

    Case and spaces do not matter ("ks 2026/0123" finds "KS 2026/0123"), as a registrar types it.
    """
    statement = (db.select(OptOutCase).join(Company).options(selectinload(OptOutCase.company))
                 .order_by(OptOutCase.number_year.desc(), OptOutCase.number.desc()))
    needle = "".join((query or "").split()).lower()
    if needle:
        pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"

        def folded(column):
            return db.func.lower(db.func.replace(column, " ", ""))
        matches = [folded(OptOutCase.diary_number).like(pattern, escape="\\"),
                   folded(Company.name).like(pattern, escape="\\")]
        number = CASE_NUMBER.match(needle)
        if number:
            matches.append(db.and_(OptOutCase.number_year == int(number.group(1)),
                                   OptOutCase.number == int(number.group(2))))
        statement = statement.where(db.or_(*matches))
    return db.session.scalars(statement).all()


def attachment_file(actor, case_id, attachment_id, now=None):
    """The attachment row and its verified bytes (a stream).

    Raises NotFound, or AttachmentDamaged (logged and audited) when the stored bytes no
    longer match the SHA-256 and size taken at upload: altered bytes are never sent.
    """
    attachment = db.session.get(CaseAttachment, attachment_id)
    if attachment is None or attachment.case_id != case_id:
        raise NotFound("Bilagan finns inte.")
    try:
        content = files.read_verified(attachment)
    except FileNotFoundError as exc:
        raise NotFound("Bilagans fil saknas.") from exc
    except files.IntegrityFailure as exc:
        log.error("company case attachment %s of case %s failed its integrity check: %s",
                  attachment.id, case_id, exc)
        db.session.rollback()
        audit.record("company.case_attachment_damaged", actor, "company_optout_case", case_id,
                     {"attachment_id": attachment.id, "sha256": attachment.sha256}, now or utcnow())
        db.session.commit()
        raise AttachmentDamaged() from exc
    return attachment, content


# --- What agents see -------------------------------------------------------------------------

@dataclass(frozen=True)
class RoutingNote:
    """Where a company's customers should turn, in one line for agents."""

    company_id: int
    name: str
    through_kundcenter: bool
    since: date | None
    phone: str  # as shown: 0920-45 30 00
    email: str
    web: str
    topics: tuple
    change_on: date | None  # an approved change takes effect on this date

    @property
    def contact(self):
        return ", ".join(part for part in (self.phone, self.email, self.web) if part)

    @property
    def text(self):
        """'Luleå Energi AB: egen kundtjänst sedan 2027-01-01, 0920-…' or '…: via Kundcenter'."""
        if self.through_kundcenter:
            line = f"{self.name}: via Kundcenter"
            if self.change_on:
                line += f" (egen kundtjänst från {self.change_on.isoformat()})"
            return line
        since = f" sedan {self.since.isoformat()}" if self.since else ""
        line = f"{self.name}: egen kundtjänst{since}, {self.contact}"
        if self.change_on:
            line += f" (tillbaka till Kundcenter från {self.change_on.isoformat()})"
        return line


def routing_note(company):
    pending = next((case for case in company.cases if case.state == "approved"), None)
    return RoutingNote(company.id, company.name, company.routing == "kundcenter", company.routing_since,
                       display_phone(company.phone), company.email, company.web, tuple(company.topic_names),
                       pending.effective_from if pending else None)


def routing_notes(ids=None):
    """The routing note of every company (or those with these ids), in Swedish alphabetical order."""
    return [routing_note(company) for company in all_companies(ids)]


@dataclass(frozen=True)
class SearchNotes:
    companies: list  # RoutingNotes of the companies the query names
    by_unit: dict  # unit name -> RoutingNote of the company that owns it


NO_SEARCH_NOTES = SearchNotes([], {})


def search_notes(query, unit_names=()):
    """For the directory search: the companies whose name or topics match every word of `query`
    (as prefixes), and which of `unit_names` belong to a company (its name or one of its topics).

    It runs on every keystroke, so what it matches against is kept in the process for
    COMPANY_SEARCH_CACHE_SECONDS; notes are read from the database only for a match.
    """
    words = fold(query).split()
    units = {fold(name): name for name in unit_names if name}
    if not words and not units:
        return NO_SEARCH_NOTES
    index = _search_index()
    named = [company_id for company_id, (_, folded_words) in index.items()
             if words and all(any(w.startswith(word) for w in folded_words) for word in words)]
    owners = {unit: company_id for company_id, (texts, _) in index.items() for unit in units if unit in texts}
    if not named and not owners:
        return NO_SEARCH_NOTES
    notes = {note.company_id: note for note in routing_notes({*named, *owners.values()})}
    return SearchNotes([notes[company_id] for company_id in named if company_id in notes],
                       {units[unit]: notes[company_id] for unit, company_id in owners.items() if company_id in notes})


_INDEX_QUERY = db.select(Company.id, Company.name, CompanyTopic.name).outerjoin(CompanyTopic)


def _read_search_index():
    """{company id: (folded name and topics, all their words)} from the database."""
    # A pooled connection straight from the engine: cheaper than the ORM session, on the search's hot path.
    with db.engine.connect() as connection:
        texts = {}
        for company_id, name, topic in connection.execute(_INDEX_QUERY):
            texts.setdefault(company_id, {fold(name)}).add(fold(topic or ""))
    return {company_id: (frozenset(folded), tuple(w for text in folded for w in text.split()))
            for company_id, folded in texts.items()}


def _search_index_cache():
    """The index as read at most COMPANY_SEARCH_CACHE_SECONDS ago in this web process."""
    return per_app("kundweb_company_search_index",
                   lambda app: Expiring(app.config.get("COMPANY_SEARCH_CACHE_SECONDS", 5), _read_search_index))


def _search_index():
    return _search_index_cache().get()


def _forget_search_index():
    """After a change to names or topics: this process searches the new ones at once."""
    _search_index_cache().forget()


def forwarding_target(company_id):
    """Where to forward an enquiry about this company: Kundcenter itself, or the company's own route.

    For the enquiries feature. Raises NotFound.
    """
    return routing_note(get_company(company_id))


def forwarding_candidates():
    """(kind, ref, name) of every company: the enquiries' forwarding targets kept in step with the register."""
    return [("company", f"company:{company.id}", company.name) for company in all_companies()]


def routing_note_for_ref(ref):
    """The routing note of the company a forwarding target's ref ("company:12") names, or None."""
    kind, _, company_id = (ref or "").partition(":")
    if kind != "company" or not company_id.isdigit():
        return None
    company = db.session.get(Company, int(company_id))
    return routing_note(company) if company else None


# The directory's folding ('Luleå' -> 'lulea'), remembered: the same names are folded on every keystroke.
fold = lru_cache(maxsize=4096)(search_fold)


# --- The admins' overview ----------------------------------------------------------------------

@dataclass(frozen=True)
class OverviewRow:
    company: Company
    note: RoutingNote
    open_case: OptOutCase | None


def overview():
    """Every company with its routing and open case; the open cases; the approved changes ahead."""
    rows = [OverviewRow(company, routing_note(company), open_case(company)) for company in all_companies()]
    open_cases = [row.open_case for row in rows if row.open_case and row.open_case.state != "approved"]
    upcoming = sorted((row.open_case for row in rows if row.open_case and row.open_case.state == "approved"),
                      key=lambda case: case.effective_from)
    return rows, open_cases, upcoming

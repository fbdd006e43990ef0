"""Public records: registering, correcting, documenting and closing items; the register and its exports.

A voicemail, mobile-answer message, call or e-mail can be an official document
(allmän handling). It is registered without delay (OSL 5 kap. 1-2 §§) with the
date it arrived, a registration number (`KC 2026/000123`, gap-free), the sender
and briefly what it concerns. If it concerns a matter the municipality handles it
stays open until it is documented in a business system; an item of little
importance may be closed with a reason. Nothing is changed or removed: every
change is a new revision, audited in the same transaction.
"""
import hashlib
import json
import logging
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, func, or_, select, true
from sqlalchemy.orm import selectinload
from sqlalchemy.exc import IntegrityError

from kundweb.audit import services as audit
from kundweb.database import take_next_number, utcnow
from kundweb.extensions import db
from kundweb.records import filetypes, storage
from kundweb.records.models import (
    KINDS, STATUSES, BusinessSystem, RecordAttachment, RecordCounter, RecordItem, RecordRevision,
)

log = logging.getLogger(__name__)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MASK = "[Sekretess]"
MAX_DESCRIPTION = 1000
MAX_SENDER = 300
MAX_REASON = 1000
MAX_REFERENCE = 120
CLOCK_SKEW = timedelta(minutes=5)
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
NUMBER_PATTERN = re.compile(r"^\s*(?:([A-Za-zÅÄÖåäö]{1,16})\s*)?(?:(\d{4})\s*/\s*)?(\d{1,9})\s*$")
# The state a revision carries; a correction or status change copies it and changes some.
STATE_FIELDS = ("kind", "arrived_at", "sender", "received_by", "received_by_username", "description",
                "concerns_matter", "confidential", "legal_ground", "status", "business_system_id",
                "business_reference", "closing_reason")
CORRECTABLE = ("kind", "arrived_at", "sender", "description", "concerns_matter", "confidential", "legal_ground")
PER_PAGE = 50
MISSING_UPLOAD = "Den bifogade filen gick inte att hitta. Välj filen igen."


class RecordError(Exception):
    """A change that cannot be made; the message is Swedish and safe to show.

    `field` names the form field it is about, when there is one.
    """

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


class ItemNotFound(RecordError):
    def __init__(self):
        super().__init__("Handlingen finns inte.")


class AccessDenied(RecordError):
    def __init__(self):
        super().__init__("Du har inte behörighet till den här handlingen. Försöket har loggats.")


class MayNotHandle(RecordError):
    """A confidential item handled by someone who may not read it: they cannot judge where it belongs."""

    def __init__(self, registrant_name, role_label):
        super().__init__(f"Handlingen omfattas av sekretess och får dokumenteras, avslutas, rättas eller öppnas igen "
                         f"bara av den som får läsa den: {registrant_name}, som registrerade den, eller någon med "
                         f"behörigheten {role_label}. Försöket har loggats.")


class StaleRevision(RecordError):
    def __init__(self):
        super().__init__("Någon annan ändrade handlingen medan du hade den öppen. Läs igenom den nya versionen "
                         "och gör om ändringen om den fortfarande behövs.")


class UploadRefused(RecordError):
    """The file is not one of the accepted kinds (judged by its content); nothing was kept."""


class FileTooLarge(RecordError):
    """Over RECORDS_MAX_UPLOAD_MB; nothing was kept."""


class AttachmentDamaged(RecordError):
    def __init__(self):
        super().__init__("Filen stämmer inte längre med kontrollsumman som sparades när den registrerades, "
                         "så den lämnas inte ut. Händelsen har loggats; kontakta registrator.")


@dataclass(frozen=True)
class Person:
    """The acting person's name and e-mail (from the directory), for the register and reminders."""

    username: str
    display_name: str
    email: str = ""


@dataclass(frozen=True)
class ItemInput:
    kind: str
    arrived_at: datetime | None
    sender: str | None
    description: str
    concerns_matter: bool | None
    confidential: bool = False
    legal_ground: str | None = None
    received_by_unit: bool = False  # agents: Kundcenter received it, not the agent personally


@dataclass(frozen=True)
class Upload:
    """A file already stored under its SHA-256, with what its content turned out to be."""

    sha256: str
    size: int
    detected: filetypes.DetectedType
    original_name: str
    email: filetypes.EmailInfo | None = None


@dataclass(frozen=True)
class Registration:
    item: RecordItem
    created: bool  # False: the same form had already been registered (a retry)


# --------------------------------------------------------------------------- access


def unit_name():
    return current_app.config["RECORDS_UNIT_NAME"]


def can_see_all(actor):
    """Agents (and admins) work with the whole register; others with what they registered."""
    return actor.has_role("agent")


def can_see_confidential(actor, item):
    """Confidential sender and description: the person who registered it, and the register's custodians."""
    return item.registered_by == actor.username or actor.has_role(current_app.config["RECORDS_CONFIDENTIAL_ROLE"])


def may_handle(actor, item):
    """Documenting, closing, correcting or reopening an item needs reading it: once confidential, its readers only."""
    return not any(r.confidential for r in item.revisions) or can_see_confidential(actor, item)


def who_may_handle(item):
    """(registrant's name, the custodians' role label): whom to ask about a confidential item one may not read.

    `item` is a RecordItem or an ItemView.
    """
    from kundweb.auth.services import ROLE_LABELS

    role = current_app.config["RECORDS_CONFIDENTIAL_ROLE"]
    return item.registered_by_name, ROLE_LABELS.get(role, role)


def get_handled_item(actor, item_id, intent, now):
    """The item if `actor` may reach and handle it; raises ItemNotFound, AccessDenied or MayNotHandle (audited)."""
    item = get_item(actor, item_id, intent, now)
    if not may_handle(actor, item):
        _deny(actor, item, intent, now, MayNotHandle(*who_may_handle(item)))
    return item


def get_item(actor, item_id, intent="view", now=None):
    """The item if `actor` may reach it; raises ItemNotFound, or AccessDenied (audited)."""
    item = db.session.get(RecordItem, item_id)
    if item is None:
        raise ItemNotFound()
    if item.registered_by != actor.username and not can_see_all(actor):
        _deny(actor, item, intent, now)
    return item


def _deny(actor, item, intent, now, error=None):
    db.session.rollback()
    audit.record("records.access_denied", actor, "record_item", item.id,
                 {"number": item.registration_number, "intent": intent}, now or utcnow())
    db.session.commit()
    raise error or AccessDenied()


# --------------------------------------------------------------------------- uploads


def max_upload_bytes():
    return current_app.config["RECORDS_MAX_UPLOAD_MB"] * 1024 * 1024


def receive_upload(stream, original_name):
    """Store an uploaded file by its content and say what it is.

    Raises FileTooLarge or UploadRefused; a refused file never gets a name in the store.
    """
    try:
        temp_path, sha256, size, head = storage.write_temp(stream, max_upload_bytes(), filetypes.HEAD_BYTES)
    except storage.TooLarge as exc:
        raise FileTooLarge(f"Filen är större än {current_app.config['RECORDS_MAX_UPLOAD_MB']} MB.",
                           "attachment") from exc
    detected = filetypes.detect(head, lambda offset, length: _read_at(temp_path, offset, length)) if size else None
    if detected is None:
        storage.discard(temp_path)
        raise UploadRefused("Filen är varken en ljudfil (wav, mp3, m4a, ogg) eller ett e-postmeddelande (.eml). "
                            "Typen avgörs av filens innehåll, inte av namnet.", "attachment")
    email = filetypes.parse_email(temp_path) if detected.kind == "eml" else None
    storage.commit_temp(temp_path, sha256)
    return Upload(sha256, size, detected, clean_name(original_name), email)


def _read_at(path, offset, length):
    with open(path, "rb") as handle:
        handle.seek(offset)
        return handle.read(length)


def clean_name(name):
    """A file name fit to show: no folders, no control or direction-changing characters, short."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C")
    return name.strip(" .")[:200]


def _upload_signer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="kundweb.records.upload")


def upload_token(actor, upload):
    """A signed reference to a stored upload, so a form shown again need not ask for the file again."""
    return _upload_signer().dumps({"u": actor.username, "h": upload.sha256, "n": upload.original_name})


def upload_from_token(actor, token):
    """The upload a token from `upload_token` names, re-read and re-verified; raises RecordError."""
    try:
        signed = _upload_signer().loads(token)
    except BadSignature as exc:
        raise RecordError(MISSING_UPLOAD, "attachment") from exc
    if signed.get("u") != actor.username:
        raise RecordError(MISSING_UPLOAD, "attachment")
    try:
        content = storage.read_verified(signed["h"]).getvalue()
    except (storage.IntegrityFailure, ValueError) as exc:
        raise RecordError(MISSING_UPLOAD, "attachment") from exc
    detected = filetypes.detect(content[:filetypes.HEAD_BYTES],
                                lambda offset, length: content[offset:offset + length])
    if detected is None:
        raise RecordError(MISSING_UPLOAD, "attachment")
    email = filetypes.parse_email(storage.path_for(signed["h"])) if detected.kind == "eml" else None
    return Upload(signed["h"], len(content), detected, signed.get("n", ""), email)


def prefill_from_email(data, uploads, arrival_time=False):
    """Empty sender and description taken from an attached .eml; with arrival_time, also its date.

    The date only when asked ("Läs in uppgifterna"): at registration the time in the
    form is what the person confirmed.
    """
    info = next((u.email for u in uploads if u.email is not None), None)
    if info is None:
        return data
    arrived_at = data.arrived_at
    if arrival_time and info.sent_at and info.sent_at <= utcnow() + CLOCK_SKEW:
        arrived_at = info.sent_at.astimezone(timezone.utc)
    return replace(
        data, sender=data.sender or info.sender, arrived_at=arrived_at,
        description=(data.description or "").strip() or (f"E-post: {info.subject}" if info.subject else ""))


# --------------------------------------------------------------------------- registering


def register(actor, person, data, uploads=(), idempotency_key=None, now=None):
    """Register an item with the next number of the series for this year; returns a Registration.

    The files are already stored (by content), so the database transaction is the
    one step that makes the registration exist: if it fails, nothing is registered
    and a retry with the same form key registers it once. A form key already used
    returns that registration instead of a second one. Raises RecordError.
    """
    now = now or utcnow()
    key = idempotency_key or ""
    if not KEY_PATTERN.match(key):
        raise RecordError("Formuläret saknar sin engångsnyckel. Ladda om sidan och försök igen.")
    existing = _item_by_key(key)
    if existing is not None:
        return _already_registered(actor, existing)
    values = _validated(actor, person, prefill_from_email(data, uploads), now)
    series, year = current_app.config["RECORDS_SERIES"], now.astimezone(STOCKHOLM).year
    try:
        # The first write of the transaction: locks the counter row (PostgreSQL) or the database
        # (SQLite) until commit, so every later read here is current and numbers cannot collide.
        number = _next_number(series, year)
        existing = _item_by_key(key)
        if existing is not None:
            db.session.rollback()
            return _already_registered(actor, existing)
        item = RecordItem(series=series, year=year, number=number, registered_at=now,
                          registered_by=actor.username, registered_by_name=person.display_name,
                          registered_by_email=person.email or "", idempotency_key=key)
        db.session.add(item)
        db.session.flush()
        revision = RecordRevision(item_id=item.id, revision_no=1, change="registered", created_at=now,
                                  created_by=actor.username, created_by_name=person.display_name,
                                  status="open", business_system_id=None, business_reference=None,
                                  closing_reason=None, **values)
        db.session.add(revision)
        attachments = [_attachment(item, upload, actor, now) for upload in uploads]
        db.session.add_all(attachments)
        db.session.flush()
        # Enough for verify-audit to find every row again and see it unchanged: the owner decides
        # who reads a confidential item, and the files are matched by row as well as by content.
        audit.record("records.registered", actor, "record_item", item.id, {
            "number": item.registration_number, "revision": 1, "content_sha256": revision_hash(revision),
            "owner": item.registered_by, "item_sha256": item_hash(item),
            "attachments": [u.sha256 for u in uploads], "attachment_ids": [a.id for a in attachments]}, now)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        existing = _item_by_key(key)
        if existing is None:
            raise
        return _already_registered(actor, existing)
    except BaseException:
        db.session.rollback()
        raise
    return Registration(item, True)


def _next_number(series, year):
    """Take the next number in (series, year) inside the caller's transaction."""
    return take_next_number(db.session, RecordCounter.__table__, series, year)


def _item_by_key(key):
    return db.session.scalars(select(RecordItem).where(RecordItem.idempotency_key == key)).first()


def _already_registered(actor, item):
    if item.registered_by != actor.username:
        raise RecordError("Formuläret har redan använts. Ladda om sidan och registrera igen.")
    return Registration(item, False)


def _attachment(item, upload, actor, now):
    email = upload.email
    return RecordAttachment(
        item_id=item.id, sha256=upload.sha256, size=upload.size, file_kind=upload.detected.kind,
        content_type=upload.detected.content_type, original_name=upload.original_name,
        uploaded_at=now, uploaded_by=actor.username,
        email_sender=email.sender if email else None, email_subject=email.subject if email else None,
        email_date=email.sent_at.astimezone(timezone.utc) if email and email.sent_at else None,
        email_problems=email.problems if email and email.problems else None)


def _validated(actor, person, data, now):
    """The registration fields of a revision from `data`; raises RecordError."""
    if data.kind not in KINDS:
        raise RecordError("Välj vad det är: röstbrevlåda, mobilsvar, telefonsamtal eller e-post.", "kind")
    if data.arrived_at is None:
        raise RecordError("Ange när meddelandet kom in.", "arrived_at")
    if data.arrived_at > now + CLOCK_SKEW:
        raise RecordError("Tiden då meddelandet kom in kan inte ligga i framtiden.", "arrived_at")
    description = (data.description or "").strip()
    if not description:
        raise RecordError("Skriv kort vad meddelandet gäller.", "description")
    if len(description) > MAX_DESCRIPTION:
        raise RecordError(f"Beskrivningen får vara högst {MAX_DESCRIPTION} tecken.", "description")
    sender = " ".join((data.sender or "").split()) or None
    if sender and len(sender) > MAX_SENDER:
        raise RecordError(f"Avsändaren får vara högst {MAX_SENDER} tecken.", "sender")
    if data.concerns_matter is None:
        raise RecordError("Ange om meddelandet gäller en fråga som kommunen ansvarar för.", "concerns_matter")
    legal_ground = " ".join((data.legal_ground or "").split()) or None
    if data.confidential and not legal_ground:
        raise RecordError("Ange sekretessgrunden, till exempel ”OSL 26 kap. 1 §”.", "legal_ground")
    if legal_ground and len(legal_ground) > 200:
        raise RecordError("Sekretessgrunden får vara högst 200 tecken.", "legal_ground")
    if data.received_by_unit and not actor.has_role("agent"):
        raise RecordError(f"Bara Kundtjänst registrerar det som {unit_name()} har tagit emot. "
                          "Registrera det du själv har fått.", "received_by")
    return {
        "kind": data.kind, "arrived_at": data.arrived_at.astimezone(timezone.utc), "sender": sender,
        "received_by": unit_name() if data.received_by_unit else person.display_name,
        "received_by_username": None if data.received_by_unit else actor.username,
        "description": description, "concerns_matter": bool(data.concerns_matter),
        "confidential": bool(data.confidential), "legal_ground": legal_ground if data.confidential else None,
    }


def item_hash(item):
    """SHA-256 over a registration's own row; its `records.registered` event carries the same hash."""
    content = {name: getattr(item, name) for name in ("id", "series", "year", "number", "registered_by",
                                                      "registered_by_name", "registered_by_email",
                                                      "idempotency_key")}
    content["registered_at"] = item.registered_at.astimezone(timezone.utc).isoformat(timespec="microseconds")
    return hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":"),
                                     ensure_ascii=False).encode("utf-8")).hexdigest()


def revision_hash(revision):
    """SHA-256 over a revision's content; the audit event that added it carries the same hash."""
    content = {name: getattr(revision, name) for name in STATE_FIELDS + ("item_id", "revision_no", "change",
                                                                           "reason", "created_at", "created_by")}
    for name in ("arrived_at", "created_at"):
        content[name] = content[name].astimezone(timezone.utc).isoformat(timespec="microseconds")
    return hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":"),
                                     ensure_ascii=False).encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- revisions


def current_revision(item):
    return db.session.scalars(select(RecordRevision).where(RecordRevision.item_id == item.id)
                              .order_by(RecordRevision.revision_no.desc()).limit(1)).one()


def correct(actor, person, item_id, data, reason, expected_revision=None, now=None):
    """A correction as a new revision with a reason; raises RecordError (StaleRevision, AccessDenied, MayNotHandle)."""
    now = now or utcnow()
    item = get_handled_item(actor, item_id, "correct", now)
    current = current_revision(item)
    values = _validated(actor, person, replace(data, received_by_unit=False), now)
    changes = {name: values[name] for name in CORRECTABLE}
    if all(getattr(current, name) == value for name, value in changes.items()):
        raise RecordError("Inget är ändrat. Ändra de uppgifter som var fel, eller avbryt.")
    return _append(actor, person, item, current, "corrected", _reason(reason), expected_revision, now, changes)


def document(actor, person, item_id, business_system_id, reference, expected_revision=None, now=None):
    """Record where the item is documented; it then leaves the open list.

    Raises RecordError (MayNotHandle, audited, for someone who may not read a confidential item).
    """
    now = now or utcnow()
    item = get_handled_item(actor, item_id, "document", now)
    current = current_revision(item)
    if current.status != "open":
        raise RecordError(f"Handlingen är redan {current.status_label.lower()}.")
    system = db.session.get(BusinessSystem, business_system_id) if business_system_id else None
    if system is None or not system.active:
        raise RecordError("Välj verksamhetssystemet där handlingen är dokumenterad.", "system")
    reference = " ".join((reference or "").split())
    if not reference:
        raise RecordError("Skriv ärendets eller dokumentets nummer i verksamhetssystemet.", "reference")
    if len(reference) > MAX_REFERENCE:
        raise RecordError(f"Referensen får vara högst {MAX_REFERENCE} tecken.", "reference")
    return _append(actor, person, item, current, "documented", None, expected_revision, now,
                   {"status": "documented", "business_system_id": system.id, "business_reference": reference,
                    "closing_reason": None})


def close(actor, person, item_id, reason, expected_revision=None, now=None):
    """Close an item of little importance with a reason; raises RecordError."""
    now = now or utcnow()
    item = get_handled_item(actor, item_id, "close", now)
    current = current_revision(item)
    if current.status != "open":
        raise RecordError(f"Handlingen är redan {current.status_label.lower()}.")
    if current.concerns_matter:
        raise RecordError("Handlingen gäller en fråga som kommunen ansvarar för och ska dokumenteras i ett "
                          "verksamhetssystem. Är den av ringa betydelse? Rätta den uppgiften först.")
    reason = _reason(reason)
    return _append(actor, person, item, current, "closed", reason, expected_revision, now,
                   {"status": "closed", "closing_reason": reason})


def reopen(actor, person, item_id, reason, expected_revision=None, now=None):
    """Put a documented or closed item back on the open list, with a reason; raises RecordError."""
    now = now or utcnow()
    item = get_handled_item(actor, item_id, "reopen", now)
    current = current_revision(item)
    if current.status == "open":
        raise RecordError("Handlingen är redan öppen.")
    return _append(actor, person, item, current, "reopened", _reason(reason), expected_revision, now,
                   {"status": "open", "business_system_id": None, "business_reference": None, "closing_reason": None})


def _reason(reason):
    reason = (reason or "").strip()
    if not reason:
        raise RecordError("Skriv varför.", "reason")
    if len(reason) > MAX_REASON:
        raise RecordError(f"Motiveringen får vara högst {MAX_REASON} tecken.", "reason")
    return reason


def _append(actor, person, item, current, change, reason, expected_revision, now, changes):
    """Add the next revision: the current state with `changes`, audited in the same transaction."""
    if expected_revision is not None and expected_revision != current.revision_no:
        raise StaleRevision()
    state = {name: getattr(current, name) for name in STATE_FIELDS}
    state.update(changes)
    changed = sorted(name for name in changes if getattr(current, name) != state[name])
    revision = RecordRevision(item_id=item.id, revision_no=current.revision_no + 1, change=change, reason=reason,
                              created_at=now, created_by=actor.username, created_by_name=person.display_name,
                              **state)
    db.session.add(revision)
    try:
        db.session.flush()
        audit.record(f"records.{change}", actor, "record_item", item.id, {
            "number": item.registration_number, "revision": revision.revision_no, "changed": changed,
            "content_sha256": revision_hash(revision)}, now)
        db.session.commit()
    except IntegrityError as exc:  # someone added the same revision number a moment ago
        db.session.rollback()
        raise StaleRevision() from exc
    except BaseException:
        db.session.rollback()
        raise
    return revision


# --------------------------------------------------------------------------- what people see


@dataclass(frozen=True)
class ItemView:
    """An item as one person may see it: sender and description are None when masked."""

    id: int
    number: str
    kind: str
    kind_label: str
    arrived_at: datetime
    registered_at: datetime
    registered_by: str
    registered_by_name: str
    received_by: str
    sender: str | None
    description: str | None
    masked: bool
    confidential: bool
    legal_ground: str | None
    concerns_matter: bool
    status: str
    status_label: str
    business_system: str | None
    business_reference: str | None
    closing_reason: str | None
    revision_no: int
    age_days: int


def view_of(actor, item, revision, now, public=False):
    """What `actor` (or, with public=True, anyone) may see of an item in its current state."""
    masked = revision.confidential and (public or not can_see_confidential(actor, item))
    return ItemView(
        id=item.id, number=item.registration_number, kind=revision.kind, kind_label=revision.kind_label,
        arrived_at=revision.arrived_at, registered_at=item.registered_at, registered_by=item.registered_by,
        registered_by_name=item.registered_by_name, received_by=revision.received_by,
        sender=None if masked else revision.sender, description=None if masked else revision.description,
        masked=masked, confidential=revision.confidential, legal_ground=revision.legal_ground,
        concerns_matter=revision.concerns_matter, status=revision.status, status_label=revision.status_label,
        business_system=revision.business_system.name if revision.business_system else None,
        business_reference=revision.business_reference,
        closing_reason=None if masked else revision.closing_reason,
        revision_no=revision.revision_no, age_days=max(0, (now - revision.arrived_at).days))


@dataclass(frozen=True)
class HistoryEntry:
    revision_no: int
    change_label: str
    reason: str | None
    created_at: datetime
    created_by_name: str
    changes: list  # (label, before, after) for what this revision changed


FIELD_LABELS = {"kind": "Slag", "arrived_at": "Kom in", "sender": "Avsändare", "description": "Beskrivning",
                "concerns_matter": "Gäller en fråga kommunen ansvarar för", "confidential": "Sekretess",
                "legal_ground": "Sekretessgrund", "status": "Status", "business_system_id": "Verksamhetssystem",
                "business_reference": "Referens i verksamhetssystemet"}


def item_page(actor, item_id, now=None):
    """(ItemView, history, attachments) for the item page; raises ItemNotFound, AccessDenied."""
    now = now or utcnow()
    item = get_item(actor, item_id, "view", now)
    revisions = item.revisions
    current = revisions[-1]
    # Once confidential, always masked for others: an old revision must not show what a later one hides.
    hide = any(r.confidential for r in revisions) and not can_see_confidential(actor, item)
    view = view_of(actor, item, current, now)
    if hide and not view.masked:
        view = replace(view, sender=None, description=None, closing_reason=None, masked=True)
    history = [HistoryEntry(r.revision_no, r.change_label, None if hide else r.reason, r.created_at,
                            r.created_by_name, _differences(previous, r, hide))
               for previous, r in zip([None] + revisions[:-1], revisions)]
    return view, list(reversed(history)), item.attachments, hide


def _differences(previous, revision, hide):
    if previous is None:
        return []
    systems = {}
    changes = []
    for name, label in FIELD_LABELS.items():
        before, after = getattr(previous, name), getattr(revision, name)
        if before == after:
            continue
        if hide and name in ("sender", "description"):
            before = after = MASK
        changes.append((label, _shown(name, before, systems), _shown(name, after, systems)))
    return changes


def _shown(name, value, systems):
    from kundweb.templating import localtime

    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "Ja" if value else "Nej"
    if name == "kind":
        return KINDS.get(value, value)
    if name == "status":
        return STATUSES.get(value, value)
    if name == "arrived_at":
        return localtime(value)
    if name == "business_system_id":
        if value not in systems:
            system = db.session.get(BusinessSystem, value)
            systems[value] = system.name if system else str(value)
        return systems[value]
    return str(value)


@dataclass(frozen=True)
class SearchQuery:
    number: str = ""
    date_from: object = None  # date
    date_to: object = None
    kind: str = ""
    sender: str = ""
    text: str = ""
    status: str = ""

    @property
    def empty(self):
        return not any((self.number, self.date_from, self.date_to, self.kind, self.sender, self.text, self.status))


@dataclass(frozen=True)
class SearchResult:
    items: list
    total: int
    page: int
    pages: int


def current_query():
    """Each item with its newest revision."""
    newest = (select(RecordRevision.item_id, func.max(RecordRevision.revision_no).label("revision_no"))
              .group_by(RecordRevision.item_id).subquery())
    return (select(RecordItem, RecordRevision)
            .join(newest, newest.c.item_id == RecordItem.id)
            .join(RecordRevision, and_(RecordRevision.item_id == RecordItem.id,
                                       RecordRevision.revision_no == newest.c.revision_no)))


def filtered(actor, query, public=False):
    """The current revisions `actor` may see matching `query`; raises RecordError for a bad number."""
    statement = current_query()
    if not can_see_all(actor):
        statement = statement.where(RecordItem.registered_by == actor.username)
    if query.number:
        match = NUMBER_PATTERN.match(query.number)
        if not match:
            raise RecordError("Skriv numret som KC 2026/000123, 2026/123 eller bara 123.", "number")
        series, year, number = match.groups()
        statement = statement.where(RecordItem.number == int(number))
        if series:
            statement = statement.where(RecordItem.series == series.upper())
        if year:
            statement = statement.where(RecordItem.year == int(year))
    if query.date_from:
        statement = statement.where(RecordRevision.arrived_at >= _local_midnight(query.date_from))
    if query.date_to:
        statement = statement.where(RecordRevision.arrived_at < _local_midnight(query.date_to + timedelta(days=1)))
    if query.kind:
        statement = statement.where(RecordRevision.kind == query.kind)
    if query.status:
        statement = statement.where(RecordRevision.status == query.status)
    # Confidential text is searched only by those who may read it: a match would reveal it.
    readable = RecordRevision.confidential.is_(False)
    if not public and actor.has_role(current_app.config["RECORDS_CONFIDENTIAL_ROLE"]):
        readable = true()
    elif not public:
        readable = or_(readable, RecordItem.registered_by == actor.username)
    if query.sender:
        statement = statement.where(RecordRevision.sender.icontains(query.sender.strip(), autoescape=True), readable)
    if query.text:
        statement = statement.where(RecordRevision.description.icontains(query.text.strip(), autoescape=True),
                                    readable)
    return statement


def _local_midnight(day):
    return datetime.combine(day, time(0), tzinfo=STOCKHOLM).astimezone(timezone.utc)


def search(actor, query, page=1, now=None):
    """One page of the register, newest first, as `actor` may see it; raises RecordError."""
    now = now or utcnow()
    statement = filtered(actor, query)
    total = db.session.scalar(select(func.count()).select_from(statement.subquery()))
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(1, page), pages)
    rows = db.session.execute(statement.order_by(RecordItem.year.desc(), RecordItem.number.desc())
                              .options(selectinload(RecordRevision.business_system))
                              .limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return SearchResult([view_of(actor, item, revision, now) for item, revision in rows], total, page, pages)


def open_items(actor, now=None):
    """The items still to be documented or closed, oldest first, with their age."""
    now = now or utcnow()
    statement = filtered(actor, SearchQuery(status="open")).order_by(RecordRevision.arrived_at, RecordItem.id)
    return [view_of(actor, item, revision, now) for item, revision in db.session.execute(statement).all()]


def open_count(actor):
    statement = filtered(actor, SearchQuery(status="open"))
    return db.session.scalar(select(func.count()).select_from(statement.subquery()))


def read_attachment(actor, item_id, attachment_id, now=None):
    """(bytes stream, download name, content type) of a verified attachment.

    Raises ItemNotFound, AccessDenied (audited; a confidential item's files are only
    for those who may read it) or AttachmentDamaged (audited) when the stored bytes
    no longer match their SHA-256.
    """
    now = now or utcnow()
    item = get_item(actor, item_id, "download", now)
    attachment = db.session.get(RecordAttachment, attachment_id)
    if attachment is None or attachment.item_id != item.id:
        raise ItemNotFound()
    if any(r.confidential for r in item.revisions) and not can_see_confidential(actor, item):
        _deny(actor, item, "download", now)
    try:
        content = storage.read_verified(attachment.sha256, attachment.size)
    except storage.IntegrityFailure as exc:
        log.error("attachment %s of %s failed its integrity check: %s", attachment.id, item.registration_number, exc)
        db.session.rollback()
        audit.record("records.attachment_damaged", actor, "record_item", item.id,
                     {"number": item.registration_number, "attachment_id": attachment.id,
                      "sha256": attachment.sha256}, now)
        db.session.commit()
        raise AttachmentDamaged() from exc
    return content, download_name(item, attachment), attachment.content_type


def download_name(item, attachment):
    """A generated name: people's own file names never reach a download header either."""
    position = [a.id for a in item.attachments].index(attachment.id) + 1
    extension = (filetypes.AUDIO_TYPES.get(attachment.file_kind) or filetypes.EML_TYPE)[1]
    return f"{item.series}-{item.year}-{item.number:06d}-{position}.{extension}"


# --------------------------------------------------------------------------- business systems


def business_systems(include_inactive=False):
    statement = select(BusinessSystem).order_by(BusinessSystem.name)
    if not include_inactive:
        statement = statement.where(BusinessSystem.active.is_(True))
    return db.session.scalars(statement).all()


def add_business_system(actor, name, description="", now=None):
    """Add a system to the list; raises RecordError for an empty or taken name."""
    now = now or utcnow()
    name = " ".join((name or "").split())
    if not name:
        raise RecordError("Skriv systemets namn.", "name")
    if len(name) > 120:
        raise RecordError("Namnet får vara högst 120 tecken.", "name")
    if db.session.scalar(select(BusinessSystem.id).where(func.lower(BusinessSystem.name) == name.lower())):
        raise RecordError("Det finns redan ett system med det namnet.", "name")
    system = BusinessSystem(name=name, description=(description or "").strip()[:300], active=True,
                            created_at=now, created_by=actor.username)
    db.session.add(system)
    try:
        db.session.flush()
        audit.record("records.system_added", actor, "record_business_system", system.id, {"name": name}, now)
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise RecordError("Det finns redan ett system med det namnet.", "name") from exc
    return system


def set_business_system_active(actor, system_id, active, now=None):
    """Take a system off the choices (or back); items documented in it keep their reference."""
    now = now or utcnow()
    system = db.session.get(BusinessSystem, system_id)
    if system is None:
        raise RecordError("Systemet finns inte.")
    if system.active != active:
        system.active = active
        audit.record("records.system_activated" if active else "records.system_deactivated", actor,
                     "record_business_system", system.id, {"name": system.name}, now)
        db.session.commit()
    return system

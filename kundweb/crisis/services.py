"""Crisis messages: writing, publishing, scheduling and ending them; what is active now.

Every change is audited with the text before and after. Activity is computed from
the database at each call (starts_at <= now < ends_at), never from job state.
"""
import hashlib
import logging
import smtplib
import threading
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.exc import IntegrityError

from kundweb.audit import services as audit
from kundweb.caching import Expiring, per_app
from kundweb.crisis.models import (SEVERITIES, CrisisMessage, CrisisNotice, CrisisScript, CrisisSubscriber,
                                   CrisisTransition)
from kundweb.database import UTCDateTime, utcnow
from kundweb.extensions import db
from kundweb.hours.calendar import STOCKHOLM, CrisisExtension
from kundweb.mail import has_control_characters
# The markup rules are shared with Kunskapsbanken; crisis callers keep using these names.
from kundweb.safe_markup import body_html, plain_text  # noqa: F401

log = logging.getLogger(__name__)

SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}
MAX_TITLE = 200
MAX_BODY = 5000
MAX_QUESTION = 300
# A start this close counts as "now": the communicator means it to go out at once.
IMMEDIATE_WITHIN = timedelta(minutes=1)
# How long a confirmation page stays valid; after that the communicator looks again.
CONFIRMATION_MAX_AGE_SECONDS = 3600


class CrisisError(Exception):
    """A change that cannot be made; the message is Swedish and safe to show.

    With `field`, the form shows the message at that field instead of above the form.
    """

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field_errors = {field: message} if field else {}


class MessageNotFound(CrisisError):
    def __init__(self):
        super().__init__("Meddelandet finns inte.")


@dataclass(frozen=True)
class MessageInput:
    title: str
    body: str
    severity: str
    hours_opens: time | None = None
    hours_closes: time | None = None
    hours_from: date | None = None
    hours_until: date | None = None
    hours_on_holidays: bool = False


@dataclass(frozen=True)
class ActiveMessage:
    """What the banner and the public feeds show of an active message (a plain row, no ORM)."""

    id: int
    title: str
    body: str
    severity: str
    starts_at: datetime
    ends_at: datetime | None
    updated_at: datetime

    @property
    def severity_label(self):
        return SEVERITIES.get(self.severity, self.severity)


# Built once: every page and every banner poll asks this, so it must cost next to nothing.
_ENDED_AFTER = bindparam("ended_after", type_=UTCDateTime())
_NOT_ENDED = (
    select(CrisisMessage.id, CrisisMessage.title, CrisisMessage.body, CrisisMessage.severity,
           CrisisMessage.starts_at, CrisisMessage.ends_at, CrisisMessage.updated_at)
    .where(CrisisMessage.starts_at.is_not(None),
           or_(CrisisMessage.ends_at.is_(None), CrisisMessage.ends_at > _ENDED_AFTER))
)
_LAST_END = select(func.max(CrisisMessage.ends_at)).where(CrisisMessage.starts_at.is_not(None),
                                                          CrisisMessage.ends_at <= bindparam("now", type_=UTCDateTime()))


def all_clear_window():
    return timedelta(hours=current_app.config["CRISIS_ALL_CLEAR_HOURS"])


def _not_ended_messages(now):
    """The published, not yet ended messages, and those that ended within the all-clear window (plain rows)."""
    # A pooled connection straight from the engine: the ORM session's bookkeeping
    # would cost more than the query itself on this hot path. The recently ended
    # rows ride along in the same query, so the feed's all-clear entries cost nothing extra.
    with db.engine.connect() as connection:
        return [ActiveMessage(*row) for row in
                connection.execute(_NOT_ENDED, {"ended_after": now - all_clear_window()})]


class ScheduleCache(Expiring):
    """The published, not yet ended messages, as read from the database at most `seconds` ago.

    Activity itself (starts_at <= now < ends_at) is decided on every request from
    these rows, so a message starts and ends on time with no job and no cache expiry;
    only an edit made by another process shows up to `seconds` late. A write in this
    process forgets the rows at once.
    """

    def __init__(self, seconds):
        super().__init__(seconds, _not_ended_messages)
        self._rendered = {}  # response kind -> (etag, body): the feeds only change with the etag
        self._rendered_lock = threading.Lock()

    def rendered(self, kind, etag, render):
        """The body for `kind` at this etag, rendered once per change instead of per request."""
        with self._rendered_lock:
            cached = self._rendered.get(kind)
        if cached and cached[0] == etag:
            return cached[1]
        body = render()
        with self._rendered_lock:
            self._rendered[kind] = (etag, body)
        return body


def schedule_cache():
    return per_app("kundweb_crisis_schedule", lambda app: ScheduleCache(app.config["CRISIS_SCHEDULE_CACHE_SECONDS"]))


def active_messages(now=None):
    """Published messages with starts_at <= now < ends_at, most severe first."""
    now = now or utcnow()
    active = [m for m in schedule_cache().get(now)
              if m.starts_at <= now and (m.ends_at is None or now < m.ends_at)]
    return sorted(active, key=lambda m: (SEVERITY_ORDER.get(m.severity, 9), -m.starts_at.timestamp()))


def recently_ended_messages(now=None):
    """Messages that ended within the all-clear window, newest end first: the feeds' "Faran över" entries."""
    now = now or utcnow()
    window = all_clear_window()
    ended = [m for m in schedule_cache().get(now) if m.ends_at is not None and m.ends_at <= now < m.ends_at + window]
    return sorted(ended, key=lambda m: m.ends_at, reverse=True)


def feed_updated(active, ended, now=None):
    """When the public feed last changed: the newest edit of an active message or end of one.

    With neither, the feed last changed when the newest all-clear left it (its end plus
    the window); None when no published message ever ended, so the caller's fixed value
    is never claimed as a change that happened after real data.
    """
    newest = max([m.updated_at for m in active] + [m.ends_at for m in ended], default=None)
    if newest is not None or active:
        return newest
    with db.engine.connect() as connection:
        last_end = connection.execute(_LAST_END, {"now": now or utcnow()}).scalar()
    return last_end + all_clear_window() if last_end is not None else None


def active_messages_with_scripts(now=None):
    """Active messages that carry agent scripts, as ORM objects with their scripts."""
    return _with_scripts(active_messages(now))


def _with_scripts(active):
    ids = [m.id for m in active]
    if not ids:
        return []
    rows = db.session.scalars(db.select(CrisisMessage).where(CrisisMessage.id.in_(ids))).all()
    by_id = {m.id: m for m in rows}
    return [by_id[i] for i in ids if i in by_id and by_id[i].scripts]


def etag_for(messages, variant=""):
    """Changes whenever a message starts, ends or is edited (unquoted; Werkzeug quotes it).

    Every change to a message's scripts touches its updated_at, so the ETag follows the
    scripts too. `variant` names a different body for the same messages (the agents'
    banner with scripts), so a cache never answers one with the other.
    """
    basis = variant + ";".join(f"{m.id}:{m.updated_at.timestamp()}:{m.ends_at.timestamp() if m.ends_at else ''}"
                               for m in messages)
    return hashlib.sha256(basis.encode()).hexdigest()[:32]


SCRIPTS_VARIANT = "scripts|"


@dataclass(frozen=True)
class ScriptsPanel:
    """The agents' side panel: active messages with scripts, and the ETag its poll starts from."""

    messages: list
    etag: str


def scripts_panel(now=None):
    """The scripts panel beside the agents' work; the ORM query runs only while a crisis is active."""
    active = active_messages(now)
    return ScriptsPanel(_with_scripts(active), etag_for(active, SCRIPTS_VARIANT))


def banner_with_scripts(now=None):
    """(active messages, their scripts, ETag) for the agents' banner poll; the scripts are read lazily."""
    active = active_messages(now)
    return active, (lambda: _with_scripts(active)), etag_for(active, SCRIPTS_VARIANT)


def all_messages(now=None):
    """Every message for the communicators' list: active, scheduled, drafts, then ended."""
    now = now or utcnow()
    order = {"active": 0, "pending": 1, "scheduled": 2, "draft": 3, "ended": 4}
    rows = db.session.scalars(db.select(CrisisMessage).order_by(CrisisMessage.updated_at.desc())).all()
    return sorted(rows, key=lambda m: order[m.status(now)])


def get_message(message_id):
    message = db.session.get(CrisisMessage, message_id)
    if message is None:
        raise MessageNotFound()
    return message


def titles(message_ids):
    """{id: title} of the given messages (for reports that name them)."""
    if not message_ids:
        return {}
    return dict(db.session.execute(db.select(CrisisMessage.id, CrisisMessage.title)
                                   .where(CrisisMessage.id.in_(set(message_ids)))).all())


def hours_extensions_between(start, end, today, default_days):
    """Opening-hours extensions of published messages whose time touches the dates start..end.

    Without a chosen last day an extension reaches at most `default_days` days from `today`
    (today included): an open-ended message must not promise every day of the year, and
    nobody knows yet whether the crisis lasts.
    """
    range_start = datetime.combine(start, time(0), tzinfo=STOCKHOLM)
    range_end = datetime.combine(end + timedelta(days=1), time(0), tzinfo=STOCKHOLM)
    rows = db.session.scalars(db.select(CrisisMessage).where(
        CrisisMessage.hours_closes.is_not(None), CrisisMessage.starts_at.is_not(None),
        CrisisMessage.starts_at < range_end,
        db.or_(CrisisMessage.ends_at.is_(None), CrisisMessage.ends_at > range_start),
    )).all()
    default_last = today + timedelta(days=default_days - 1)
    return [CrisisExtension(m.starts_at, m.ends_at, m.hours_opens, m.hours_closes, f"Kris: {m.title}",
                            first_day=m.hours_from, last_day=m.hours_until or default_last,
                            holidays=m.hours_on_holidays)
            for m in rows]


def validate(data):
    """Raise CrisisError for a message that cannot be saved."""
    if not data.title.strip():
        raise CrisisError("Skriv en rubrik.")
    if len(data.title) > MAX_TITLE:
        raise CrisisError(f"Rubriken får vara högst {MAX_TITLE} tecken.")
    if has_control_characters(data.title):  # it is the notice e-mail's subject and the feeds' headline
        raise CrisisError("Rubriken ska vara en enda rad, utan radbrytningar eller styrtecken.")
    if not data.body.strip():
        raise CrisisError("Skriv meddelandets text.")
    if len(data.body) > MAX_BODY:
        raise CrisisError(f"Texten får vara högst {MAX_BODY} tecken.")
    if data.severity not in SEVERITIES:
        raise CrisisError("Välj allvarlighetsgrad.")
    if data.hours_opens and not data.hours_closes:
        raise CrisisError("Ange när Kundcenter stänger under krisen, eller lämna båda tiderna tomma.")
    if data.hours_opens and data.hours_closes and data.hours_closes <= data.hours_opens:
        raise CrisisError("Stängningstiden måste vara senare än öppningstiden.")
    if (data.hours_from or data.hours_until or data.hours_on_holidays) and not data.hours_closes:
        raise CrisisError("Ange när Kundcenter stänger under krisen, eller lämna dagarna tomma.", "hours_closes")
    if data.hours_from and data.hours_until and data.hours_until < data.hours_from:
        raise CrisisError("Sista dagen för de utökade öppettiderna får inte vara före den första.", "hours_until")
    if data.hours_from and data.hours_until and (data.hours_until - data.hours_from).days >= 366:
        raise CrisisError("De utökade öppettiderna kan gälla högst 366 dagar.", "hours_until")


def create_message(actor, data, now=None):
    """A new draft; raises CrisisError."""
    now = now or utcnow()
    validate(data)
    message = CrisisMessage(title=data.title.strip(), body=data.body.strip(), severity=data.severity,
                            hours_opens=data.hours_opens, hours_closes=data.hours_closes,
                            hours_from=data.hours_from, hours_until=data.hours_until,
                            hours_on_holidays=bool(data.hours_on_holidays),
                            created_at=now, created_by=actor.username, updated_at=now, updated_by=actor.username)
    db.session.add(message)
    db.session.flush()
    audit.record("crisis.created", actor, "crisis_message", message.id, {"after": snapshot(message)}, now)
    db.session.commit()
    return message


def update_message(actor, message_id, data, now=None, require_approval=False):
    """Change the text, severity or hours extension; visible everywhere at the next poll.

    An edit withdraws a pending approval request: the approver must see what goes out.
    Raises CrisisError.
    """
    now = now or utcnow()
    validate(data)
    message = get_message(message_id)
    status = message.status(now)
    if status == "ended":
        raise CrisisError("Meddelandet har avslutats och kan inte ändras.")
    if (require_approval and data.severity == "critical" and message.severity != "critical"
            and status in ("active", "scheduled")):
        raise CrisisError("Ett allvarligt meddelande måste godkännas av en annan kommunikatör. Avsluta det här "
                          "och publicera ett nytt allvarligt meddelande, så går det till godkännande.", "severity")
    before = snapshot(message)
    _clear_approval_request(message)
    message.title, message.body, message.severity = data.title.strip(), data.body.strip(), data.severity
    message.hours_opens, message.hours_closes = data.hours_opens, data.hours_closes
    message.hours_from, message.hours_until = data.hours_from, data.hours_until
    message.hours_on_holidays = bool(data.hours_on_holidays)
    _touch(message, actor, now)
    audit.record("crisis.edited", actor, "crisis_message", message.id, {"before": before, "after": snapshot(message)},
                 now)
    _commit_change()
    return message


def publish_now(actor, message_id, now=None):
    now = now or utcnow()
    message = get_message(message_id)
    if message.status(now) in ("active", "ended"):
        raise CrisisError("Meddelandet är redan publicerat.")
    _clear_approval_request(message)
    return _set_times(actor, message, now, message.ends_at if message.ends_at and message.ends_at > now else None,
                      "crisis.published", now)


def schedule(actor, message_id, starts_at, ends_at, now=None):
    """Publish from `starts_at` (until `ends_at`, optional). Raises CrisisError."""
    now = now or utcnow()
    message = get_message(message_id)
    if message.status(now) == "ended":
        raise CrisisError("Meddelandet har avslutats. Skapa ett nytt.")
    if starts_at is None:
        raise CrisisError("Ange när meddelandet ska börja visas.")
    if ends_at is not None and ends_at <= starts_at:
        raise CrisisError("Sluttiden måste vara senare än starttiden.")
    if ends_at is not None and ends_at <= now:
        raise CrisisError("Sluttiden har redan passerats.")
    if message.status(now) == "active" and starts_at > now:
        raise CrisisError("Meddelandet visas redan. Avsluta det först om det ska visas senare.")
    if message.status(now) == "active":
        # Already showing: only the end can move.
        return _set_times(actor, message, message.starts_at, ends_at, "crisis.end_changed", now)
    starts_at = max(starts_at, now)  # a start in the past means "now"
    _clear_approval_request(message)
    # Audited as what it does: a start that is already here publishes.
    return _set_times(actor, message, starts_at, ends_at,
                      "crisis.published" if starts_at <= now else "crisis.scheduled", now)


def end_now(actor, message_id, now=None):
    """End an active message now; a scheduled one goes back to being a draft."""
    now = now or utcnow()
    message = get_message(message_id)
    status = message.status(now)
    if status == "active":
        return _set_times(actor, message, message.starts_at, now, "crisis.ended", now)
    if status == "scheduled":
        return _set_times(actor, message, None, None, "crisis.unscheduled", now)
    if status == "pending":
        before = snapshot(message)
        _clear_approval_request(message)
        _touch(message, actor, now)
        audit.record("crisis.approval_withdrawn", actor, "crisis_message", message.id,
                     {"before": before, "after": snapshot(message)}, now)
        _commit_change()
        return message
    raise CrisisError("Meddelandet visas inte just nu.")


@dataclass(frozen=True)
class PublicationPlan:
    """What confirming will do: shown on the confirmation page, sealed in its token."""

    message: CrisisMessage
    requested_starts_at: datetime | None  # as asked for; None: now
    starts_at: datetime  # when it will show (now for a past or imminent start)
    ends_at: datetime | None
    immediate: bool
    subscribers: int
    needs_approval: bool


def plan_publication(message_id, starts_at, ends_at, now=None, require_approval=False):
    """What publishing (starts_at None: now) would do, without doing it. Raises CrisisError."""
    now = now or utcnow()
    message = get_message(message_id)
    status = message.status(now)
    if status == "ended":
        raise CrisisError("Meddelandet har avslutats. Skapa ett nytt.")
    if status == "active":
        raise CrisisError("Meddelandet är redan publicerat.")
    if status == "pending":
        raise CrisisError("Meddelandet väntar redan på godkännande.")
    if ends_at is not None and starts_at is not None and ends_at <= starts_at:
        raise CrisisError("Sluttiden måste vara senare än starttiden.", "ends_at")
    if ends_at is not None and ends_at <= now:
        raise CrisisError("Sluttiden har redan passerats.", "ends_at")
    immediate = starts_at is None or starts_at <= now + IMMEDIATE_WITHIN
    return PublicationPlan(
        message=message, requested_starts_at=starts_at, starts_at=now if immediate else starts_at, ends_at=ends_at,
        immediate=immediate, subscribers=db.session.scalar(db.select(db.func.count()).select_from(CrisisSubscriber)),
        needs_approval=require_approval and message.severity == "critical")


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="kundweb.crisis.publish")


def confirmation_token(actor, plan):
    """A signed token naming who confirms which version of which message, with which times."""
    return _serializer().dumps(_token_payload(actor, plan.message, plan.requested_starts_at, plan.ends_at))


def _token_payload(actor, message, starts_at, ends_at):
    return {"message": message.id, "version": message.updated_at.isoformat(), "by": actor.username,
            "starts_at": starts_at.isoformat() if starts_at else None,
            "ends_at": ends_at.isoformat() if ends_at else None}


def confirm_publication(actor, message_id, token, require_approval=False, now=None):
    """Carry out a confirmed plan: "published", "scheduled", or "pending" (four-eyes).

    Only a token from the confirmation page of this very version of the message, for this
    person, does anything; an edit in between voids it. Raises CrisisError.
    """
    now = now or utcnow()
    stale = CrisisError("Bekräftelsen gäller inte längre. Granska meddelandet och bekräfta igen.")
    try:
        payload = _serializer().loads(token or "", max_age=CONFIRMATION_MAX_AGE_SECONDS)
    except BadSignature:
        raise stale from None
    message = get_message(message_id)
    starts_at = datetime.fromisoformat(payload["starts_at"]) if payload.get("starts_at") else None
    ends_at = datetime.fromisoformat(payload["ends_at"]) if payload.get("ends_at") else None
    if payload != _token_payload(actor, message, starts_at, ends_at):
        raise stale
    plan = plan_publication(message.id, starts_at, ends_at, now, require_approval)
    if plan.needs_approval:
        before = snapshot(message)
        message.approval_requested_at, message.approval_requested_by = now, actor.username
        message.requested_starts_at, message.requested_ends_at = starts_at, ends_at
        message.rejected_by = message.rejection_reason = None
        _touch(message, actor, now)
        audit.record("crisis.approval_requested", actor, "crisis_message", message.id,
                     {"before": before, "after": snapshot(message)}, now)
        _commit_change()
        return "pending"
    schedule(actor, message.id, plan.starts_at, ends_at, now=now)
    return "published" if plan.immediate else "scheduled"


def approve(actor, message_id, now=None):
    """A second communicator lets a pending message go out: "published" or "scheduled". Raises CrisisError."""
    now = now or utcnow()
    message = _pending(message_id, now)
    if actor.username in (message.approval_requested_by, message.created_by):
        raise CrisisError("Ett allvarligt meddelande måste godkännas av någon annan än den som skrev "
                          "eller publicerade det.")
    starts_at, ends_at = message.requested_starts_at, message.requested_ends_at
    if ends_at is not None and ends_at <= now:
        raise CrisisError("Sluttiden har redan passerats. Avvisa och be om nya tider.")
    audit.record("crisis.approved", actor, "crisis_message", message.id,
                 {"requested_by": message.approval_requested_by}, now)
    immediate = starts_at is None or starts_at <= now + IMMEDIATE_WITHIN
    schedule(actor, message.id, now if immediate else starts_at, ends_at, now=now)
    return "published" if immediate else "scheduled"


def reject(actor, message_id, reason, now=None):
    """A second communicator sends a pending message back to a draft, saying why. Raises CrisisError."""
    now = now or utcnow()
    reason = (reason or "").strip()
    if not reason:
        raise CrisisError("Skriv ett skäl, så att författaren vet vad som ska ändras.", "reason")
    if len(reason) > 1000:
        raise CrisisError("Skälet får vara högst 1000 tecken.", "reason")
    message = _pending(message_id, now)
    if actor.username == message.approval_requested_by:
        raise CrisisError("Du kan inte avvisa din egen begäran. Ändra eller avbryt den i stället.")
    before = snapshot(message)
    _clear_approval_request(message)
    message.rejected_by, message.rejection_reason = actor.username, reason
    _touch(message, actor, now)
    audit.record("crisis.rejected", actor, "crisis_message", message.id,
                 {"reason": reason, "before": before, "after": snapshot(message)}, now)
    _commit_change()
    return message


def _pending(message_id, now):
    message = get_message(message_id)
    if message.status(now) != "pending":
        raise CrisisError("Meddelandet väntar inte på godkännande.")
    return message


def _clear_approval_request(message):
    message.approval_requested_at = message.approval_requested_by = None
    message.requested_starts_at = message.requested_ends_at = None


def _set_times(actor, message, starts_at, ends_at, action, now):
    before = snapshot(message)
    message.starts_at, message.ends_at = starts_at, ends_at
    _touch(message, actor, now)
    audit.record(action, actor, "crisis_message", message.id, {"before": before, "after": snapshot(message)}, now)
    _commit_change()
    return message


def _script_text(question, answer):
    """The stripped question and answer; raises CrisisError when one is missing or too long."""
    question, answer = (question or "").strip(), (answer or "").strip()
    if not question or not answer:
        raise CrisisError("Skriv både frågan och svaret.")
    if len(question) > MAX_QUESTION or len(answer) > MAX_BODY:
        raise CrisisError(f"Frågan får vara högst {MAX_QUESTION} tecken och svaret högst {MAX_BODY}.")
    return question, answer


def add_script(actor, message_id, question, answer, now=None):
    now = now or utcnow()
    message = get_message(message_id)
    question, answer = _script_text(question, answer)
    script = CrisisScript(question=question, answer=answer, position=len(message.scripts))
    message.scripts.append(script)
    _touch(message, actor, now)
    db.session.flush()
    audit.record("crisis.script_added", actor, "crisis_message", message.id,
                 {"script_id": script.id, "question": question, "answer": answer}, now)
    _commit_change()
    return script


def _changeable_script(message_id, script_id, now):
    """The message and its script, if the message has not ended; raises CrisisError."""
    message = get_message(message_id)
    if message.status(now) == "ended":
        raise CrisisError("Meddelandet har avslutats och dess frågor kan inte ändras.")
    script = next((s for s in message.scripts if s.id == script_id), None)
    if script is None:
        raise CrisisError("Frågan finns inte längre.")
    return message, script


def edit_script(actor, message_id, script_id, question, answer, now=None):
    """Change a script's question and answer; agents' open pages get it at their next poll. Raises CrisisError."""
    now = now or utcnow()
    message, script = _changeable_script(message_id, script_id, now)
    question, answer = _script_text(question, answer)
    before = {"question": script.question, "answer": script.answer}
    script.question, script.answer = question, answer
    # The banner's ETag is made of the messages' updated_at: touching the message is what
    # makes every open page fetch the changed script.
    _touch(message, actor, now)
    audit.record("crisis.script_edited", actor, "crisis_message", message.id,
                 {"script_id": script.id, "before": before, "after": {"question": question, "answer": answer}}, now)
    _commit_change()
    return script


def move_script(actor, message_id, script_id, direction, now=None):
    """Move a script one place "up" or "down" in the agents' list; audited. Raises CrisisError."""
    now = now or utcnow()
    message, script = _changeable_script(message_id, script_id, now)
    ordered = list(message.scripts)
    index = ordered.index(script)
    new_index = index - 1 if direction == "up" else index + 1
    if new_index < 0:
        raise CrisisError("Frågan är redan först.")
    if new_index >= len(ordered):
        raise CrisisError("Frågan är redan sist.")
    ordered.insert(new_index, ordered.pop(index))
    # Numbered afresh: removals leave gaps, and a swap of gapped numbers could tie.
    for position, each in enumerate(ordered):
        each.position = position
    _touch(message, actor, now)
    audit.record("crisis.script_moved", actor, "crisis_message", message.id,
                 {"script_id": script.id, "question": script.question, "from": index + 1, "to": new_index + 1}, now)
    _commit_change()
    return script


def remove_script(actor, message_id, script_id, now=None):
    now = now or utcnow()
    message = get_message(message_id)
    script = next((s for s in message.scripts if s.id == script_id), None)
    if script is None:
        raise CrisisError("Frågan finns inte längre.")
    audit.record("crisis.script_removed", actor, "crisis_message", message.id,
                 {"script_id": script.id, "question": script.question, "answer": script.answer}, now)
    message.scripts.remove(script)
    _touch(message, actor, now)
    _commit_change()


def _touch(message, actor, now):
    message.updated_at, message.updated_by = now, actor.username


def _commit_change():
    """Commit a change to a message, then forget this process's cached rows (after, not before:
    a request in between must not cache the old rows again)."""
    db.session.commit()
    schedule_cache().forget()


def snapshot(message):
    """The audited state of a message: its full text and times."""
    return {
        "title": message.title, "body": message.body, "severity": message.severity,
        "starts_at": message.starts_at.isoformat() if message.starts_at else None,
        "ends_at": message.ends_at.isoformat() if message.ends_at else None,
        "hours_opens": message.hours_opens.strftime("%H:%M") if message.hours_opens else None,
        "hours_closes": message.hours_closes.strftime("%H:%M") if message.hours_closes else None,
        "hours_from": message.hours_from.isoformat() if message.hours_from else None,
        "hours_until": message.hours_until.isoformat() if message.hours_until else None,
        "hours_on_holidays": bool(message.hours_on_holidays),
        "approval_requested_by": message.approval_requested_by,
    }


def api_item(message):
    """One message as R-API's /api/v1/crisis item."""
    return {
        "id": message.id,
        "title": message.title,
        "text": plain_text(message.body),
        "severity": message.severity,
        "starts_at": message.starts_at.astimezone(STOCKHOLM).isoformat(),
        "ends_at": message.ends_at.astimezone(STOCKHOLM).isoformat() if message.ends_at else None,
        "updated_at": message.updated_at.astimezone(STOCKHOLM).isoformat(),
    }


def is_subscribed(username):
    return db.session.get(CrisisSubscriber, username) is not None


def set_subscription(actor, email, subscribe, now=None):
    """Subscribe or unsubscribe the acting person to start notifications; audited."""
    now = now or utcnow()
    existing = db.session.get(CrisisSubscriber, actor.username)
    if subscribe and existing is None:
        if not email:
            raise CrisisError("Du har ingen e-postadress i katalogen, så det går inte att skicka e-post till dig.")
        db.session.add(CrisisSubscriber(username=actor.username, email=email, created_at=now))
        audit.record("crisis.subscribed", actor, "crisis_subscriber", actor.username, {"email": email}, now)
    elif not subscribe and existing is not None:
        db.session.delete(existing)
        audit.record("crisis.unsubscribed", actor, "crisis_subscriber", actor.username, {}, now)
    db.session.commit()


def handle_started_messages(send_mail, now=None):
    """Queue and send the start notices of messages that have started (the scheduler's job)."""
    now = now or utcnow()
    handled = queue_start_notices(now)
    deliver_notices(send_mail, now)
    return handled


def queue_start_notices(now):
    """Record each message's start once, with one outbox row per subscriber in the same transaction.

    The transition's unique key makes a second scheduler, a retry or a restart skip a
    start already recorded, so nobody is queued the same notice twice. A message that
    already ended while the scheduler was down is recorded without notices: a notice
    about a finished crisis only confuses.
    """
    handled = []
    started = db.session.scalars(db.select(CrisisMessage).where(
        CrisisMessage.starts_at.is_not(None), CrisisMessage.starts_at <= now)).all()
    for message in started:
        if db.session.scalar(db.select(CrisisTransition.id).filter_by(
                message_id=message.id, transition="start", starts_at=message.starts_at)):
            continue
        transition = CrisisTransition(message_id=message.id, transition="start", starts_at=message.starts_at,
                                      handled_at=now)
        if message.status(now) == "active":
            subscribers = db.session.scalars(db.select(CrisisSubscriber).order_by(CrisisSubscriber.username)).all()
            db.session.add_all(CrisisNotice(message_id=message.id, starts_at=message.starts_at,
                                            username=subscriber.username, email=subscriber.email,
                                            created_at=now, attempts=0, next_attempt_at=now)
                               for subscriber in subscribers)
            transition.recipients = len(subscribers)
        db.session.add(transition)
        audit.record("crisis.start_notified", audit.SYSTEM, "crisis_message", message.id,
                     {"recipients": transition.recipients, "status": message.status(now)}, now)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()  # another scheduler run claimed it first
            continue
        handled.append(message.id)
    return handled


def deliver_notices(send_mail, now):
    """Send the due notices one by one, each marked sent at once; failures wait and are tried again.

    A failed notice is tried again after CRISIS_NOTICE_RETRY_SECONDS, doubling up to
    CRISIS_NOTICE_RETRY_MAX_SECONDS, until it is sent or its message has ended (or been
    moved or withdrawn); then it is given up, logged and audited. When the mail server
    cannot be reached the round stops: the other notices would only fail the same way.
    Returns the number sent.
    """
    sent = 0
    due = db.session.scalars(db.select(CrisisNotice).where(
        CrisisNotice.sent_at.is_(None), CrisisNotice.given_up_at.is_(None), CrisisNotice.next_attempt_at <= now,
    ).order_by(CrisisNotice.id)).all()
    for notice in due:
        message = db.session.get(CrisisMessage, notice.message_id)
        if message.starts_at != notice.starts_at or message.status(now) != "active":
            _give_up(notice, message, now)
            continue
        try:
            send_mail(notice.email, *notice_text(message))
        except (smtplib.SMTPException, OSError) as exc:
            _retry_later(notice, exc, now)
            if not isinstance(exc, (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException)):
                break  # the server itself is unreachable
            continue
        notice.sent_at = now
        audit.record("crisis.notice_sent", audit.SYSTEM, "crisis_notice", notice.id,
                     {"message_id": message.id, "to": notice.email, "attempts": notice.attempts + 1}, now)
        db.session.commit()
        sent += 1
    return sent


def notice_text(message):
    """Subject and body of a message's start notice."""
    return (f"Krisinformation: {message.title}",
            f"{message.severity_label}: {message.title}\n\n{plain_text(message.body)}\n\n"
            "Meddelandet visas nu i Kundweb och i kommunens flöden.")


def _retry_later(notice, exc, now):
    config = current_app.config
    notice.attempts += 1
    wait = min(config["CRISIS_NOTICE_RETRY_SECONDS"] * 2 ** (notice.attempts - 1),
               config["CRISIS_NOTICE_RETRY_MAX_SECONDS"])
    notice.next_attempt_at = now + timedelta(seconds=wait)
    notice.last_error = str(exc)[:300]
    db.session.commit()
    log.warning("crisis notice to %s failed (attempt %s, next in %s s): %s", notice.email, notice.attempts, wait, exc)


def _give_up(notice, message, now):
    notice.given_up_at = now
    audit.record("crisis.notice_given_up", audit.SYSTEM, "crisis_notice", notice.id,
                 {"message_id": message.id, "to": notice.email, "attempts": notice.attempts,
                  "last_error": notice.last_error}, now)
    db.session.commit()
    log.error("crisis notice to %s given up after %s attempts: message %s no longer shows (last error: %s)",
              notice.email, notice.attempts, message.id, notice.last_error)

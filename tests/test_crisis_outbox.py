"""The crisis notices' outbox as a service: back-off while mail fails, given up when the message ends."""
import smtplib
from datetime import timedelta

from kundweb.audit.models import AuditEvent
from kundweb.audit.services import Actor
from kundweb.crisis import services
from kundweb.crisis.models import CrisisNotice
from kundweb.database import utcnow
from kundweb.extensions import db

COMMUNICATOR = Actor("cecilia", frozenset({"communicator"}))


def _started_message(t0, ends_after=None):
    services.set_subscription(Actor("anna", frozenset()), "anna@kundweb.demo", True)
    message = services.create_message(COMMUNICATOR, services.MessageInput("Stormvarning", "Stanna inne.", "critical"),
                                      now=t0)
    services.schedule(COMMUNICATOR, message.id, t0 + timedelta(seconds=1),
                      t0 + ends_after if ends_after else None, now=t0)
    return message


def _refused(*args):
    raise ConnectionRefusedError("Connection refused")


def test_a_failed_notice_waits_longer_each_time_then_is_sent(app, app_context, monkeypatch):
    monkeypatch.setitem(app.config, "CRISIS_NOTICE_RETRY_SECONDS", 60)
    monkeypatch.setitem(app.config, "CRISIS_NOTICE_RETRY_MAX_SECONDS", 150)
    t0 = utcnow()
    _started_message(t0)
    now = t0 + timedelta(seconds=2)
    services.handle_started_messages(_refused, now=now)
    waits = []
    for _ in range(3):
        notice = db.session.scalars(db.select(CrisisNotice)).one()
        waits.append((notice.next_attempt_at - now).total_seconds())
        assert services.deliver_notices(_refused, now + timedelta(seconds=1)) == 0  # not due yet: not tried
        now = notice.next_attempt_at
        services.deliver_notices(_refused, now)
    assert waits == [60, 120, 150]
    sent = []
    assert services.deliver_notices(lambda *mail: sent.append(mail), now + timedelta(seconds=150)) == 1
    assert [to for to, _, _ in sent] == ["anna@kundweb.demo"]
    notice = db.session.scalars(db.select(CrisisNotice)).one()
    assert notice.sent_at is not None
    event = db.session.scalars(db.select(AuditEvent).filter_by(action="crisis.notice_sent")).one()
    assert event.object_id == str(notice.id) and event.details["attempts"] == 5


def test_one_refused_address_does_not_hold_up_the_others(app, app_context):
    t0 = utcnow()
    _started_message(t0)
    services.set_subscription(Actor("bertil", frozenset()), "bertil@kundweb.demo", True)
    sent = []

    def refuse_anna(to, subject, body):
        if to.startswith("anna"):
            raise smtplib.SMTPRecipientsRefused({to: (550, b"no such user")})
        sent.append(to)

    services.handle_started_messages(refuse_anna, now=t0 + timedelta(seconds=2))
    assert sent == ["bertil@kundweb.demo"]


def test_a_notice_still_failing_when_the_message_ends_is_given_up_and_audited(app, app_context):
    t0 = utcnow()
    message = _started_message(t0, ends_after=timedelta(minutes=10))
    services.handle_started_messages(_refused, now=t0 + timedelta(seconds=2))
    sent = []
    services.deliver_notices(lambda *mail: sent.append(mail), t0 + timedelta(minutes=11))
    assert sent == []
    notice = db.session.scalars(db.select(CrisisNotice)).one()
    assert notice.given_up_at is not None and notice.sent_at is None and "refused" in notice.last_error
    event = db.session.scalars(db.select(AuditEvent).filter_by(action="crisis.notice_given_up")).one()
    assert event.object_id == str(notice.id) and event.details["message_id"] == message.id

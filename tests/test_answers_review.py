"""The review cycle: owners reminded through a real SMTP server at most once per 30 days; "Granskad" moves the date."""
import email
from datetime import date, timedelta

import pytest

from kundweb import mail
from kundweb.answers import outbox, review
from kundweb.answers.models import Answer
from kundweb.answers.outbox import AnswerMail
from kundweb.audit.models import AuditEvent
from kundweb.database import utcnow
from kundweb.extensions import db
from tests.answers_flow_helpers import ADMIN, EGON, ELSA, departments_with_editors, make_answer
from tests.conftest import free_port
from tests.smtp_process import SmtpProcess


@pytest.fixture
def people(app_context):
    return departments_with_editors()


def _remind(now):
    """The daily job's queueing, then the outbox job's round."""
    reminded = review.queue_review_reminders(now)
    outbox.deliver(mail.send_mail, now)
    return reminded


def _recipients(inbox):
    return sorted(to for recipients, _ in inbox.messages for to in recipients)


def _due_answer(people, now, **fields):
    return make_answer(people["elsa"], review_by=review.local_date(now) - timedelta(days=1),
                       responsible=people["rut"], **fields)


def test_the_responsible_person_and_the_editors_are_reminded_once_then_again_after_30_days(people, smtp_server):
    now = utcnow()
    answer = _due_answer(people, now)
    make_answer(people["elsa"], "Ej förfallet", review_by=review.local_date(now) + timedelta(days=90))
    make_answer(people["elsa"], "Utkast", status="draft", review_by=review.local_date(now) - timedelta(days=9))
    make_answer(people["elsa"], "Arkiverat", status="archived", review_by=review.local_date(now) - timedelta(days=9))

    assert _remind(now) == [answer.id]
    assert _recipients(smtp_server) == ["elsa@kundweb.demo", "rut@kundweb.demo"]
    body = email.message_from_string(smtp_server.messages[0][1]).get_payload(decode=True).decode("utf-8")
    assert "Behöver jag bygglov för en altan?" in body and "/kunskapsbanken/granska" in body
    assert db.session.get(Answer, answer.id).review_reminder_sent_at == now

    for later in (timedelta(hours=1), timedelta(days=29)):
        assert _remind(now + later) == []
    assert len(smtp_server.messages) == 2

    assert _remind(now + timedelta(days=30, minutes=1)) == [answer.id]
    assert len(smtp_server.messages) == 4
    events = db.session.scalars(db.select(AuditEvent).filter_by(action="answer.review_reminder_queued")).all()
    assert len(events) == 2 and events[0].details["to"] == ["rut@kundweb.demo", "elsa@kundweb.demo"]


def test_an_answer_with_nobody_to_remind_is_not_marked_and_is_reminded_once_someone_is_there(people, smtp_server):
    now = utcnow()
    lonely = make_answer(people["bertil"], "Var hämtar jag parkeringstillstånd?",
                         review_by=review.local_date(now) - timedelta(days=3))  # Kundcenter: no editor, no one responsible
    assert _remind(now) == []
    assert db.session.get(Answer, lonely.id).review_reminder_sent_at is None
    lonely.responsible_id = people["rut"].id
    db.session.commit()
    assert _remind(now + timedelta(days=1)) == [lonely.id]
    assert _recipients(smtp_server) == ["rut@kundweb.demo"]


def test_a_review_reminder_waits_while_smtp_is_down_and_is_not_queued_twice(people, app, tmp_path, monkeypatch):
    """A fault test: the reminder is remembered when queued; the SMTP server process is stopped, then back."""
    smtp = SmtpProcess(free_port(), tmp_path / "maildir", tmp_path / "smtp.log").start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", smtp.port)
    try:
        smtp.stop()
        now = utcnow()
        answer = _due_answer(people, now)
        assert _remind(now) == [answer.id]
        assert db.session.scalar(db.select(db.func.count()).select_from(AnswerMail)
                                 .where(AnswerMail.sent_at.is_(None), AnswerMail.attempts == 1)) == 1  # stopped at the first
        # The next day's run queues nothing new (remembered), and the outbox sends once the server is back.
        smtp.start()
        assert _remind(now + timedelta(days=1)) == []
    finally:
        smtp.stop()
    assert sorted(to for to, _, _ in smtp.messages()) == ["elsa@kundweb.demo", "rut@kundweb.demo"]
    assert all(subject.startswith("Dags att granska") for _, subject, _ in smtp.messages())


def test_granskad_moves_the_date_twelve_months_from_today_and_is_audited(people):
    now = utcnow()
    answer = _due_answer(people, now)
    review.queue_review_reminders(now)
    reviewed = review.mark_reviewed(ELSA, answer.id, now)
    assert reviewed.review_by == review.add_months(review.local_date(now), 12)
    assert reviewed.review_reminder_sent_at is None
    event = db.session.scalars(db.select(AuditEvent).filter_by(action="answer.reviewed")).one()
    assert event.actor == "elsa" and event.details["review_by"] == reviewed.review_by.isoformat()
    assert review.due_for_review(ELSA, now) == []
    # The queued reminder is no longer needed: given up, not sent.
    sent = []
    outbox.deliver(lambda *message: sent.append(message), now)
    assert sent == []


def test_granskad_by_an_editor_of_another_department_is_refused_and_audited(people):
    now = utcnow()
    answer = _due_answer(people, now)
    before = answer.review_by
    with pytest.raises(review.OutsideScope):
        review.mark_reviewed(EGON, answer.id, now)
    assert db.session.get(Answer, answer.id).review_by == before
    denied = db.session.scalars(db.select(AuditEvent).filter_by(action="access.denied")).one()
    assert (denied.actor, denied.object_type, denied.object_id) == ("egon", "answer", str(answer.id))
    assert review.mark_reviewed(ADMIN, answer.id, now).review_by > before
    with pytest.raises(review.AnswerNotFound):
        review.mark_reviewed(ADMIN, 999999, now)


def test_due_for_review_lists_the_scope_s_published_answers_past_their_date(people):
    now = utcnow()
    mine = _due_answer(people, now)
    other = make_answer(people["egon"], "Hjälp med hyran?", review_by=review.local_date(now))
    assert review.due_for_review(ELSA, now) == [mine]
    assert review.due_for_review(EGON, now) == [other]
    assert review.due_for_review(ADMIN, now) == [mine, other]


@pytest.mark.parametrize("day, months, expected", [
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2028, 2, 29), 12, date(2029, 2, 28)),
    (date(2026, 12, 4), 12, date(2027, 12, 4)),
    (date(2026, 11, 30), 3, date(2027, 2, 28)),
])
def test_add_months_keeps_to_the_months_last_day(day, months, expected):
    assert review.add_months(day, months) == expected

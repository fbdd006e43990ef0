"""Kunskapsbanken's e-mails through real SMTP servers: sent once, retried while the server is down, given up when moot."""
import email
import email.header
import signal
import smtplib
import time
from datetime import timedelta

import pytest

from kundweb import mail
from kundweb.answers import outbox, proposals
from kundweb.answers.models import AnswerProposal
from kundweb.answers.outbox import AnswerMail
from kundweb.audit.models import AuditEvent
from kundweb.database import utcnow
from kundweb.extensions import db
from tests.answers_flow_helpers import AGENT, ELSA, departments_with_editors
from tests.conftest import free_port
from tests.smtp_process import SmtpProcess


@pytest.fixture
def people(app_context):
    return departments_with_editors()


def _propose(people, now, question="Hur långt från tomtgränsen får jag bygga ett plank?"):
    return proposals.propose_missing(AGENT, question, f"unit-{people['elsa'].unit_id}", None, now)


def _refused(*args):
    raise ConnectionRefusedError("Connection refused")


def test_a_proposal_reaches_its_editor_through_real_smtp_once(people, smtp_server):
    now = utcnow()
    proposal = _propose(people, now)
    assert smtp_server.messages == []  # saving a proposal sends nothing itself: the outbox does
    assert outbox.deliver(mail.send_mail, now) == 1
    assert outbox.deliver(mail.send_mail, now + timedelta(minutes=5)) == 0
    [(recipients, raw)] = smtp_server.messages
    assert recipients == ["elsa@kundweb.demo"]
    body = email.message_from_string(raw).get_payload(decode=True).decode("utf-8")
    assert "plank" in body and "Bertil Öberg" in body and "/kunskapsbanken/forslag" in body
    assert db.session.get(AnswerProposal, proposal.id).notified_at is not None
    event = db.session.scalars(db.select(AuditEvent).filter_by(action="answer.mail_sent")).one()
    assert event.details["to"] == "elsa@kundweb.demo" and event.details["proposal_id"] == proposal.id


def test_proposal_mail_waits_while_the_smtp_server_is_stopped_and_arrives_when_it_is_back(people, app, tmp_path,
                                                                                          monkeypatch):
    """A fault test: a real SMTP server process, killed, then started again on the same port."""
    smtp = SmtpProcess(free_port(), tmp_path / "maildir", tmp_path / "smtp.log").start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", smtp.port)
    monkeypatch.setitem(app.config, "ANSWER_MAIL_RETRY_SECONDS", 60)
    try:
        smtp.stop()  # the server was there and is now down: connections are refused
        now = utcnow()
        proposal = _propose(people, now)
        assert outbox.deliver(mail.send_mail, now) == 0
        row = db.session.scalars(db.select(AnswerMail)).one()
        assert row.sent_at is None and row.attempts == 1 and "refused" in row.last_error.lower()
        assert (row.next_attempt_at - now).total_seconds() == 60
        assert outbox.deliver(mail.send_mail, now + timedelta(seconds=30)) == 0  # not due yet: not tried
        assert row.attempts == 1

        smtp.start()
        assert outbox.deliver(mail.send_mail, row.next_attempt_at) == 1
        assert outbox.deliver(mail.send_mail, row.next_attempt_at + timedelta(hours=1)) == 0
    finally:
        smtp.stop()
    [(to, subject, body)] = smtp.messages()
    assert to == "elsa@kundweb.demo" and subject == "Förslag till Kunskapsbanken: saknas svar"
    assert "plank" in body
    assert db.session.get(AnswerProposal, proposal.id).notified_at is not None
    assert db.session.get(AnswerMail, row.id).attempts == 1  # sent at the second try


def test_a_failed_mail_waits_longer_each_time(people, app, monkeypatch):
    monkeypatch.setitem(app.config, "ANSWER_MAIL_RETRY_SECONDS", 60)
    monkeypatch.setitem(app.config, "ANSWER_MAIL_RETRY_MAX_SECONDS", 150)
    now = utcnow()
    _propose(people, now)
    waits = []
    for _ in range(4):
        outbox.deliver(_refused, now)
        row = db.session.scalars(db.select(AnswerMail)).one()
        waits.append((row.next_attempt_at - now).total_seconds())
        now = row.next_attempt_at
    assert waits == [60, 120, 150, 150]


def test_one_refused_address_does_not_hold_up_the_others(people, app):
    now = utcnow()
    _propose(people, now)
    proposals.propose_missing(AGENT, "Hjälp med hyran?", f"unit-{people['egon'].unit_id}", None, now)
    sent = []

    def refuse_elsa(to, subject, body):
        if to.startswith("elsa"):
            raise smtplib.SMTPRecipientsRefused({to: (550, b"no such user")})
        sent.append(to)

    assert outbox.deliver(refuse_elsa, now) == 1
    assert sent == ["egon@kundweb.demo"]


def test_a_mail_about_a_proposal_already_handled_is_given_up_and_audited(people):
    now = utcnow()
    proposal = _propose(people, now)
    outbox.deliver(_refused, now)
    proposals.accept(ELSA, proposal.id, "Klart.", None, now + timedelta(minutes=1))
    sent = []
    assert outbox.deliver(lambda *message: sent.append(message), now + timedelta(hours=1)) == 0
    assert sent == []
    row = db.session.scalars(db.select(AnswerMail)).one()
    assert row.given_up_at is not None and row.sent_at is None
    event = db.session.scalars(db.select(AuditEvent).filter_by(action="answer.mail_given_up")).one()
    assert event.details["reason"] == "förslaget redan hanterat"


def test_a_mail_still_failing_after_a_week_is_given_up(people):
    now = utcnow()
    _propose(people, now)
    outbox.deliver(_refused, now + timedelta(days=8))
    row = db.session.scalars(db.select(AnswerMail)).one()
    assert row.given_up_at is not None and row.attempts == 0


def test_without_a_mail_server_nothing_is_sent_and_the_mail_waits(people, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    now = utcnow()
    _propose(people, now)
    assert outbox.deliver(_refused, now) == 0
    row = db.session.scalars(db.select(AnswerMail)).one()
    assert row.attempts == 0 and row.sent_at is None and row.given_up_at is None


def test_a_real_scheduler_delivers_proposal_and_review_mails_once_the_smtp_server_is_back(app, tmp_path):
    """A fault test with real processes: `flask kundweb scheduler` runs while the SMTP server process is down."""
    from kundweb.answers import review
    from tests.answers_flow_helpers import make_answer
    from tests.test_scheduler_faults import _wait
    from tests.test_scheduler_processes import SchedulerProcess

    smtp = SmtpProcess(free_port(), tmp_path / "maildir", tmp_path / "smtp.log").start()
    smtp.stop()
    process = None
    try:
        with app.app_context():
            people = departments_with_editors()
            now = utcnow()
            _propose(people, now)
            make_answer(people["elsa"], review_by=review.local_date(now) - timedelta(days=1), responsible=people["rut"])
            review.queue_review_reminders(now)
        process = SchedulerProcess(app, smtp.port, tmp_path / "scheduler.log", {
            "KUNDWEB_ANSWER_MAIL_SECONDS": "1", "KUNDWEB_ANSWER_MAIL_RETRY_SECONDS": "1",
            "KUNDWEB_ANSWER_MAIL_RETRY_MAX_SECONDS": "2"})
        assert process.wait_for("answer mail", 30), process.output()  # tried and failed: the server is down
        time.sleep(3)  # more failed attempts while it stays down
        assert smtp.messages() == []
        smtp.start()
        assert _wait(lambda: len(smtp.messages()) == 3, 30), (smtp.messages(), process.output())
        time.sleep(3)  # more job runs: nothing is sent twice
    finally:
        if process is not None:
            process.kill(signal.SIGTERM)
        smtp.stop()
    assert sorted((to, subject.split(":")[0].split(" ”")[0]) for to, subject, _ in smtp.messages()) == [
        ("elsa@kundweb.demo", "Dags att granska svaret"), ("elsa@kundweb.demo", "Förslag till Kunskapsbanken"),
        ("rut@kundweb.demo", "Dags att granska svaret")]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(AnswerMail)
                                 .where(AnswerMail.sent_at.is_(None))) == 0


def test_a_scheduler_killed_mid_send_loses_no_proposal_mail_after_restart(app, tmp_path):
    """A fault test: SIGKILL of a real scheduler while the SMTP server holds its second message."""
    from aiosmtpd.controller import Controller

    from tests.test_scheduler_faults import GatedInbox, _wait
    from tests.test_scheduler_processes import SchedulerProcess

    questions = [f"Fråga nummer {n} om bygglov?" for n in range(1, 7)]
    with app.app_context():
        people = departments_with_editors()
        for question in questions:
            _propose(people, utcnow(), question)
    inbox = GatedInbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    settings = {"KUNDWEB_ANSWER_MAIL_SECONDS": "1", "KUNDWEB_ANSWER_MAIL_RETRY_SECONDS": "1",
                "KUNDWEB_ANSWER_MAIL_RETRY_MAX_SECONDS": "2", "KUNDWEB_MAIL_TIMEOUT": "60"}
    first = second = None

    def received():
        return [question for _, raw in inbox.messages for question in questions
                if question in email.message_from_string(raw).get_payload(decode=True).decode("utf-8")]

    try:
        first = SchedulerProcess(app, smtp.port, tmp_path / "first.log", settings)
        assert _wait(lambda: len(inbox.messages) == 1, 30), first.output()
        time.sleep(1)  # the second message is now held by the server: the scheduler is mid-send
        first.kill(signal.SIGKILL)
        inbox.gate.set()
        second = SchedulerProcess(app, smtp.port, tmp_path / "second.log", settings)
        assert _wait(lambda: set(received()) == set(questions), 30), (received(), second.output())
        time.sleep(3)  # more job runs: nothing further is sent
    finally:
        inbox.gate.set()
        for process in (first, second):
            if process is not None:
                process.kill(signal.SIGTERM)
        smtp.stop()
    assert sorted(set(received())) == sorted(questions)
    assert len(received()) <= len(questions) + 1, received()  # at most the interrupted one twice
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(AnswerMail)
                                 .where(AnswerMail.sent_at.is_(None))) == 0


def test_a_question_with_line_breaks_makes_a_one_line_subject_and_the_mail_goes_out(people, smtp_server):
    from tests.answers_flow_helpers import make_answer

    now = utcnow()
    answer = make_answer(people["elsa"], "Behöver jag bygglov\r\nför en altan?")
    proposals.propose_correction(AGENT, answer.id, "Gränsen är fel.", None, now)
    assert outbox.deliver(mail.send_mail, now) == 1
    [(_, raw)] = smtp_server.messages
    subject = str(email.header.make_header(email.header.decode_header(email.message_from_string(raw)["Subject"])))
    assert subject == "Förslag till Kunskapsbanken: fel i svaret ”Behöver jag bygglov för en altan?”"


def test_a_mail_that_cannot_be_built_is_given_up_and_the_others_go_out(people):
    now = utcnow()
    _propose(people, now)
    proposals.propose_missing(AGENT, "Hjälp med hyran?", f"unit-{people['egon'].unit_id}", None, now)
    sent = []

    def refuse_to_build_elsas(to, subject, body):
        if to.startswith("elsa"):
            raise ValueError("invalid address")
        sent.append(to)

    assert outbox.deliver(refuse_to_build_elsas, now) == 1
    assert sent == ["egon@kundweb.demo"]
    given_up = db.session.scalars(db.select(AnswerMail).where(AnswerMail.given_up_at.is_not(None))).one()
    assert given_up.email == "elsa@kundweb.demo" and given_up.last_error == "invalid address"

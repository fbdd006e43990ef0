"""Fault tests with real scheduler processes: killed mid-send, SMTP down, lock lost, database busy."""
import asyncio
import signal
import threading
import time
from datetime import timedelta

from aiosmtpd.controller import Controller

from kundweb.audit.services import Actor
from kundweb.crisis import services
from kundweb.crisis.models import CrisisNotice
from kundweb.database import utcnow
from kundweb.extensions import db
from tests.conftest import Inbox, free_port
from tests.test_scheduler_processes import COMMUNICATOR, SchedulerProcess

SUBSCRIBERS = [f"prenumerant{n}" for n in range(1, 7)]
SHORT_BACKOFF = {"KUNDWEB_CRISIS_NOTICE_RETRY_SECONDS": "1", "KUNDWEB_CRISIS_NOTICE_RETRY_MAX_SECONDS": "2",
                 "KUNDWEB_MAIL_TIMEOUT": "60"}


class GatedInbox(Inbox):
    """Takes the first message at once, then holds every later one until `gate` is set."""

    def __init__(self):
        super().__init__()
        self.gate = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        if self.messages:
            for _ in range(1200):  # at most 60 s: bounded even if a test forgets the gate
                if self.gate.is_set():
                    break
                await asyncio.sleep(0.05)
        return await super().handle_DATA(server, session, envelope)


def _addresses():
    return [f"{name}@kundweb.demo" for name in SUBSCRIBERS]


def _message_for_six_subscribers(app, seconds_from_now):
    with app.app_context():
        for name, address in zip(SUBSCRIBERS, _addresses()):
            services.set_subscription(Actor(name, frozenset()), address, True)
        message = services.create_message(COMMUNICATOR, services.MessageInput("Vattenläcka", "Koka vattnet.",
                                                                              "critical"))
        services.schedule(COMMUNICATOR, message.id, utcnow() + timedelta(seconds=seconds_from_now), None)
        return message.id


def _wait(condition, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def _received(inbox):
    return [recipient for recipients, _ in inbox.messages for recipient in recipients]


def test_scheduler_killed_mid_send_notifies_everyone_after_restart(app, tmp_path):
    inbox = GatedInbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    first = second = None
    try:
        _message_for_six_subscribers(app, 0)
        first = SchedulerProcess(app, smtp.port, tmp_path / "first.log", SHORT_BACKOFF)
        # The first notice is delivered; the second is held by the server: the process is mid-send.
        assert _wait(lambda: len(inbox.messages) == 1, 30), first.output()
        time.sleep(1)
        first.kill(signal.SIGKILL)
        inbox.gate.set()
        second = SchedulerProcess(app, smtp.port, tmp_path / "second.log", SHORT_BACKOFF)
        assert _wait(lambda: set(_received(inbox)) == set(_addresses()), 30), (_received(inbox), second.output())
        time.sleep(3)  # more job runs: nothing further is sent
    finally:
        inbox.gate.set()
        for process in (first, second):
            if process is not None:
                process.kill(signal.SIGTERM)
        smtp.stop()
    received = _received(inbox)
    assert sorted(set(received)) == sorted(_addresses())
    assert len(received) <= len(SUBSCRIBERS) + 1, received  # at most the interrupted one twice
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(CrisisNotice)
                                 .where(CrisisNotice.sent_at.is_(None))) == 0


def test_smtp_down_at_the_start_notices_arrive_when_it_is_back(app, tmp_path):
    port = free_port()
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    smtp.stop()  # a real server that was there and is now down: connections are refused
    smtp = process = None
    try:
        _message_for_six_subscribers(app, 0)
        process = SchedulerProcess(app, port, tmp_path / "scheduler.log", SHORT_BACKOFF)
        assert process.wait_for("crisis notice", 30), process.output()  # tried and failed
        time.sleep(3)  # several more failed attempts while the server stays down
        assert inbox.messages == []
        smtp = Controller(inbox, hostname="127.0.0.1", port=port)
        smtp.start()
        assert _wait(lambda: set(_received(inbox)) == set(_addresses()), 30), (_received(inbox), process.output())
        time.sleep(2)
    finally:
        if process is not None:
            process.kill(signal.SIGTERM)
        if smtp is not None:
            smtp.stop()
    assert sorted(_received(inbox)) == sorted(_addresses())

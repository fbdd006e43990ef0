"""Fault tests with real scheduler processes: killed mid-send, SMTP down, lock lost, database busy."""
import asyncio
import signal
import sqlite3
import threading
import time
from datetime import datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import text

from kundweb import scheduler

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


def _job_runs_after(process, moment):
    """When this process started running a job (APScheduler's own log line) after `moment` (local time)."""
    runs = []
    for line in process.output().splitlines():
        if "Running job" in line:
            at = datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f")
            if at > moment:
                runs.append(at)
    return runs


def test_a_scheduler_that_lost_its_postgresql_lock_stops_running_jobs(app, smtp_server, tmp_path):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("the advisory lock's connection exists on PostgreSQL only (SQLite: a file lock)")
    processes = [SchedulerProcess(app, app.config["MAIL_PORT"], tmp_path / f"s{n}.log") for n in (1, 2)]
    try:
        assert _wait(lambda: sum("scheduler lock acquired" in p.output() for p in processes) == 1
                     and sum("another scheduler holds the lock" in p.output() for p in processes) == 1, 30), \
            [p.output() for p in processes]
        with app.app_context(), db.engine.begin() as connection:
            # What a failover or an idle-connection killer does: the holder's lock connection is gone.
            terminated = connection.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND classid = 0 AND objid = :key AND objsubid = 1"), {"key": scheduler.ADVISORY_LOCK_KEY}).all()
        assert terminated == [(True,)]
        terminated_at = datetime.now()
        # The idle one retries every LOCK_RETRY_SECONDS; give it time to take the free lock.
        time.sleep(scheduler.LOCK_RETRY_SECONDS + 10)
        outputs = [p.output() for p in processes]
        # At most one job already running when the lock went may finish; after that, one process only.
        # The holder checks before each job (every second here); 5 s leaves room for a loaded machine.
        settled = terminated_at + timedelta(seconds=5)
        running = [p for p in processes if _job_runs_after(p, settled)]
    finally:
        for process in processes:
            process.kill(signal.SIGTERM)
    assert len(running) == 1, ([len(_job_runs_after(p, settled)) for p in processes], outputs)
    assert sum("scheduler lock lost" in out for out in outputs) == 1, outputs  # noticed and said so
    assert all(p.process.returncode == 0 for p in processes), outputs


def test_a_busy_sqlite_database_at_start_up_does_not_kill_the_scheduler(app, smtp_server, tmp_path):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's database-wide write lock")
        path = db.engine.url.database
    _message_for_six_subscribers(app, 0)
    blocker = sqlite3.connect(path, isolation_level=None, timeout=5)
    process = None
    try:
        blocker.execute("BEGIN IMMEDIATE")  # another writer holds the database longer than the busy timeout
        process = SchedulerProcess(app, app.config["MAIL_PORT"], tmp_path / "scheduler.log", SHORT_BACKOFF)
        assert process.wait_for("scheduler lock acquired"), process.output()
        time.sleep(13)  # past SQLite's busy timeout (10 s): the first writes fail with "database is locked"
        blocker.execute("ROLLBACK")
        assert _wait(lambda: set(_received(smtp_server)) == set(_addresses()), 40), process.output()
        assert process.process.poll() is None, process.output()
    finally:
        blocker.close()
        if process is not None:
            process.kill(signal.SIGTERM)

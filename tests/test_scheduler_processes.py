"""Fault tests with real `flask kundweb scheduler` processes: killed, restarted, started twice."""
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

from kundweb.audit.services import Actor
from kundweb.crisis import services
from kundweb.crisis.models import CrisisTransition
from kundweb.database import utcnow
from kundweb.extensions import db

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COMMUNICATOR = Actor("cecilia", frozenset({"communicator"}))


class SchedulerProcess:
    def __init__(self, app, smtp_port, log_path, extra_env=None):
        env = {**os.environ, "KUNDWEB_ENV": "development", "KUNDWEB_LDAP_URL": "",
               "KUNDWEB_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
               "KUNDWEB_MAIL_SERVER": "127.0.0.1", "KUNDWEB_MAIL_PORT": str(smtp_port),
               "KUNDWEB_CRISIS_NOTIFY_SECONDS": "1", "FLASK_APP": "app.py",
               "KUNDWEB_AUDIT_SEAL_KEY": app.config["AUDIT_SEAL_KEY"],
               "KUNDWEB_AUDIT_CHECKPOINT_FILE": app.config["AUDIT_CHECKPOINT_FILE"],
               **(extra_env or {})}
        self.log_path = log_path
        self.log = open(log_path, "w")
        self.process = subprocess.Popen([sys.executable, "-m", "flask", "kundweb", "scheduler"], cwd=ROOT, env=env,
                                        stdout=self.log, stderr=subprocess.STDOUT)

    def output(self):
        with open(self.log_path) as handle:
            return handle.read()

    def wait_for(self, text, seconds=20):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if text in self.output():
                return True
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        return False

    def kill(self, sig=signal.SIGKILL):
        if self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=10)
        self.log.close()


def _scheduled_message(app, seconds_from_now):
    with app.app_context():
        services.set_subscription(Actor("anna", frozenset()), "anna@kundweb.demo", True)
        message = services.create_message(COMMUNICATOR, services.MessageInput("Stormvarning", "Stanna inne.",
                                                                              "critical"))
        starts_at = utcnow() + timedelta(seconds=seconds_from_now)
        services.schedule(COMMUNICATOR, message.id, starts_at, None)
        return message.id, starts_at


def _wait_until(moment):
    while utcnow() < moment:
        time.sleep(0.05)


def _wait_for_mail(inbox, count, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and len(inbox.messages) < count:
        time.sleep(0.1)


def test_killed_scheduler_banner_stays_right_and_restart_notifies_exactly_once(app, client, smtp_server, tmp_path):
    message_id, starts_at = _scheduled_message(app, 6)
    first = SchedulerProcess(app, app.config["MAIL_PORT"], tmp_path / "first.log")
    try:
        assert first.wait_for("scheduler lock acquired"), first.output()
    finally:
        first.kill()  # dies before the message starts
    assert "crisis-banner--critical" not in client.get("/login").get_data(as_text=True)
    _wait_until(starts_at + timedelta(seconds=1))
    # No scheduler is running, yet the banner and the feed are right: activity comes from the database.
    assert "crisis-banner--critical" in client.get("/login").get_data(as_text=True)
    assert [m["id"] for m in client.get("/api/v1/crisis").json["active"]] == [message_id]
    assert smtp_server.messages == []
    second = SchedulerProcess(app, app.config["MAIL_PORT"], tmp_path / "second.log")
    try:
        _wait_for_mail(smtp_server, 1)
        time.sleep(3)  # several more job runs: still one notice
    finally:
        second.kill(signal.SIGTERM)
    assert [rcpt for rcpt, _ in smtp_server.messages] == [["anna@kundweb.demo"]], second.output()
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(CrisisTransition)) == 1


def test_two_schedulers_at_once_send_one_notice(app, smtp_server, tmp_path):
    processes = [SchedulerProcess(app, app.config["MAIL_PORT"], tmp_path / f"s{n}.log") for n in (1, 2)]
    try:
        # Both up (one holding the lock, one idle) before the message exists: the notice must
        # come from the running interval job, not from a start-up catch-up.
        assert any(p.wait_for("scheduler lock acquired") for p in processes), [p.output() for p in processes]
        assert any(p.wait_for("another scheduler holds the lock") for p in processes), \
            [p.output() for p in processes]
        _, starts_at = _scheduled_message(app, 2)
        _wait_until(starts_at)
        _wait_for_mail(smtp_server, 1)
        time.sleep(3)
        outputs = [p.output() for p in processes]
    finally:
        for process in processes:
            process.kill(signal.SIGTERM)
    assert len(smtp_server.messages) == 1, outputs
    assert sum("scheduler lock acquired" in out for out in outputs) == 1, outputs
    assert sum("another scheduler holds the lock" in out for out in outputs) == 1, outputs

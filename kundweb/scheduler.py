"""The one scheduler process (`flask kundweb scheduler`): APScheduler 3 and the job list.

Web workers never run jobs. A second scheduler started by mistake waits idle
for the single-instance lock (a PostgreSQL advisory lock, or a file lock beside
the SQLite database) and takes over only if the first one dies, so no job runs
twice at once. The holder checks before every job run that it still holds the
lock (a PostgreSQL connection can be dropped under it: a failover, an idle-connection
killer) and, if not, stops its jobs and goes back to waiting. Jobs are thin wrappers
over services, each in an app context; a transient database error (busy, restarting)
is retried with back-off and never ends the process.
"""
import contextlib
import fcntl
import logging
import os
import signal
import threading
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError

from kundweb.extensions import db

log = logging.getLogger(__name__)

LOCAL_TZ = ZoneInfo("Europe/Stockholm")
ADVISORY_LOCK_KEY = 0x4B57_5343  # "KWSC": Kundweb scheduler
LOCK_RETRY_SECONDS = 15
# A job that meets a transient database error is tried again after 1, 2, 4, 8, 16 s, then left
# for its next scheduled run.
TRANSIENT_RETRY_SECONDS = (1, 2, 4, 8, 16)


def housekeeping(app):
    """Forget ended sessions and old failed-login records."""
    from kundweb.auth.services import purge_old_sessions

    with app.app_context():
        purge_old_sessions()


def crisis_notifications(app):
    """E-mail subscribers once when a crisis message starts (caught up after downtime)."""
    from kundweb.crisis.services import handle_started_messages
    from kundweb.mail import send_mail

    with app.app_context():
        handle_started_messages(send_mail)


def enquiry_note_purge(app):
    """Remove enquiry notes older than ENQUIRY_NOTE_RETENTION_DAYS; the counts stay (nightly)."""
    from kundweb.enquiries.services import purge_notes

    with app.app_context():
        purge_notes(app.config["ENQUIRY_NOTE_RETENTION_DAYS"])


def directory_sync(app):
    """Bring the directory in step with AD: new staff, changed titles, leavers (nightly)."""
    from kundweb import ldap_client
    from kundweb.database import utcnow
    from kundweb.directory.sync import SyncRefused, sync_directory

    with app.app_context():
        try:
            sync_directory(ldap_client.get_directory(app), utcnow())
        except (ldap_client.DirectoryUnavailable, SyncRefused) as exc:
            log.error("directory sync not done: %s", exc)  # nothing changed; the next run tries again


def directory_reminders(app):
    """E-mail the owners of entries not confirmed for a year (at most once per person a month)."""
    from kundweb.database import utcnow
    from kundweb.directory.services import send_reminders

    with app.app_context():
        send_reminders(utcnow())


def directory_absences(app):
    """Clear absences whose last day has passed, audited as the system (nightly; pages never show them anyway)."""
    from kundweb.database import utcnow
    from kundweb.directory.absence import end_expired_absences

    with app.app_context():
        end_expired_absences(utcnow())


def forwarding_targets(app):
    """Keep the enquiries' forwarding targets in step with the directory and the company register."""
    from kundweb.audit.services import SYSTEM
    from kundweb.enquiries.services import refresh_targets

    with app.app_context():
        report = refresh_targets(SYSTEM)
        for ref, name, reason in report.conflicts:
            log.warning("forwarding target %s (%r) skipped: %s", ref, name, reason)


def company_routing(app):
    """Put companies' approved opt-outs and re-entries into effect on their date, each exactly once."""
    from kundweb.companies.services import apply_due_cases

    with app.app_context():
        apply_due_cases()


def records_reminders(app):
    """E-mail owners of public-record items open longer than RECORDS_REMINDER_DAYS (once per period)."""
    from kundweb.mail import send_mail
    from kundweb.records.upkeep import send_reminders

    with app.app_context():
        send_reminders(send_mail)


def records_orphan_files(app):
    """Remove attachment files no registration refers to (a failed registration never retried)."""
    from kundweb.records.upkeep import sweep_orphan_files

    with app.app_context():
        sweep_orphan_files()


def answer_mail(app):
    """Send Kunskapsbanken's queued e-mails (proposals, review reminders); failed ones are retried."""
    from kundweb.answers import outbox
    from kundweb.database import utcnow
    from kundweb.mail import send_mail

    with app.app_context():
        outbox.deliver(send_mail, utcnow())


def answer_review_reminders(app):
    """Queue e-mails to owners of answers past their review date (at most once per answer a month).

    Only queued: the answer_mail job is the outbox's one sender, so two jobs never send the
    same row at once (both ran together at start-up, and each row went out twice).
    """
    from kundweb.answers.review import queue_review_reminders
    from kundweb.database import utcnow

    with app.app_context():
        queue_review_reminders(utcnow())


def audit_seal(app):
    """Seal the audit chain with a signed checkpoint: hourly, and within a minute of each records export."""
    from kundweb.audit.checkpoints import SealKeyUnavailable, seal_if_due
    from kundweb.database import utcnow

    with app.app_context():
        try:
            seal_if_due(utcnow())
        except (SealKeyUnavailable, OSError) as exc:
            # The other jobs go on; verify-audit names the checkpoint the file lacks.
            log.error("audit checkpoint not written: %s", exc)


# (id, function, trigger, trigger arguments from the app's config). Each function takes the app.
JOBS = [
    ("housekeeping", housekeeping, "interval", lambda config: {"hours": 1}),
    ("audit_seal", audit_seal, "interval", lambda config: {"minutes": 1}),
    ("records_reminders", records_reminders, "cron", lambda config: {"hour": 7, "minute": 30}),
    ("records_orphan_files", records_orphan_files, "cron", lambda config: {"hour": 3, "minute": 15}),
    ("crisis_notifications", crisis_notifications, "interval",
     lambda config: {"seconds": config["CRISIS_NOTIFY_SECONDS"]}),
    ("directory_sync", directory_sync, "cron", lambda config: {"hour": 2, "minute": 30}),
    ("directory_reminders", directory_reminders, "cron", lambda config: {"hour": 7, "minute": 45}),
    # Not in the midnight hour: APScheduler 3.11's CronTrigger skips the Monday after the spring
    # DST night for 00:xx (29 March 00:05 -> 31 March), as tests/test_scheduler_dst.py shows.
    ("directory_absences", directory_absences, "cron", lambda config: {"hour": 1, "minute": 5}),
    ("enquiry_note_purge", enquiry_note_purge, "cron", lambda config: {"hour": 3, "minute": 10}),
    ("forwarding_targets", forwarding_targets, "interval", lambda config: {"hours": 1}),
    ("answer_mail", answer_mail, "interval", lambda config: {"seconds": config["ANSWER_MAIL_SECONDS"]}),
    ("answer_review_reminders", answer_review_reminders, "cron", lambda config: {"hour": 7, "minute": 50}),
    ("company_routing", company_routing, "interval", lambda config: {"seconds": config["COMPANY_ROUTING_SECONDS"]}),
]


class WallClockCronTrigger(CronTrigger):
    """A cron trigger in local time that fires a wall-clock time once, even when the clock shows it twice.

    APScheduler's CronTrigger fires 02:30 twice on the autumn night (02:30 summer time,
    then 02:30 winter time an hour later), so the nightly directory sync ran twice. The
    second showing is skipped. On the spring night 02:30 does not exist and CronTrigger
    fires once at 03:30 instead, which is kept.
    """

    def get_next_fire_time(self, previous_fire_time, now):
        fire_time = super().get_next_fire_time(previous_fire_time, now)
        if (previous_fire_time is not None and fire_time is not None
                and _wall_clock(fire_time, self.timezone) == _wall_clock(previous_fire_time, self.timezone)):
            fire_time = super().get_next_fire_time(fire_time, fire_time)
        return fire_time


def _wall_clock(moment, zone):
    return moment.astimezone(zone).replace(tzinfo=None)


class SchedulerLock:
    """Held for the whole life of the scheduler process; released by the OS if it dies."""

    def __init__(self, app):
        self.app = app
        self._connection = None
        self._file = None
        self._check_lock = threading.Lock()  # jobs run in a thread pool; the lock connection is not shared
        self.lost = False

    def acquire(self):
        """True if this process now holds the lock; False if another does or the database is unreachable."""
        with self.app.app_context():
            if db.engine.dialect.name == "postgresql":
                try:
                    return self._acquire_advisory_lock()
                except OperationalError as exc:
                    log.warning("scheduler lock not taken, database unreachable: %s", exc)
                    return False
        return self._acquire_file_lock()

    def still_held(self):
        """Whether this process still holds the lock (asked before each job run)."""
        if self._connection is None:
            return self._file is not None and not self.lost  # a file lock lasts as long as this process
        with self._check_lock:
            if self.lost:
                return False
            try:
                # The lock is the connection's: if the server dropped the connection, the lock went with it.
                held = self._connection.execute(text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                    "AND pid = pg_backend_pid() AND classid = :high AND objid = :low AND objsubid = 1"),
                    {"high": ADVISORY_LOCK_KEY >> 32, "low": ADVISORY_LOCK_KEY & 0xFFFF_FFFF}).scalar()
                self._connection.commit()
            except DBAPIError as exc:
                log.error("scheduler lock connection failed: %s", exc)
                held = 0
            self.lost = not held
            return bool(held)

    def _acquire_advisory_lock(self):
        # A session-level advisory lock lives as long as this dedicated connection.
        connection = db.engine.connect()
        got_it = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}).scalar()
        connection.commit()
        if got_it:
            self._connection = connection
        else:
            connection.close()
        return bool(got_it)

    def _acquire_file_lock(self):
        handle = open(lock_file_path(self.app), "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle
        return True

    def release(self):
        if self._connection is not None:
            if not self.lost:
                try:
                    # Unlock explicitly: close() only returns the connection to the pool, lock and all.
                    self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})
                    self._connection.commit()
                except DBAPIError:
                    self.lost = True
            if self.lost:
                self._connection.invalidate()  # a dead connection must not go back to the pool
            self._connection.close()
            self._connection = None
        if self._file is not None:
            self._file.close()
            self._file = None


def lock_file_path(app):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite:///"):
        return url.removeprefix("sqlite:///") + ".scheduler.lock"
    return os.path.join(app.instance_path, "scheduler.lock")


def build_scheduler(app, lock=None, catch_up=False, executor=None):
    """The scheduler with every job; with `catch_up`, each job also runs once at once.

    A restart catches up at once instead of waiting a period; the runs go through the
    scheduler's own thread pool, so a job that fails is logged and the others still run.
    """
    scheduler = BlockingScheduler(
        timezone=LOCAL_TZ, executors={"default": executor or ThreadPoolExecutor(10)}, job_defaults={
            "coalesce": True,  # after downtime, run a missed job once, not once per missed slot
            "max_instances": 1,
            "misfire_grace_time": 3600,
        })
    first_run = {"next_run_time": datetime.now(LOCAL_TZ)} if catch_up else {}
    for job_id, function, trigger, arguments in JOBS:
        if trigger == "cron":
            trigger, trigger_arguments = WallClockCronTrigger(timezone=LOCAL_TZ, **arguments(app.config)), {}
        else:
            trigger_arguments = arguments(app.config)
        scheduler.add_job(run_job, trigger, args=[app, lock, scheduler, job_id, function], id=job_id, name=job_id,
                          replace_existing=True, **first_run, **trigger_arguments)
    return scheduler


def run_job(app, lock, scheduler, job_id, function):
    """One job run: only while this process holds the lock; transient database errors are retried."""
    for wait in (*TRANSIENT_RETRY_SECONDS, None):
        if lock is not None and not lock.still_held():
            log.error("scheduler lock lost (pid %s): job %s not run; stopping all jobs and waiting for the lock",
                      os.getpid(), job_id)
            with contextlib.suppress(SchedulerNotRunningError):  # another job noticed first
                scheduler.shutdown(wait=False)
            return
        try:
            function(app)
            return
        except OperationalError as exc:
            if wait is None:
                log.error("job %s failed, database unavailable; it runs again at its next time: %s", job_id, exc)
                return
            log.warning("job %s: database unavailable, trying again in %s s: %s", job_id, wait, exc)
            time.sleep(wait)


def run(app, max_wait_seconds=None):
    """Wait for the lock, catch up, then run the jobs until SIGTERM/SIGINT (back to waiting if the lock is lost)."""

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    try:
        while True:
            lock = SchedulerLock(app)
            if not _wait_for_lock(lock, max_wait_seconds):
                return False
            log.info("scheduler lock acquired (pid %s)", os.getpid())
            executor = ThreadPoolExecutor(10)
            scheduler = build_scheduler(app, lock, catch_up=True, executor=executor)
            try:
                scheduler.start()
                # Stopped because the lock was lost: let the jobs already running finish first,
                # so that after taking the lock again this process never runs a job twice at once.
                executor.shutdown(wait=True)
            finally:
                if scheduler.running:
                    scheduler.shutdown(wait=False)
                lock.release()
            if not lock.lost:
                return True
            log.warning("scheduler back to standby (pid %s)", os.getpid())
    except (KeyboardInterrupt, SystemExit):
        return True


def _wait_for_lock(lock, max_wait_seconds):
    waited = 0.0
    while not lock.acquire():
        if waited == 0:
            log.warning("another scheduler holds the lock; staying idle until it stops")
        if max_wait_seconds is not None and waited >= max_wait_seconds:
            return False
        time.sleep(LOCK_RETRY_SECONDS)
        waited += LOCK_RETRY_SECONDS
    return True

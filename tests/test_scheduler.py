"""The single scheduler process: its lock, its job list, and the housekeeping job."""
from datetime import timedelta

from kundweb import scheduler
from kundweb.auth.models import LoginFailure, UserSession
from kundweb.auth.services import purge_old_sessions
from kundweb.database import utcnow
from kundweb.extensions import db


def test_only_one_scheduler_holds_the_lock(app):
    first, second = scheduler.SchedulerLock(app), scheduler.SchedulerLock(app)
    assert first.acquire()
    try:
        assert not second.acquire()
        assert scheduler.run(app, max_wait_seconds=0) is False  # a second process stays idle
    finally:
        first.release()
    assert second.acquire()  # taken over once the first is gone
    second.release()


def test_jobs_are_registered_in_stockholm_time(app):
    built = scheduler.build_scheduler(app)
    assert {job.id for job in built.get_jobs()} == {job_id for job_id, *_ in scheduler.JOBS}
    assert str(built.timezone) == "Europe/Stockholm"


def _session(name, ended_at=None, last_seen_at=None):
    now = utcnow()
    return UserSession(token_hash=name.ljust(64, "0"), username=name, display_name=name,
                       created_at=now, last_seen_at=last_seen_at or now, roles_checked_at=now,
                       ended_at=ended_at)


def test_housekeeping_forgets_only_old_sessions_and_failures(app, app_context):
    now = utcnow()
    db.session.add_all([
        _session("current"),
        _session("ended-yesterday", ended_at=now - timedelta(days=1)),
        _session("ended-long-ago", ended_at=now - timedelta(days=40)),
        _session("abandoned", last_seen_at=now - timedelta(days=45)),
        LoginFailure(username="x", remote_addr="1", failed_at=now - timedelta(minutes=5)),
        LoginFailure(username="y", remote_addr="1", failed_at=now - timedelta(days=2)),
    ])
    db.session.commit()
    assert purge_old_sessions(now) == (2, 1)
    left = set(db.session.scalars(db.select(UserSession.username)))
    assert left == {"current", "ended-yesterday"}
    assert db.session.scalars(db.select(LoginFailure.username)).all() == ["x"]


def test_an_unreachable_postgresql_leaves_the_scheduler_waiting_not_dead(caplog):
    from kundweb import create_app
    from tests.conftest import free_port

    # A real refused connection: nothing listens on this port.
    unreachable = create_app({"ENV_NAME": "testing",
                              "SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/x"})
    lock = scheduler.SchedulerLock(unreachable)
    assert lock.acquire() is False
    assert scheduler.run(unreachable, max_wait_seconds=0) is False
    assert "database unreachable" in caplog.text

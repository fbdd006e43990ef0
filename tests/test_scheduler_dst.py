"""Daylight saving nights in Europe/Stockholm: every job runs once, crisis messages start and end on time.

Time travel through the trigger objects the scheduler really registers
(`trigger.get_next_fire_time(previous, now)`), and through the crisis services'
clock for what the API and the banner say.
"""
import copy
import re
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest

from kundweb import scheduler
from kundweb.audit.services import Actor
from kundweb.crisis import services as crisis_services
from kundweb.crisis import views as crisis_views
from kundweb.crisis.models import CrisisMessage
from kundweb.extensions import db
from tests.conftest import csrf_token

STOCKHOLM = scheduler.LOCAL_TZ
# Summer time starts (02:00 → 03:00) and ends (03:00 → 02:00) on these Sundays.
DST_NIGHTS = ["2026-03-29", "2026-10-25", "2027-03-28", "2027-10-31"]
CRON_JOBS = [job_id for job_id, _, trigger, _ in scheduler.JOBS if trigger == "cron"]
INTERVAL_JOBS = [job_id for job_id, _, trigger, _ in scheduler.JOBS if trigger == "interval"]


def _fire_times(trigger, start, end):
    """The trigger's fire times from `start` to `end`, in UTC.

    In UTC because Python compares and subtracts two datetimes of the same zone by
    their wall-clock readings, which is exactly what goes wrong on these nights.
    """
    start, end = start.astimezone(timezone.utc), end.astimezone(timezone.utc)
    fires, previous, now = [], None, start
    for _ in range(100_000):  # bounded: an interval of a second over a day stays well below
        fire = trigger.get_next_fire_time(previous, now)
        if fire is None or fire.astimezone(timezone.utc) >= end:
            return fires
        fires.append(fire.astimezone(timezone.utc))
        previous = now = fire
    raise AssertionError("trigger never got past the end")


def _trigger(app, job_id):
    return scheduler.build_scheduler(app).get_job(job_id).trigger


def _local_night(night):
    return datetime.fromisoformat(night).replace(tzinfo=STOCKHOLM)


@pytest.mark.parametrize("night", DST_NIGHTS)
@pytest.mark.parametrize("job_id", CRON_JOBS)
def test_nightly_and_daily_jobs_run_once_per_day_across_the_dst_night(app, job_id, night):
    sunday = _local_night(night)
    fires = _fire_times(_trigger(app, job_id), sunday - timedelta(days=2), sunday + timedelta(days=3))
    per_day = Counter(fire.astimezone(STOCKHOLM).date() for fire in fires)
    assert list(per_day.values()) == [1] * 5, (job_id, [fire.astimezone(STOCKHOLM).isoformat() for fire in fires])
    assert sunday.date() in per_day


@pytest.mark.parametrize("night", DST_NIGHTS)
@pytest.mark.parametrize("job_id", INTERVAL_JOBS)
def test_interval_jobs_keep_their_real_interval_across_the_dst_night(app, job_id, night):
    trigger = copy.copy(_trigger(app, job_id))
    sunday = _local_night(night)
    monday = _local_night(night) + timedelta(days=1)  # local midnight to local midnight: 23 or 25 hours
    trigger.start_date = sunday - timedelta(days=1)  # the registered trigger starts now; move it before the night
    fires = _fire_times(trigger, sunday, monday)
    interval = trigger.interval.total_seconds()
    assert {(later - earlier).total_seconds() for earlier, later in zip(fires, fires[1:])} == {interval}, job_id
    day_seconds = (monday.astimezone(timezone.utc) - sunday.astimezone(timezone.utc)).total_seconds()
    assert day_seconds == (23 if night.endswith(("03-29", "03-28")) else 25) * 3600
    assert len(fires) == day_seconds / interval


def _utc(text):
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


@pytest.mark.parametrize("local_start, local_end, utc_start, utc_end, api_start, api_end", [
    # Autumn: 01:30 summer time to 03:30 winter time is three real hours, through the repeated hour.
    ("2026-10-25T01:30", "2026-10-25T03:30", "2026-10-24T23:30", "2026-10-25T02:30",
     "2026-10-25T01:30:00+02:00", "2026-10-25T03:30:00+01:00"),
    # Spring: 01:30 winter time to 03:30 summer time is one real hour (02:00-03:00 does not exist).
    ("2027-03-28T01:30", "2027-03-28T03:30", "2027-03-28T00:30", "2027-03-28T01:30",
     "2027-03-28T01:30:00+01:00", "2027-03-28T03:30:00+02:00"),
])
def test_a_crisis_message_across_the_dst_change_starts_and_ends_on_the_right_instant(
        app, client, login_as, monkeypatch, local_start, local_end, utc_start, utc_end, api_start, api_end):
    clock = {"now": _utc(utc_start) - timedelta(days=1)}
    monkeypatch.setattr(crisis_services, "utcnow", lambda: clock["now"])
    monkeypatch.setattr(crisis_views, "utcnow", lambda: clock["now"])  # the schedule is checked against now
    with app.app_context():
        draft = crisis_services.create_message(Actor("cecilia", frozenset({"communicator"})),
                                               crisis_services.MessageInput("Stormvarning", "Stanna inne.",
                                                                            "critical"), now=clock["now"])
        message_id = draft.id
    login_as("communicator")
    token = csrf_token(client, "/kris")
    confirm_page = client.post(f"/kris/{message_id}/schemalagg", data={
        "starts_at": local_start, "ends_at": local_end, "csrf_token": token})
    assert confirm_page.status_code == 200, confirm_page.get_data(as_text=True)
    confirmation = re.search(r'name="token"[^>]*value="([^"]+)"', confirm_page.get_data(as_text=True)).group(1)
    response = client.post(f"/kris/{message_id}/bekrafta", data={"csrf_token": token, "token": confirmation})
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        message = db.session.get(CrisisMessage, message_id)
        assert (message.starts_at, message.ends_at) == (_utc(utc_start), _utc(utc_end))
    second = timedelta(seconds=1)
    for moment, active in [(_utc(utc_start) - second, False), (_utc(utc_start), True),
                           (_utc(utc_start) + second, True), (_utc(utc_end) - second, True),
                           (_utc(utc_end), False), (_utc(utc_end) + second, False)]:
        clock["now"] = moment
        feed = client.get("/api/v1/crisis").json["active"]
        banner = "crisis-banner--critical" in client.get("/start/communicator").get_data(as_text=True)
        assert (bool(feed), banner) == (active, active), moment
        if active:
            assert (feed[0]["starts_at"], feed[0]["ends_at"]) == (api_start, api_end)

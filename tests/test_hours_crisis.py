"""Crisis extensions of the opening hours over Christmas 2026: only while active, only on chosen days.

Each test sets the clock (every `utcnow` in kundweb) and asks the public API and the pages
what they tell the public: the days list, /api/v1/opening-hours/now and the "open now" line.
"""
import sys
from datetime import datetime, time

import pytest

from kundweb import database
from kundweb.audit.services import Actor
from kundweb.crisis import services as crisis
from tests.conftest import csrf_token

COMMUNICATOR = Actor("cecilia", frozenset({"communicator"}))
CHRISTMAS = "/api/v1/opening-hours?from=2026-12-20&to=2027-01-10"
HOLIDAYS = {"2026-12-24", "2026-12-25", "2026-12-26", "2026-12-31", "2027-01-01", "2027-01-06"}
# Sundays and Saturdays without any crisis: 19–20 Dec closed, 27 Dec, 2–3 Jan, 9–10 Jan.
WEEKEND = {"2026-12-20", "2026-12-27", "2027-01-02", "2027-01-03", "2027-01-09", "2027-01-10"}


def at(text):
    return datetime.fromisoformat(text)


@pytest.fixture
def clock(monkeypatch):
    """Set "now" for every kundweb module that reads the clock through kundweb.database.utcnow."""
    original = database.utcnow

    def set_clock(text):
        moment = at(text)
        for name, module in list(sys.modules.items()):
            if name.startswith("kundweb") and getattr(module, "utcnow", None) in (original, *set_clock.fakes):
                monkeypatch.setattr(module, "utcnow", fake)
        set_clock.now = moment
        return moment

    def fake():
        return set_clock.now

    set_clock.fakes = (fake,)
    return set_clock


def _message(app, opens, closes, published_at, ends_at=None, title="Storm", **days):
    """A published crisis message with extended hours; returns its id."""
    with app.app_context():
        data = crisis.MessageInput(title, "Stormen har fällt träd över ledningar.", "warning", opens, closes, **days)
        message = crisis.create_message(COMMUNICATOR, data, now=at(published_at))
        crisis.schedule(COMMUNICATOR, message.id, at(published_at), at(ends_at) if ends_at else None,
                        now=at(published_at))
        return message.id


def _end(app, message_id, moment):
    with app.app_context():
        crisis.end_now(COMMUNICATOR, message_id, now=at(moment))


def _days(client, path=CHRISTMAS):
    response = client.get(path)
    assert response.status_code == 200
    return {day["date"]: (day["kind"], day["opens"], day["closes"]) for day in response.json["days"]}


def _ordinary(day):
    """What the calendar says on a day of 2026-12-20..2027-01-10 without any crisis."""
    if day in HOLIDAYS or day in WEEKEND or day in {"2026-12-26", "2026-12-19"}:
        return ("closed", None, None)
    if day in {"2026-12-23", "2026-12-30", "2027-01-05"}:  # the days before julafton, nyårsafton, trettondagen
        return ("shortened", "08:00", "15:00")
    return ("normal", "08:00", "17:00")


def test_open_ended_extension_covers_the_default_days_only_and_never_a_holiday(app, client, clock):
    clock("2026-12-20T12:00:00+01:00")
    _message(app, time(7, 0), time(21, 0), "2026-12-18T10:00:00+01:00")
    days = _days(client)
    extended = {"2026-12-20", "2026-12-21", "2026-12-22", "2026-12-23"}  # Sun..Wed: today and 6 more, minus holidays
    for day, hours in days.items():
        expected = ("extended", "07:00", "21:00") if day in extended else _ordinary(day)
        assert hours == expected, day


def test_default_days_follow_the_configured_number(app, client, clock):
    clock("2026-12-20T12:00:00+01:00")
    _message(app, time(7, 0), time(21, 0), "2026-12-18T10:00:00+01:00")
    app.config["CRISIS_HOURS_DEFAULT_DAYS"] = 2
    try:
        days = _days(client)
    finally:
        app.config["CRISIS_HOURS_DEFAULT_DAYS"] = 7
    assert days["2026-12-21"] == ("extended", "07:00", "21:00")
    assert days["2026-12-22"] == ("normal", "08:00", "17:00")


@pytest.mark.parametrize("on_holidays", [False, True])
def test_chosen_days_and_the_holiday_box(app, client, clock, on_holidays):
    clock("2026-12-20T12:00:00+01:00")
    _message(app, time(7, 0), time(21, 0), "2026-12-18T10:00:00+01:00", hours_from=at("2026-12-21T00:00").date(),
             hours_until=at("2027-01-08T00:00").date(), hours_on_holidays=on_holidays)
    days = _days(client)
    for day, hours in days.items():
        chosen = "2026-12-21" <= day <= "2027-01-08"
        if chosen and (on_holidays or day not in HOLIDAYS):
            assert hours == ("extended", "07:00", "21:00"), day
        else:
            assert hours == _ordinary(day), day


def test_a_message_ended_at_0215_gives_the_rest_of_the_day_back_to_the_normal_calendar(app, client, clock):
    message_id = _message(app, time(7, 0), time(21, 0), "2026-12-18T10:00:00+01:00")
    _end(app, message_id, "2026-12-21T02:15:00+01:00")
    clock("2026-12-21T02:30:00+01:00")
    days = _days(client)
    assert days["2026-12-20"] == ("extended", "07:00", "21:00")  # Sunday: it was active all day
    assert days["2026-12-21"] == ("normal", "08:00", "17:00")
    assert all(days[day] == _ordinary(day) for day in days if day > "2026-12-21")
    now = client.get("/api/v1/opening-hours/now").json
    assert now == {"open": False, "closes_at": None, "next_open": "2026-12-21T08:00:00+01:00"}
    for page in ("/login", "/resultat"):
        html = client.get(page).get_data(as_text=True)
        assert "Stängt, öppnar i dag 08.00" in html and "07.00" not in html, page


def test_a_message_ended_at_noon_keeps_the_morning_and_the_afternoon_is_normal(app, client, clock):
    message_id = _message(app, time(7, 0), time(21, 0), "2026-12-18T10:00:00+01:00")
    _end(app, message_id, "2026-12-21T12:00:00+01:00")
    clock("2026-12-21T12:30:00+01:00")
    assert _days(client)["2026-12-21"] == ("extended", "07:00", "17:00")
    assert client.get("/api/v1/opening-hours/now").json == {
        "open": True, "closes_at": "2026-12-21T17:00:00+01:00", "next_open": None}
    assert "Öppet nu, stänger 17.00" in client.get("/login").get_data(as_text=True)


def test_a_scheduled_message_extends_only_the_time_it_will_be_active(app, client, clock):
    clock("2026-12-20T12:00:00+01:00")
    _message(app, time(7, 0), time(21, 0), "2026-12-22T12:00:00+01:00", ends_at="2026-12-23T18:00:00+01:00")
    days = _days(client)
    assert days["2026-12-21"] == ("normal", "08:00", "17:00")
    assert days["2026-12-22"] == ("extended", "08:00", "21:00")  # from noon; the morning is the usual one
    assert days["2026-12-23"] == ("extended", "07:00", "18:00")  # ends at 18.00 on the day before julafton
    assert all(days[day] == _ordinary(day) for day in days if day > "2026-12-23" or day < "2026-12-21")
    assert client.get("/api/v1/opening-hours/now").json["next_open"] == "2026-12-21T08:00:00+01:00"
    clock("2026-12-22T06:30:00+01:00")
    assert client.get("/api/v1/opening-hours/now").json["next_open"] == "2026-12-22T08:00:00+01:00"
    assert "Stängt, öppnar i dag 08.00" in client.get("/login").get_data(as_text=True)


def test_a_message_published_in_the_evening_is_not_shown_as_a_whole_day(app, client, clock):
    # 19.00–21.00 after a day closing 17.00: one opens/closes cannot say so; the usual day is not stretched.
    clock("2026-12-21T19:30:00+01:00")
    _message(app, time(7, 0), time(21, 0), "2026-12-21T19:00:00+01:00")
    days = _days(client)
    assert days["2026-12-21"] == ("normal", "08:00", "17:00")
    assert days["2026-12-22"] == ("extended", "07:00", "21:00")


def test_overlapping_messages_each_count_only_while_active(app, client, clock):
    storm = _message(app, time(7, 0), time(21, 0), "2026-12-18T10:00:00+01:00")
    _message(app, time(6, 0), time(19, 0), "2026-12-18T11:00:00+01:00", title="Vattenläcka",
             hours_from=at("2026-12-23T00:00").date(), hours_until=at("2026-12-24T00:00").date(),
             hours_on_holidays=True)
    clock("2026-12-20T12:00:00+01:00")
    days = _days(client)
    assert days["2026-12-22"] == ("extended", "07:00", "21:00")
    assert days["2026-12-23"] == ("extended", "06:00", "21:00")
    assert days["2026-12-24"] == ("extended", "06:00", "19:00")  # julafton: only the message that ticked holidays
    assert days["2026-12-25"] == ("closed", None, None)
    _end(app, storm, "2026-12-22T10:00:00+01:00")
    clock("2026-12-22T10:00:00+01:00")
    days = _days(client)
    assert days["2026-12-22"] == ("extended", "07:00", "17:00")
    assert days["2026-12-23"] == ("extended", "06:00", "19:00")
    clock("2026-12-23T06:30:00+01:00")
    assert client.get("/api/v1/opening-hours/now").json == {
        "open": True, "closes_at": "2026-12-23T19:00:00+01:00", "next_open": None}


def test_crisis_form_saves_the_days_and_refuses_a_reversed_range(app, client, login_as):
    login_as("communicator")
    token = csrf_token(client, "/kris/ny")
    form = {"title": "Storm", "body": "Träd över ledningar.", "severity": "warning", "hours_opens": "07:00",
            "hours_closes": "21:00", "hours_from": "2026-12-28", "hours_until": "2026-12-21", "csrf_token": token}
    refused = client.post("/kris/ny", data=form)
    assert refused.status_code == 400
    assert "Sista dagen för de utökade öppettiderna får inte vara före den första." in refused.get_data(as_text=True)
    saved = client.post("/kris/ny", data={**form, "hours_until": "2026-12-30", "hours_on_holidays": "y"})
    assert saved.status_code == 302
    page = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "från 2026-12-28" in page and "till och med 2026-12-30" in page and "även helgdagar" in page
    with app.app_context():
        from kundweb.audit.models import AuditEvent
        from kundweb.extensions import db

        event = db.session.scalars(db.select(AuditEvent).filter_by(action="crisis.created")).one()
        assert event.details["after"]["hours_until"] == "2026-12-30"
        assert event.details["after"]["hours_on_holidays"] is True


@pytest.mark.parametrize("days, message", [
    ({"hours_from": at("2026-12-28T00:00").date()}, "Ange när Kundcenter stänger"),
    ({"hours_on_holidays": True}, "Ange när Kundcenter stänger"),
])
def test_extension_days_without_hours_are_refused(app, app_context, days, message):
    with pytest.raises(crisis.CrisisError, match=message):
        crisis.create_message(COMMUNICATOR, crisis.MessageInput("Storm", "Text", "warning", **days))


def test_extension_of_more_than_a_year_is_refused(app, app_context):
    data = crisis.MessageInput("Storm", "Text", "warning", None, time(20, 0), at("2026-12-01T00:00").date(),
                               at("2027-12-02T00:00").date())  # 367 days
    with pytest.raises(crisis.CrisisError, match="högst 366 dagar") as refused:
        crisis.create_message(COMMUNICATOR, data)
    assert refused.value.field_errors == {"hours_until": str(refused.value)}


def test_a_first_day_without_a_last_day_still_reaches_only_the_default_days(app, client, clock):
    clock("2026-12-20T12:00:00+01:00")
    _message(app, time(7, 0), time(21, 0), "2026-12-18T10:00:00+01:00", hours_from=at("2026-12-22T00:00").date())
    days = _days(client)
    assert days["2026-12-21"] == ("normal", "08:00", "17:00")  # before the first day
    assert days["2026-12-22"] == ("extended", "07:00", "21:00")
    assert days["2026-12-28"] == ("normal", "08:00", "17:00")  # beyond today + 6

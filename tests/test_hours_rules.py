"""Admins' opening-hour rules: periods that shorten or lengthen, the weekly default, the
shortened-day check, previews beyond 60 days, and one test per row of the precedence table."""
from datetime import date, datetime, time

import pytest

from kundweb.audit.models import AuditEvent
from kundweb.audit.services import Actor
from kundweb.extensions import db
from kundweb.hours import calendar as cal
from kundweb.hours import services
from tests.conftest import csrf_token

ADMIN = Actor("david", frozenset({"admin"}))
SUMMER = "/api/v1/opening-hours?from=2027-06-28&to=2027-08-06"
DECEMBER = datetime.fromisoformat("2026-12-04T09:00:00+01:00")


def _period_form(client, **values):
    form = {"period-starts_on": "2027-06-28", "period-ends_on": "2027-08-06", "period-opens": "08:00",
            "period-closes": "16:00", "period-weekdays_only": "y", "period-note": "Sommartider",
            "period-csrf_token": csrf_token(client, "/admin/oppettider")}
    form.update(values)
    return form


def test_summer_hours_shorten_the_days_in_the_api(app, client, login_as):
    login_as("admin")
    saved = client.post("/admin/oppettider/perioder", data={**_period_form(client), "action": "save"})
    assert saved.status_code == 302
    days = client.get(SUMMER).json["days"]
    weekdays = [day for day in days if date.fromisoformat(day["date"]).weekday() < 5]
    assert len(weekdays) == 30
    assert all((d["open"], d["opens"], d["closes"], d["kind"], d["note"]) == (True, "08:00", "16:00", "shortened",
                                                                                 "Sommartider") for d in weekdays)
    assert all(not d["open"] for d in days if date.fromisoformat(d["date"]).weekday() >= 5)


def test_period_preview_far_ahead_lists_every_day_it_changes(app, client, login_as):
    login_as("admin")
    response = client.post("/admin/oppettider/perioder", data={**_period_form(client), "action": "preview"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "30 dagar ändras mellan" in html and "fredag 6 augusti 2027" in html and "måndag 28 juni 2027" in html
    assert client.get(SUMMER).json["days"][0]["closes"] == "17:00"  # nothing saved


def test_preview_of_a_period_a_year_ahead_covers_the_period(app, app_context):
    candidate = services.PeriodInput(date(2027, 6, 28), date(2027, 8, 6), None, time(16, 0), True, "Sommartider")
    result = services.preview(date(2026, 12, 4), period=candidate, now=DECEMBER)
    assert result.last == date(2027, 8, 6)
    assert [after.date for _, after in result.changes][0] == date(2027, 6, 28) and len(result.changes) == 30
    later = services.PeriodInput(date(2028, 6, 26), date(2028, 8, 4), None, time(16, 0), True, None)
    result = services.preview(date(2026, 12, 4), period=later, now=DECEMBER)
    assert (result.first, result.last) == (date(2028, 6, 26), date(2028, 8, 4)) and len(result.changes) == 30


@pytest.mark.parametrize("closes, message", [
    ("19:00", "En förkortad dag måste stänga före dagens ordinarie stängning 17.00."),
    ("17:00", "En förkortad dag måste stänga före dagens ordinarie stängning 17.00."),
])
def test_a_shortened_day_must_close_earlier_than_usual(app, client, login_as, closes, message):
    login_as("admin")
    form = {"exception-day": "2027-03-03", "exception-kind": "shortened", "exception-opens": "",
            "exception-closes": closes, "exception-note": "", "exception-csrf_token": csrf_token(client, "/admin/oppettider")}
    for action in ("preview", "save"):
        response = client.post("/admin/oppettider/undantag", data={**form, "action": action})
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    assert client.get("/api/v1/opening-hours?from=2027-03-03&to=2027-03-03").json["days"][0]["closes"] == "17:00"


def test_a_shortened_exception_on_a_closed_day_is_refused(app, app_context):
    with pytest.raises(services.HoursError, match="redan stängd"):
        services.add_exception(ADMIN, services.ExceptionInput(date(2027, 3, 6), "shortened", None, time(12, 0), None))


def test_a_shortened_day_within_a_longer_period_is_measured_against_the_period(app, app_context):
    services.add_period(ADMIN, services.PeriodInput(date(2027, 3, 1), date(2027, 3, 31), None, time(19, 0), True, None))
    services.add_exception(ADMIN, services.ExceptionInput(date(2027, 3, 3), "shortened", None, time(18, 0), None))
    assert services.calendar_between(date(2027, 3, 3), date(2027, 3, 3))[0].closes == time(18, 0)


def _weekly_form(client, **overrides):
    form = {"weekly-csrf_token": csrf_token(client, "/admin/oppettider")}
    for index in range(7):
        if index < 5:
            form[f"weekly-day{index}_opens"], form[f"weekly-day{index}_closes"] = "08:00", "17:00"
        else:
            form[f"weekly-day{index}_closed"] = "y"
    form.update(overrides)
    return form


def test_admin_changes_the_weekly_default_with_a_preview_and_it_is_audited(app, client, login_as):
    login_as("admin")
    # Fridays 08–14, Saturdays 10–14.
    form = _weekly_form(client, **{"weekly-day4_closes": "14:00", "weekly-day5_opens": "10:00",
                                   "weekly-day5_closes": "14:00"})
    form.pop("weekly-day5_closed")
    preview = client.post("/admin/oppettider/veckoschema", data={**form, "action": "preview"})
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "Förhandsgranskning: ordinarie veckoschema" in html and "dagar ändras mellan" in html
    assert client.get("/api/v1/opening-hours?from=2027-03-05&to=2027-03-05").json["days"][0]["closes"] == "17:00"
    saved = client.post("/admin/oppettider/veckoschema", data={**form, "action": "save"})
    assert saved.status_code == 302
    days = {d["date"]: d for d in client.get("/api/v1/opening-hours?from=2027-03-05&to=2027-03-08").json["days"]}
    assert (days["2027-03-05"]["closes"], days["2027-03-05"]["kind"]) == ("14:00", "normal")  # Fri
    assert (days["2027-03-06"]["opens"], days["2027-03-06"]["closes"]) == ("10:00", "14:00")  # Sat
    assert days["2027-03-07"]["open"] is False  # Sun
    assert (days["2027-03-08"]["opens"], days["2027-03-08"]["closes"]) == ("08:00", "17:00")  # Mon
    with app.app_context():
        event = db.session.scalars(db.select(AuditEvent).filter_by(action="hours.weekly_changed")).one()
        assert event.actor == "david"
        assert event.details["before"]["Fredag"] == ["08:00", "17:00"]
        assert event.details["after"]["Fredag"] == ["08:00", "14:00"] and event.details["after"]["Söndag"] is None


@pytest.mark.parametrize("overrides, message", [
    ({"weekly-day0_opens": ""}, "Ange öppnings- och stängningstid för måndag, eller kryssa i Stängt."),
    ({"weekly-day1_opens": "17:00", "weekly-day1_closes": "08:00"}, "Stängningstiden måste vara senare"),
    ({f"weekly-day{i}_closed": "y" for i in range(5)}, "Minst en veckodag måste vara öppen."),
])
def test_bad_weekly_defaults_are_refused_and_nothing_saved(app, client, login_as, overrides, message):
    login_as("admin")
    response = client.post("/admin/oppettider/veckoschema", data={**_weekly_form(client, **overrides), "action": "save"})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    with app.app_context():
        assert services.weekly_hours()[0] == (time(8, 0), time(17, 0))
        assert db.session.scalars(db.select(AuditEvent).filter_by(action="hours.weekly_changed")).all() == []


@pytest.mark.parametrize("role", ["employee", "agent", "communicator"])
def test_only_admins_change_the_weekly_default(client, login_as, role):
    login_as(role)
    response = client.post("/admin/oppettider/veckoschema", data={"action": "save",
                                                                   "weekly-csrf_token": csrf_token(client, "/")})
    assert response.status_code == 403


# --- the precedence table (README "Opening hours", kundweb/hours/calendar.py), one test per row ---

def at(text):
    return datetime.fromisoformat(text)


def hours(day, rules):
    result = cal.day_hours(date.fromisoformat(day), rules)
    return (result.kind, result.opens, result.closes)


STORM = cal.CrisisExtension(at("2027-03-01T00:00+01:00"), None, time(7, 0), time(21, 0), "Kris")
EVENINGS = cal.ExtendedPeriod(date(2027, 3, 1), date(2027, 4, 30), None, time(19, 0), "Kvällsöppet")
SUMMER_HOURS = cal.ExtendedPeriod(date(2027, 3, 1), date(2027, 4, 30), None, time(16, 0), "Sommartider")
SHORT_FRIDAYS = (*((time(8, 0), time(17, 0)),) * 4, (time(8, 0), time(14, 0)), None, None)


def test_row1_an_exception_beats_everything():
    rules = cal.HoursRules(crisis_extensions=(STORM,), extended_periods=(EVENINGS,),
                           exceptions=(cal.DayException(date(2027, 3, 3), "closed", note="Strömavbrott"),))
    assert hours("2027-03-03", rules) == ("closed", None, None)


def test_row2_a_crisis_beats_holiday_eve_period_and_week_but_only_on_its_days():
    limited = cal.CrisisExtension(STORM.starts_at, None, time(7, 0), time(21, 0), "Kris",
                                  last_day=date(2027, 3, 26), holidays=True)
    rules = cal.HoursRules(crisis_extensions=(limited,), extended_periods=(SUMMER_HOURS,), weekly=SHORT_FRIDAYS)
    assert hours("2027-03-26", rules) == ("extended", time(7, 0), time(21, 0))  # Långfredagen, holidays ticked
    assert hours("2027-03-25", rules) == ("extended", time(7, 0), time(21, 0))  # Skärtorsdagen, an eve
    assert hours("2027-03-30", rules) == ("shortened", time(8, 0), time(16, 0))  # Tue after its last day


def test_row3_a_holiday_is_closed_even_within_a_period_and_an_unticked_crisis():
    rules = cal.HoursRules(crisis_extensions=(STORM,), extended_periods=(
        cal.ExtendedPeriod(date(2027, 3, 1), date(2027, 4, 30), None, time(19, 0), weekdays_only=False),))
    assert hours("2027-03-26", rules) == ("closed", None, None)  # Långfredagen


def test_row4_an_eve_closes_early_unless_a_longer_period_says_later():
    assert hours("2027-03-25", cal.HoursRules(extended_periods=(SUMMER_HOURS,))) == (
        "shortened", time(8, 0), time(15, 0))
    assert hours("2027-03-25", cal.HoursRules(extended_periods=(EVENINGS,))) == ("extended", time(8, 0), time(19, 0))


def test_row5_a_period_replaces_the_weekly_hours_shorter_or_longer():
    assert hours("2027-03-03", cal.HoursRules(extended_periods=(SUMMER_HOURS,))) == (
        "shortened", time(8, 0), time(16, 0))
    assert hours("2027-03-05", cal.HoursRules(extended_periods=(EVENINGS,), weekly=SHORT_FRIDAYS)) == (
        "extended", time(8, 0), time(19, 0))
    assert hours("2027-03-06", cal.HoursRules(extended_periods=(EVENINGS,))) == ("closed", None, None)  # Sat


def test_row6_the_weekly_default_per_weekday():
    rules = cal.HoursRules(weekly=SHORT_FRIDAYS)
    assert hours("2027-03-04", rules) == ("normal", time(8, 0), time(17, 0))
    assert hours("2027-03-05", rules) == ("normal", time(8, 0), time(14, 0))
    assert hours("2027-03-06", rules) == ("closed", None, None)

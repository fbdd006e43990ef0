"""Kundcenter opening hours: holidays, eves, admin rules, crises, open-now status, digital channels.

Expected values are worked out by hand from the 2026 and 2027 calendars; the weekday of
each date is in a comment. DST: summer time starts 2026-03-29, ends 2026-10-25.
"""
from datetime import date, datetime, time, timedelta, timezone

import pytest

from kundweb.hours.calendar import (
    CrisisExtension,
    DayException,
    DayHours,
    ExtendedPeriod,
    HoursRules,
    MaintenanceWindow,
    calendar,
    closed_holidays,
    day_hours,
    digital_channels_status,
    status_at,
)

RULES = HoursRules()
CET = timezone(timedelta(hours=1))  # Swedish winter time
CEST = timezone(timedelta(hours=2))  # Swedish summer time
D = date.fromisoformat


def at(text):
    """An aware datetime from ISO text with offset."""
    return datetime.fromisoformat(text)


def hours_of(day, rules=RULES):
    """(kind, opens, closes, note) as "HH:MM" strings, the way the API shows them."""
    api = day_hours(D(day), rules).to_api()
    return api["kind"], api["opens"], api["closes"], api["note"]


HOLIDAYS = [
    ("2026-01-01", "Nyårsdagen"),  # Thu
    ("2026-01-06", "Trettondedag jul"),  # Tue
    ("2026-04-03", "Långfredagen"),  # Fri (Easter Sunday is 5 April)
    ("2026-04-05", "Påskdagen"),  # Sun
    ("2026-04-06", "Annandag påsk"),  # Mon
    ("2026-05-01", "Första maj"),  # Fri
    ("2026-05-14", "Kristi himmelsfärdsdag"),  # Thu (Easter + 39)
    ("2026-05-24", "Pingstdagen"),  # Sun (Easter + 49)
    ("2026-06-06", "Nationaldagen"),  # Sat
    ("2026-06-19", "Midsommarafton"),  # Fri, de facto
    ("2026-06-20", "Midsommardagen"),  # Sat
    ("2026-10-31", "Alla helgons dag"),  # Sat
    ("2026-12-24", "Julafton"),  # Thu, de facto
    ("2026-12-25", "Juldagen"),  # Fri
    ("2026-12-26", "Annandag jul"),  # Sat
    ("2026-12-31", "Nyårsafton"),  # Thu, de facto
    ("2027-01-01", "Nyårsdagen"),  # Fri
    ("2027-01-06", "Trettondedag jul"),  # Wed
    ("2027-03-26", "Långfredagen"),  # Fri (Easter Sunday is 28 March)
    ("2027-03-28", "Påskdagen"),  # Sun
    ("2027-03-29", "Annandag påsk"),  # Mon
    ("2027-05-01", "Första maj"),  # Sat
    ("2027-05-06", "Kristi himmelsfärdsdag"),  # Thu
    ("2027-05-16", "Pingstdagen"),  # Sun
    ("2027-06-06", "Nationaldagen"),  # Sun
    ("2027-06-25", "Midsommarafton"),  # Fri, de facto
    ("2027-06-26", "Midsommardagen"),  # Sat
    ("2027-11-06", "Alla helgons dag"),  # Sat
    ("2027-12-24", "Julafton"),  # Fri, de facto
    ("2027-12-25", "Juldagen"),  # Sat
    ("2027-12-26", "Annandag jul"),  # Sun
    ("2027-12-31", "Nyårsafton"),  # Fri, de facto
]


@pytest.mark.parametrize("day, name", HOLIDAYS)
def test_holidays_are_closed_with_their_swedish_name(day, name):
    assert hours_of(day) == ("closed", None, None, name)


@pytest.mark.parametrize("year", [2026, 2027])
def test_no_other_day_is_a_holiday(year):
    # Guards against Sundays ("Söndag") or bank half-days sneaking into the closed list.
    expected = {D(day) for day, _ in HOLIDAYS if day.startswith(str(year))}
    assert set(closed_holidays(year)) == expected


@pytest.mark.parametrize("day, note", [
    ("2026-01-05", "Trettondagsafton"),  # Mon before Trettondedag jul
    ("2026-04-02", "Skärtorsdagen"),  # Thu before Långfredagen
    ("2026-04-30", "Valborgsmässoafton"),  # Thu before Första maj
    ("2026-05-13", "Dag före Kristi himmelsfärdsdag"),  # Wed
    ("2026-06-05", "Dag före nationaldagen"),  # Fri; Nationaldagen is Sat 6 June
    ("2026-06-18", "Dag före midsommarafton"),  # Thu
    ("2026-10-30", "Allhelgonaafton"),  # Fri; Alla helgons dag is Sat 31 Oct
    ("2026-12-23", "Dag före julafton"),  # Wed
    ("2026-12-30", "Dag före nyårsafton"),  # Wed
    ("2027-01-05", "Trettondagsafton"),  # Tue
    ("2027-03-25", "Skärtorsdagen"),  # Thu
    ("2027-04-30", "Valborgsmässoafton"),  # Fri; Första maj is Sat
    ("2027-05-05", "Dag före Kristi himmelsfärdsdag"),  # Wed
    ("2027-06-24", "Dag före midsommarafton"),  # Thu
    ("2027-11-05", "Allhelgonaafton"),  # Fri; Alla helgons dag is Sat 6 Nov
    ("2027-12-23", "Dag före julafton"),  # Thu
    ("2027-12-30", "Dag före nyårsafton"),  # Thu
])
def test_weekday_before_a_holiday_closes_early(day, note):
    assert hours_of(day) == ("shortened", "08:00", "15:00", note)


@pytest.mark.parametrize("day, expected", [
    ("2026-01-02", ("normal", "08:00", "17:00", None)),  # Fri after Nyårsdagen
    ("2026-01-07", ("normal", "08:00", "17:00", None)),  # Wed
    ("2026-04-07", ("normal", "08:00", "17:00", None)),  # Tue after Annandag påsk
    ("2026-05-22", ("normal", "08:00", "17:00", None)),  # Fri; Sat 23 (pingstafton) is no closed holiday
    ("2027-05-14", ("normal", "08:00", "17:00", None)),  # Fri; Pingstdagen is Sun 16 May
    ("2026-01-10", ("closed", None, None, None)),  # Sat
    ("2026-01-11", ("closed", None, None, None)),  # Sun: no "Söndag" note
    ("2026-04-04", ("closed", None, None, None)),  # Sat before Påskdagen: a weekend is no eve
    ("2026-05-23", ("closed", None, None, None)),  # Sat before Pingstdagen
    ("2027-06-05", ("closed", None, None, None)),  # Sat before Nationaldagen (Sun)
    ("2027-03-27", ("closed", None, None, None)),  # Sat before Påskdagen
])
def test_ordinary_weekdays_and_weekends(day, expected):
    assert hours_of(day) == expected


def test_early_close_is_configurable():
    rules = HoursRules(early_close=time(14, 0))
    assert hours_of("2026-04-02", rules) == ("shortened", "08:00", "14:00", "Skärtorsdagen")  # Thu


def test_to_api_matches_the_contract():
    assert day_hours(D("2026-01-05"), RULES).to_api() == {  # Mon
        "date": "2026-01-05", "open": True, "opens": "08:00", "closes": "15:00",
        "kind": "shortened", "note": "Trettondagsafton",
    }
    assert day_hours(D("2026-01-06"), RULES).to_api() == {  # Tue
        "date": "2026-01-06", "open": False, "opens": None, "closes": None,
        "kind": "closed", "note": "Trettondedag jul",
    }


# --- extended periods ------------------------------------------------------------------

JANUARY_EVENINGS = ExtendedPeriod(D("2026-01-12"), D("2026-01-18"), None, time(18, 0), "Deklarationsveckan")


@pytest.mark.parametrize("period, day, expected", [
    (JANUARY_EVENINGS, "2026-01-14", ("extended", "08:00", "18:00", "Deklarationsveckan")),  # Wed
    (JANUARY_EVENINGS, "2026-01-12", ("extended", "08:00", "18:00", "Deklarationsveckan")),  # Mon, first day
    (JANUARY_EVENINGS, "2026-01-17", ("closed", None, None, None)),  # Sat: weekdays only
    (JANUARY_EVENINGS, "2026-01-19", ("normal", "08:00", "17:00", None)),  # Mon, after the period
    # A period sets the hours: earlier opening and earlier closing both hold.
    (ExtendedPeriod(D("2026-01-12"), D("2026-01-16"), time(7, 0), time(16, 0)), "2026-01-13",  # Tue
     ("extended", "07:00", "16:00", None)),
    # Saturday opening when weekdays_only is off.
    (ExtendedPeriod(D("2026-01-17"), D("2026-01-17"), time(10, 0), time(14, 0), "Lördagsöppet", weekdays_only=False),
     "2026-01-17", ("extended", "10:00", "14:00", "Lördagsöppet")),  # Sat
    # On an eve the period wins when it closes later; its note replaces the eve's only if it has one.
    (ExtendedPeriod(D("2026-03-30"), D("2026-04-10"), None, time(18, 0), "Påskveckan"), "2026-04-02",  # Thu
     ("extended", "08:00", "18:00", "Påskveckan")),
    (ExtendedPeriod(D("2026-03-30"), D("2026-04-10"), None, time(18, 0)), "2026-04-02",
     ("extended", "08:00", "18:00", "Skärtorsdagen")),
    # A shorter period on an eve: the earlier of the two closing times.
    (ExtendedPeriod(D("2026-03-30"), D("2026-04-10"), None, time(14, 0), "Påskveckan"), "2026-04-02",
     ("shortened", "08:00", "14:00", "Skärtorsdagen")),
    # A period never opens a holiday, not even with weekdays_only off.
    (ExtendedPeriod(D("2026-03-30"), D("2026-04-10"), time(9, 0), time(18, 0), "Påskveckan", weekdays_only=False),
     "2026-04-03", ("closed", None, None, "Långfredagen")),  # Fri
    (ExtendedPeriod(D("2026-03-30"), D("2026-04-10"), time(9, 0), time(18, 0), "Påskveckan", weekdays_only=False),
     "2026-04-05", ("closed", None, None, "Påskdagen")),  # Sun
])
def test_extended_periods(period, day, expected):
    assert hours_of(day, HoursRules(extended_periods=(period,))) == expected


# --- single-day exceptions ---------------------------------------------------------------

@pytest.mark.parametrize("exception, expected", [
    (DayException(D("2026-01-07"), "closed", note="Personaldag"), ("closed", None, None, "Personaldag")),  # Wed
    (DayException(D("2026-01-06"), "normal"), ("normal", "08:00", "17:00", None)),  # Tue, a holiday opened
    (DayException(D("2026-01-08"), "shortened", note="Utbildning"), ("shortened", "08:00", "15:00", "Utbildning")),
    (DayException(D("2026-01-05"), "normal"), ("normal", "08:00", "17:00", None)),  # Mon, eve made normal
    (DayException(D("2026-01-11"), "extended", time(9, 0), time(13, 0), "Valdag"),  # Sun
     ("extended", "09:00", "13:00", "Valdag")),
])
def test_exception_replaces_the_day(exception, expected):
    assert hours_of(exception.day.isoformat(), HoursRules(exceptions=(exception,))) == expected


def test_exception_beats_crisis_and_period():
    rules = HoursRules(
        extended_periods=(JANUARY_EVENINGS,),
        crisis_extensions=(CrisisExtension(at("2026-01-13T06:00+01:00"), None, None, time(20, 0), "Kris"),),
        exceptions=(DayException(D("2026-01-14"), "closed", note="Strömavbrott"),),
    )
    assert hours_of("2026-01-14", rules) == ("closed", None, None, "Strömavbrott")  # Wed
    assert hours_of("2026-01-15", rules) == ("extended", "08:00", "20:00", "Kris")  # Thu: crisis beats period


@pytest.mark.parametrize("kwargs", [
    {"kind": "open"},  # unknown kind
    {"kind": "extended"},  # extended without a closing time
    {"kind": "normal", "opens": time(17, 0), "closes": time(8, 0)},  # closes before opening
])
def test_invalid_exceptions_are_refused(kwargs):
    with pytest.raises(ValueError):
        DayException(D("2026-01-07"), **kwargs)


def test_invalid_rules_are_refused():
    with pytest.raises(ValueError):
        ExtendedPeriod(D("2026-01-16"), D("2026-01-12"), None, time(18, 0))
    with pytest.raises(ValueError):
        HoursRules(early_close=time(18, 0))
    with pytest.raises(ValueError):
        CrisisExtension(datetime(2026, 1, 11, 8, 0), None, None, time(16, 0))  # naive


# --- crisis extensions ---------------------------------------------------------------------

WATER_CRISIS = CrisisExtension(at("2026-01-11T06:00+01:00"), at("2026-01-12T00:00+01:00"),
                               time(10, 0), time(16, 0), "Vattenläcka")


@pytest.mark.parametrize("crisis, day, expected", [
    (WATER_CRISIS, "2026-01-11", ("extended", "10:00", "16:00", "Vattenläcka")),  # Sun opened
    (WATER_CRISIS, "2026-01-10", ("closed", None, None, None)),  # Sat, before the crisis
    (WATER_CRISIS, "2026-01-12", ("normal", "08:00", "17:00", None)),  # Mon: the crisis ended at midnight
    # Open-ended crisis on a normal weekday: opens as usual, closes later.
    (CrisisExtension(at("2026-01-13T09:00+01:00"), None, None, time(20, 0), "Storm"), "2026-01-14",
     ("extended", "08:00", "20:00", "Storm")),  # Wed
    # A crisis never shortens a day.
    (CrisisExtension(at("2026-01-13T09:00+01:00"), None, time(9, 0), time(16, 0), "Storm"), "2026-01-14",
     ("normal", "08:00", "17:00", None)),
    # A crisis opens a holiday only when the communicator ticked "gäller även helgdagar".
    (CrisisExtension(at("2026-04-01T12:00+02:00"), None, None, time(14, 0), "Översvämning", holidays=True),
     "2026-04-03", ("extended", "08:00", "14:00", "Översvämning")),  # Fri, Långfredagen
    (CrisisExtension(at("2026-04-01T12:00+02:00"), None, None, time(14, 0), "Översvämning"), "2026-04-03",
     ("closed", None, None, "Långfredagen")),
    # Given in UTC: 23:30Z on Sun 11 Jan is 00:30 on Mon 12 Jan in Luleå.
    (CrisisExtension(at("2026-01-11T23:30+00:00"), None, None, time(19, 0), "Brand"), "2026-01-11",
     ("closed", None, None, None)),
    (CrisisExtension(at("2026-01-11T23:30+00:00"), None, None, time(19, 0), "Brand"), "2026-01-12",
     ("extended", "08:00", "19:00", "Brand")),
    # Only on its days: first_day..last_day.
    (CrisisExtension(at("2026-01-13T09:00+01:00"), None, None, time(20, 0), "Storm", first_day=D("2026-01-15"),
                     last_day=D("2026-01-16")), "2026-01-14", ("normal", "08:00", "17:00", None)),
    (CrisisExtension(at("2026-01-13T09:00+01:00"), None, None, time(20, 0), "Storm", first_day=D("2026-01-15"),
                     last_day=D("2026-01-16")), "2026-01-16", ("extended", "08:00", "20:00", "Storm")),
    # Cut at its end, in whole minutes: ended 12:00:30 on Wednesday leaves 07:00–12:00 of it.
    (CrisisExtension(at("2026-01-13T09:00+01:00"), at("2026-01-14T12:00:30+01:00"), time(7, 0), time(20, 0), "Storm"),
     "2026-01-14", ("extended", "07:00", "17:00", "Storm")),
    # The night clocks go forward (Sun 29 Mar 2026): ended 10:00 summer time, so 07–10 that Sunday.
    (CrisisExtension(at("2026-03-28T09:00+01:00"), at("2026-03-29T10:00+02:00"), time(7, 0), time(20, 0), "Storm"),
     "2026-03-29", ("extended", "07:00", "10:00", "Storm")),
])
def test_crisis_extensions(crisis, day, expected):
    assert hours_of(day, HoursRules(crisis_extensions=(crisis,))) == expected


def test_crisis_that_does_not_reach_past_a_longer_period_leaves_the_period():
    crisis = CrisisExtension(at("2026-01-13T09:00+01:00"), None, None, time(17, 30), "Storm")
    rules = HoursRules(extended_periods=(JANUARY_EVENINGS,), crisis_extensions=(crisis,))
    assert hours_of("2026-01-14", rules) == ("extended", "08:00", "18:00", "Deklarationsveckan")  # Wed


def test_crisis_on_a_sunday_makes_kundcenter_open_now():
    status = status_at(at("2026-01-11T12:00+01:00"), HoursRules(crisis_extensions=(WATER_CRISIS,)))  # Sun
    assert (status.open, status.closes_at, status.next_open) == (True, at("2026-01-11T16:00+01:00"), None)


# --- calendar ranges -----------------------------------------------------------------------

def test_calendar_lists_each_day_inclusive():
    days = calendar(D("2026-01-01"), D("2026-01-07"), RULES)  # Thu .. Wed
    assert [(d.date.isoformat(), d.kind, d.note) for d in days] == [
        ("2026-01-01", "closed", "Nyårsdagen"),  # Thu
        ("2026-01-02", "normal", None),  # Fri
        ("2026-01-03", "closed", None),  # Sat
        ("2026-01-04", "closed", None),  # Sun
        ("2026-01-05", "shortened", "Trettondagsafton"),  # Mon
        ("2026-01-06", "closed", "Trettondedag jul"),  # Tue
        ("2026-01-07", "normal", None),  # Wed
    ]


@pytest.mark.parametrize("start, end, count", [
    ("2026-01-07", "2026-01-07", 1),
    ("2026-01-01", "2027-01-01", 366),  # 365 days of 2026 plus New Year's Day 2027
    ("2028-01-01", "2028-12-31", 366),  # a whole leap year
])
def test_calendar_accepts_up_to_366_days(start, end, count):
    assert len(calendar(D(start), D(end), RULES)) == count


@pytest.mark.parametrize("start, end, message", [
    ("2026-01-07", "2026-01-06", "Slutdatumet får inte vara före startdatumet."),
    ("2026-01-01", "2027-01-02", "Perioden får vara högst 366 dagar."),  # 367 days
])
def test_calendar_refuses_bad_ranges_in_swedish(start, end, message):
    with pytest.raises(ValueError) as error:
        calendar(D(start), D(end), RULES)
    assert str(error.value) == message


def test_holiday_tables_are_cached_per_year():
    calendar(D("2026-01-01"), D("2026-12-31"), RULES)
    before = closed_holidays.cache_info()
    calendar(D("2026-01-01"), D("2026-12-31"), RULES)
    after = closed_holidays.cache_info()
    assert after.misses == before.misses and after.hits > before.hits


# --- open now ------------------------------------------------------------------------------

@pytest.mark.parametrize("now, expected", [
    # Wed, open: closes today.
    ("2026-01-14T10:00+01:00", (True, "2026-01-14T17:00:00+01:00", None)),
    # Wed at 17:00 sharp: closed, next opening Thursday.
    ("2026-01-14T17:00+01:00", (False, None, "2026-01-15T08:00:00+01:00")),
    # Wed 07:59: opens at 08:00 today.
    ("2026-01-14T07:59+01:00", (False, None, "2026-01-14T08:00:00+01:00")),
    # Fri evening: next opening Monday 08:00.
    ("2026-01-09T17:30+01:00", (False, None, "2026-01-12T08:00:00+01:00")),
    # Given in UTC: 09:00Z on Wed 14 Jan is 10:00 in Luleå.
    ("2026-01-14T09:00+00:00", (True, "2026-01-14T17:00:00+01:00", None)),
    # Skärtorsdagen (Thu) before its early close, then after it: closed until Tue after Annandag påsk.
    ("2026-04-02T14:00+02:00", (True, "2026-04-02T15:00:00+02:00", None)),
    ("2026-04-02T15:30+02:00", (False, None, "2026-04-07T08:00:00+02:00")),
    # Christmas: Wed 23 Dec after 15:00 → Mon 28 Dec; Wed 30 Dec after 15:00 → Mon 4 Jan 2027.
    ("2026-12-23T15:00+01:00", (False, None, "2026-12-28T08:00:00+01:00")),
    ("2026-12-30T16:00+01:00", (False, None, "2027-01-04T08:00:00+01:00")),
    # DST starts Sun 29 Mar: Friday evening in winter time → Monday in summer time.
    ("2026-03-27T18:00+01:00", (False, None, "2026-03-30T08:00:00+02:00")),
    ("2026-03-29T12:00+02:00", (False, None, "2026-03-30T08:00:00+02:00")),  # Sun
    ("2026-03-30T05:30+00:00", (False, None, "2026-03-30T08:00:00+02:00")),  # Mon 07:30 local
    ("2026-03-30T06:30+00:00", (True, "2026-03-30T17:00:00+02:00", None)),  # Mon 08:30 local
    # DST ends Sun 25 Oct: Friday in summer time → Monday in winter time.
    ("2026-10-23T17:00+02:00", (False, None, "2026-10-26T08:00:00+01:00")),  # Fri
    ("2026-10-25T02:30+01:00", (False, None, "2026-10-26T08:00:00+01:00")),  # Sun, the repeated hour
    ("2026-10-26T06:30+00:00", (False, None, "2026-10-26T08:00:00+01:00")),  # Mon 07:30 local
    ("2026-10-26T07:30+00:00", (True, "2026-10-26T17:00:00+01:00", None)),  # Mon 08:30 local
])
def test_status_at(now, expected):
    assert status_at(at(now), RULES).to_api() == dict(zip(("open", "closes_at", "next_open"), expected))


def test_status_times_are_in_stockholm_time():
    status = status_at(at("2026-01-14T09:00+00:00"), RULES)  # Wed
    assert status.closes_at.utcoffset() == CET.utcoffset(None)
    status = status_at(at("2026-06-10T09:00+00:00"), RULES)  # Wed
    assert status.closes_at.utcoffset() == CEST.utcoffset(None)


def test_status_without_any_opening_in_the_search_horizon():
    start = D("2026-01-14")  # Wed
    closed = tuple(DayException(start + timedelta(days=n), "closed") for n in range(402))
    assert status_at(at("2026-01-14T10:00+01:00"), HoursRules(exceptions=closed)).to_api() == {
        "open": False, "closes_at": None, "next_open": None,
    }


def test_status_refuses_naive_time():
    with pytest.raises(ValueError):
        status_at(datetime(2026, 1, 14, 10, 0), RULES)


def test_impossible_day_hours_are_refused():
    with pytest.raises(ValueError):
        DayHours(D("2026-01-14"), True, None, None, "normal")


# --- digital channels --------------------------------------------------------------------

UPGRADE = MaintenanceWindow(at("2026-02-07T22:00+01:00"), at("2026-02-08T02:00+01:00"), "Uppgradering")


@pytest.mark.parametrize("now, open_, window", [
    ("2026-01-11T03:00+01:00", True, None),  # Sun at night: digital channels never close by the clock
    ("2026-02-07T21:59+01:00", True, None),
    ("2026-02-07T22:00+01:00", False, UPGRADE),  # start is inside the window
    ("2026-02-07T23:30+00:00", False, UPGRADE),  # 00:30 local, given in UTC
    ("2026-02-08T02:00+01:00", True, None),  # end is outside the window
])
def test_digital_channels(now, open_, window):
    status = digital_channels_status(at(now), [UPGRADE])
    assert (status.open, status.window) == (open_, window)


def test_overlapping_maintenance_reports_the_window_ending_last():
    later = MaintenanceWindow(at("2026-02-08T01:00+01:00"), at("2026-02-08T05:00+01:00"), "Databasflytt")
    status = digital_channels_status(at("2026-02-08T01:30+01:00"), [UPGRADE, later])
    assert (status.open, status.window) == (False, later)

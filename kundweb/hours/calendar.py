"""Kundcenter's opening hours as pure functions: day calendar, open-now status, digital channels.

A day is built in layers, each working on the result of those before it (lowest first):
1. weekly default: Mon–Fri default_opens–default_closes ("normal"); Sat/Sun closed;
2. eve: a Mon–Fri before a closed holiday closes at early_close ("shortened", note = the eve);
3. holiday: public and de-facto holidays are closed (note = Swedish name), even on an eve;
4. extended period: widens a day still open after 1–3 to the earliest opening and latest
   closing of both ("extended"; on an eve it only wins if it closes later); with
   weekdays_only=False it also opens plain weekends, but it never opens a holiday;
5. crisis: widens every local date its interval touches and opens closed days too, weekends
   and holidays included (in a crisis Kundcenter is the information centre); pass only
   active crisis messages;
6. single-day exception: replaces the day outright (the first listed for a day wins).
So: exception > crisis > holiday closed > extended period > eve shortened > weekly default.
Dates and clock times are Europe/Stockholm; datetimes must be timezone-aware.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import Mapping
from zoneinfo import ZoneInfo

import holidays

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MAX_CALENDAR_DAYS = 366  # the R-API limit for one opening-hours request
NEXT_OPEN_SEARCH_DAYS = 400  # a year of closures plus margin; beyond that next_open is None
KINDS = ("normal", "shortened", "extended", "closed")

# Eves with a conventional Swedish name; any other eve is called "Dag före <holiday>".
EVE_NAMES = {
    "Trettondedag jul": "Trettondagsafton",
    "Långfredagen": "Skärtorsdagen",
    "Första maj": "Valborgsmässoafton",
    "Kristi himmelsfärdsdag": "Dag före Kristi himmelsfärdsdag",  # proper name keeps its capital
    "Alla helgons dag": "Allhelgonaafton",
}


def _require_aware(moment: datetime, what: str) -> None:
    """Refuse naive datetimes: a guessed timezone is wrong for half the year."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} måste ha en tidszon.")


def _require_order(opens: time | None, closes: time | None) -> None:
    """Refuse hours that close before (or when) they open."""
    if opens is not None and closes is not None and closes <= opens:
        raise ValueError("Stängningstiden måste vara senare än öppningstiden.")


@dataclass(frozen=True)
class ExtendedPeriod:
    """Admin rule: longer hours on the open days from start to end (both inclusive)."""
    start: date
    end: date
    opens: time | None
    closes: time
    note: str | None = None
    weekdays_only: bool = True

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError("Periodens slutdatum får inte vara före startdatumet.")
        _require_order(self.opens, self.closes)


@dataclass(frozen=True)
class DayException:
    """Admin rule: one day's hours, replacing everything else for that day."""
    day: date
    kind: str
    opens: time | None = None
    closes: time | None = None
    note: str | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"Okänd typ av öppettid: {self.kind}.")
        if self.kind == "extended" and self.closes is None:
            raise ValueError("Utökade öppettider behöver en stängningstid.")
        _require_order(self.opens, self.closes)


@dataclass(frozen=True)
class CrisisExtension:
    """An active crisis message's extension: at least opens–closes on each day it touches."""
    starts_at: datetime
    ends_at: datetime | None
    opens: time | None
    closes: time
    note: str | None = None

    def __post_init__(self):
        _require_aware(self.starts_at, "Krisens starttid")
        if self.ends_at is not None:
            _require_aware(self.ends_at, "Krisens sluttid")
            if self.ends_at <= self.starts_at:
                raise ValueError("Krisens sluttid måste vara senare än starttiden.")
        _require_order(self.opens, self.closes)

    def covers(self, day: date) -> bool:
        """True if the interval [starts_at, ends_at) overlaps the local date `day`."""
        day_start = datetime.combine(day, time(0), tzinfo=STOCKHOLM)
        next_start = datetime.combine(day + timedelta(days=1), time(0), tzinfo=STOCKHOLM)
        return self.starts_at < next_start and (self.ends_at is None or self.ends_at > day_start)


@dataclass(frozen=True)
class HoursRules:
    """Everything the calculation depends on, as plain immutable data."""
    early_close: time = time(15, 0)
    default_opens: time = time(8, 0)
    default_closes: time = time(17, 0)
    extended_periods: tuple = ()
    exceptions: tuple = ()
    crisis_extensions: tuple = ()

    def __post_init__(self):
        _require_order(self.default_opens, self.default_closes)
        _require_order(self.default_opens, self.early_close)
        if self.early_close > self.default_closes:
            raise ValueError("Tidig stängning får inte vara senare än ordinarie stängningstid.")


@dataclass(frozen=True)
class DayHours:
    """One day's opening hours; `opens`/`closes` are None when closed."""
    date: date
    open: bool
    opens: time | None
    closes: time | None
    kind: str
    note: str | None = None

    def __post_init__(self):
        # One central check, so no combination of rules can produce impossible hours.
        if self.open != (self.opens is not None and self.closes is not None):
            raise ValueError("Öppen dag kräver öppnings- och stängningstid, stängd dag inga.")
        _require_order(self.opens, self.closes)

    def to_api(self) -> dict:
        """The R-API `days[]` item."""
        return {
            "date": self.date.isoformat(),
            "open": self.open,
            "opens": self.opens.strftime("%H:%M") if self.opens else None,
            "closes": self.closes.strftime("%H:%M") if self.closes else None,
            "kind": self.kind,
            "note": self.note,
        }


@dataclass(frozen=True)
class OpenStatus:
    """Open now, and when it closes or next opens (aware, Europe/Stockholm)."""
    open: bool
    closes_at: datetime | None
    next_open: datetime | None

    def to_api(self) -> dict:
        """The R-API `/opening-hours/now` body."""
        return {
            "open": self.open,
            "closes_at": self.closes_at.isoformat() if self.closes_at else None,
            "next_open": self.next_open.isoformat() if self.next_open else None,
        }


@dataclass(frozen=True)
class MaintenanceWindow:
    """An announced interval [starts_at, ends_at) when the digital channels are down."""
    starts_at: datetime
    ends_at: datetime
    note: str | None = None

    def __post_init__(self):
        _require_aware(self.starts_at, "Driftfönstrets starttid")
        _require_aware(self.ends_at, "Driftfönstrets sluttid")
        if self.ends_at <= self.starts_at:
            raise ValueError("Driftfönstrets sluttid måste vara senare än starttiden.")


@dataclass(frozen=True)
class DigitalStatus:
    """Whether the digital channels are open, and the maintenance window closing them."""
    open: bool
    window: MaintenanceWindow | None


@lru_cache(maxsize=16)
def closed_holidays(year: int) -> Mapping[date, tuple[str, ...]]:
    """The year's closed holidays (public and de facto) with their Swedish names, cached."""
    table = holidays.country_holidays(
        "SE", years=year, language="sv", categories=("public", "de_facto"),
        include_sundays=False,  # otherwise every Sunday is a "holiday" named Söndag
    )
    # Read-only, because every caller shares the cached mapping.
    return MappingProxyType({day: tuple(table.get_list(day)) for day in table})


def _holiday_names(day: date) -> tuple[str, ...]:
    """Names of the closed holiday(s) on `day`; empty on other days."""
    return closed_holidays(day.year).get(day, ())


def _eve_name(holiday_names: tuple[str, ...]) -> str:
    """The note for the day before these holidays."""
    for name in holiday_names:
        if name in EVE_NAMES:
            return EVE_NAMES[name]
    name = holiday_names[0]
    return f"Dag före {name[0].lower()}{name[1:]}"  # holiday names are lower case mid-sentence


def _base_hours(day: date, rules: HoursRules) -> DayHours:
    """Layers 1–3: weekly default, eve shortening, holiday closing."""
    names = _holiday_names(day)
    if names:
        return DayHours(day, False, None, None, "closed", "; ".join(names))
    if day.weekday() >= 5:
        return DayHours(day, False, None, None, "closed", None)
    tomorrow = _holiday_names(day + timedelta(days=1))  # on 31 Dec this reads next year's table
    if tomorrow:
        eve = _eve_name(tomorrow)
        return DayHours(day, True, rules.default_opens, rules.early_close, "shortened", eve)
    return DayHours(day, True, rules.default_opens, rules.default_closes, "normal", None)


def _widen(hours: DayHours, opens: time | None, closes: time, note: str | None,
           rules: HoursRules) -> DayHours:
    """The day's hours extended to at least opens–closes; unchanged if that adds nothing."""
    if not hours.open:
        start = opens or rules.default_opens
        if closes <= start:  # e.g. a crisis ending its day before the usual opening: nothing to add
            return hours
        return DayHours(hours.date, True, start, closes, "extended", note)
    new_opens, new_closes = min(hours.opens, opens or hours.opens), max(hours.closes, closes)
    if (new_opens, new_closes) == (hours.opens, hours.closes):
        return hours
    note = note if note is not None else hours.note  # an eve keeps its name unless the rule has one
    return DayHours(hours.date, True, new_opens, new_closes, "extended", note)


def _exception_hours(exception: DayException, rules: HoursRules) -> DayHours:
    """Layer 6: an exception's own hours, defaults filled in by its kind."""
    if exception.kind == "closed":
        return DayHours(exception.day, False, None, None, "closed", exception.note)
    default_closes = rules.early_close if exception.kind == "shortened" else rules.default_closes
    return DayHours(
        exception.day, True, exception.opens or rules.default_opens,
        exception.closes or default_closes, exception.kind, exception.note,
    )


def day_hours(day: date, rules: HoursRules) -> DayHours:
    """Kundcenter's hours on one local date under `rules` (see the module docstring)."""
    for exception in rules.exceptions:
        if exception.day == day:
            return _exception_hours(exception, rules)
    hours = _base_hours(day, rules)
    for period in rules.extended_periods:
        opens_weekend = not period.weekdays_only and not _holiday_names(day)
        if period.start <= day <= period.end and (hours.open or opens_weekend):
            hours = _widen(hours, period.opens, period.closes, period.note, rules)
    for crisis in rules.crisis_extensions:
        if crisis.covers(day):
            hours = _widen(hours, crisis.opens, crisis.closes, crisis.note, rules)
    return hours


def calendar(start: date, end: date, rules: HoursRules) -> list[DayHours]:
    """Hours for each date from start to end inclusive; ValueError (Swedish text) on a bad range."""
    if end < start:
        raise ValueError("Slutdatumet får inte vara före startdatumet.")
    count = (end - start).days + 1
    if count > MAX_CALENDAR_DAYS:
        raise ValueError(f"Perioden får vara högst {MAX_CALENDAR_DAYS} dagar.")
    return [day_hours(start + timedelta(days=offset), rules) for offset in range(count)]


def _at(day: date, moment: time) -> datetime:
    # zoneinfo picks the offset valid on that date, so 08:00 is +01:00 in winter, +02:00 in summer.
    return datetime.combine(day, moment, tzinfo=STOCKHOLM)


def status_at(now: datetime, rules: HoursRules) -> OpenStatus:
    """Whether Kundcenter is open at aware `now`, with closes_at or next_open in Stockholm time."""
    _require_aware(now, "Tidpunkten")
    today = now.astimezone(STOCKHOLM).date()
    for offset in range(NEXT_OPEN_SEARCH_DAYS + 1):
        day = today + timedelta(days=offset)
        hours = day_hours(day, rules)
        if not hours.open:
            continue
        opens_at, closes_at = _at(day, hours.opens), _at(day, hours.closes)
        if opens_at <= now < closes_at:  # aware comparison: DST and the caller's zone just work
            return OpenStatus(True, closes_at, None)
        if now < opens_at:
            return OpenStatus(False, None, opens_at)
    return OpenStatus(False, None, None)


def digital_channels_status(now: datetime, windows) -> DigitalStatus:
    """Digital channels are open 00–24 except during a maintenance window covering `now`."""
    _require_aware(now, "Tidpunkten")
    active = [window for window in windows if window.starts_at <= now < window.ends_at]
    if not active:
        return DigitalStatus(True, None)
    # Of overlapping windows report the one ending last: that is when the channels reopen.
    return DigitalStatus(False, max(active, key=lambda window: window.ends_at))

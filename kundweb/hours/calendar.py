"""Kundcenter's opening hours as pure functions: day calendar, open-now status, digital channels.

A day is built in layers, each working on the result of those below it. Highest wins:

| # | Layer                   | What it does to the day                                                          |
|---|-------------------------|----------------------------------------------------------------------------------|
| 1 | single-day exception    | replaces the day outright (the first listed for a day wins)                      |
| 2 | crisis extension        | widens the day to at least its hours, but only on its chosen days, only within   |
|   |                         | [starts_at, ends_at) of its message (the rest of the day is the normal calendar), |
|   |                         | opens weekends, opens a holiday only when `holidays` is set; an interval that    |
|   |                         | would leave a gap (one opens/closes per day) is not shown                        |
| 3 | holiday                 | public and de-facto holidays are closed (note = Swedish name)                    |
| 4 | eve                     | an open day before a closed holiday closes at early_close at the latest          |
|   |                         | ("shortened", note = the eve) unless a period that lengthens the day says later  |
| 5 | period                  | replaces the weekly hours on its days, shorter or longer (summer hours 08–16,    |
|   |                         | evenings to 19); weekends only when not weekdays_only; never opens a holiday     |
| 6 | weekly default          | per weekday opens–closes or closed (default Mon–Fri 08–17, Sat/Sun closed)       |

Kinds: "normal" = the weekly default; "shortened"/"extended" = shorter/longer than it.
Lunch closing is not modelled: the public API has one opens/closes per day.
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
    """Admin rule: other hours, longer or shorter, on the open days from start to end (both inclusive)."""
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
    """A crisis message's extension: at least opens–closes on its days, while the message is active.

    first_day..last_day (inclusive, None = unbounded) are the days the communicator chose, or
    the service's default horizon; holidays stay closed unless `holidays` is set.
    """
    starts_at: datetime
    ends_at: datetime | None
    opens: time | None
    closes: time
    note: str | None = None
    first_day: date | None = None
    last_day: date | None = None
    holidays: bool = False

    def __post_init__(self):
        _require_aware(self.starts_at, "Krisens starttid")
        if self.ends_at is not None:
            _require_aware(self.ends_at, "Krisens sluttid")
            if self.ends_at <= self.starts_at:
                raise ValueError("Krisens sluttid måste vara senare än starttiden.")
        _require_order(self.opens, self.closes)
        if self.first_day and self.last_day and self.last_day < self.first_day:
            raise ValueError("Sista dagen för de utökade öppettiderna får inte vara före den första.")

    def interval_on(self, day: date, usual_opens: time) -> tuple[time, time] | None:
        """The local opens–closes this extension adds on `day`, cut to [starts_at, ends_at); None if nothing."""
        if (self.first_day and day < self.first_day) or (self.last_day and day > self.last_day):
            return None
        if _holiday_names(day) and not self.holidays:
            return None
        opens_at = max(_at(day, self.opens or usual_opens), self.starts_at)
        closes_at = _at(day, self.closes)
        if self.ends_at is not None:
            closes_at = min(closes_at, self.ends_at)  # ended at 02.15: nothing is left of the day
        if closes_at <= opens_at:
            return None
        # Whole minutes, rounded inwards, so the published hours never claim a minute too many.
        opens = _ceil_minute(opens_at.astimezone(STOCKHOLM)).time()
        closes = closes_at.astimezone(STOCKHOLM).replace(second=0, microsecond=0).time()
        if opens_at.astimezone(STOCKHOLM).date() != day or closes <= opens:
            return None
        return opens, closes


def _ceil_minute(moment: datetime) -> datetime:
    if moment.second or moment.microsecond:
        return moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return moment


@dataclass(frozen=True)
class HoursRules:
    """Everything the calculation depends on, as plain immutable data."""
    early_close: time = time(15, 0)
    default_opens: time = time(8, 0)
    default_closes: time = time(17, 0)
    extended_periods: tuple = ()
    exceptions: tuple = ()
    crisis_extensions: tuple = ()
    # Monday..Sunday: (opens, closes), or None for a closed weekday; None = the default week.
    weekly: tuple | None = None

    def __post_init__(self):
        _require_order(self.default_opens, self.default_closes)
        _require_order(self.default_opens, self.early_close)
        if self.early_close > self.default_closes:
            raise ValueError("Tidig stängning får inte vara senare än ordinarie stängningstid.")
        if self.weekly is not None:
            if len(self.weekly) != 7:
                raise ValueError("Veckoschemat behöver sju dagar.")
            for hours in self.weekly:
                if hours is not None:
                    _require_order(*hours)

    def weekday_hours(self, weekday: int) -> tuple[time, time] | None:
        """The weekly default for Monday=0..Sunday=6: (opens, closes), or None when closed."""
        if self.weekly is not None:
            return self.weekly[weekday]
        return (self.default_opens, self.default_closes) if weekday < 5 else None


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


def _kind(hours: tuple[time, time], usual: tuple[time, time] | None) -> str:
    """normal / extended / shortened, compared with the weekday's default hours."""
    if usual is None or hours == usual:
        return "normal" if usual is not None else "extended"
    opens, closes = hours
    if opens < usual[0] or closes > usual[1]:
        return "extended"  # longer at either end: someone can come when they could not before
    return "shortened"


def _period_for(day: date, usual: tuple[time, time] | None, rules: HoursRules) -> ExtendedPeriod | None:
    """The last listed period that applies on `day` (layer 5), or None."""
    chosen = None
    for period in rules.extended_periods:
        if period.start <= day <= period.end and (usual is not None or not period.weekdays_only):
            chosen = period
    return chosen


def _base_hours(day: date, rules: HoursRules) -> DayHours:
    """Layers 3–6: weekly default, period, eve, holiday closing."""
    names = _holiday_names(day)
    if names:
        return DayHours(day, False, None, None, "closed", "; ".join(names))
    usual = rules.weekday_hours(day.weekday())
    hours, note, lengthened = usual, None, False
    period = _period_for(day, usual, rules)
    if period is not None:
        hours = (period.opens or (usual[0] if usual else rules.default_opens), period.closes)
        note = period.note
        lengthened = usual is None or hours[1] > usual[1]
    if hours is None:
        return DayHours(day, False, None, None, "closed", None)
    tomorrow = _holiday_names(day + timedelta(days=1))  # on 31 Dec this reads next year's table
    if tomorrow:
        eve = _eve_name(tomorrow)
        if lengthened and hours[1] > rules.early_close:
            # A period that lengthens the day beats the eve; the day keeps its name unless the period has one.
            return DayHours(day, True, hours[0], hours[1], _kind(hours, usual), note or eve)
        closes = min(hours[1], rules.early_close)
        if closes <= hours[0]:  # a period opening after the eve's closing time: closed
            return DayHours(day, False, None, None, "closed", eve)
        kind = "shortened" if closes < hours[1] else _kind((hours[0], closes), usual)
        return DayHours(day, True, hours[0], closes, kind, eve if kind == "shortened" else note or eve)
    return DayHours(day, True, hours[0], hours[1], _kind(hours, usual), note)


def _widen(hours: DayHours, opens: time, closes: time, note: str | None) -> DayHours:
    """The day's hours extended to at least opens–closes; unchanged if that adds nothing or leaves a gap."""
    if not hours.open:
        return DayHours(hours.date, True, opens, closes, "extended", note)
    if opens > hours.closes or closes < hours.opens:
        # One opens/closes per day cannot say "open, closed, open again": show the usual hours,
        # which understate rather than invent an opening.
        return hours
    new_opens, new_closes = min(hours.opens, opens), max(hours.closes, closes)
    if (new_opens, new_closes) == (hours.opens, hours.closes):
        return hours
    note = note if note is not None else hours.note  # an eve keeps its name unless the rule has one
    return DayHours(hours.date, True, new_opens, new_closes, "extended", note)


def _exception_hours(exception: DayException, rules: HoursRules) -> DayHours:
    """Layer 1: an exception's own hours, defaults filled in by its kind and the weekday."""
    if exception.kind == "closed":
        return DayHours(exception.day, False, None, None, "closed", exception.note)
    usual_opens, usual_closes = rules.weekday_hours(exception.day.weekday()) or (
        rules.default_opens, rules.default_closes)
    default_closes = rules.early_close if exception.kind == "shortened" else usual_closes
    return DayHours(
        exception.day, True, exception.opens or usual_opens,
        exception.closes or default_closes, exception.kind, exception.note,
    )


def day_hours(day: date, rules: HoursRules) -> DayHours:
    """Kundcenter's hours on one local date under `rules` (see the module docstring)."""
    for exception in rules.exceptions:
        if exception.day == day:
            return _exception_hours(exception, rules)
    hours = _base_hours(day, rules)
    for crisis in rules.crisis_extensions:
        interval = crisis.interval_on(day, hours.opens if hours.open else rules.default_opens)
        if interval is not None:
            hours = _widen(hours, *interval, crisis.note)
    return hours


def regular_hours(day: date, rules: HoursRules) -> DayHours:
    """The day without exceptions and crises (layers 3–6): what "shortened" is measured against."""
    return _base_hours(day, rules)


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

"""Opening hours from the rules in the database; admin changes to those rules, audited.

The calculation itself is pure (kundweb.hours.calendar); this module only loads
the rules a question needs and writes the changes admins make.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app

from kundweb.audit import services as audit
from kundweb.database import utcnow
from kundweb.extensions import db
from kundweb.hours import calendar as cal
from kundweb.hours.models import DayException, ExtendedPeriod, HoursSettings, MaintenanceWindow

DEFAULT_EARLY_CLOSE = time(15, 0)
PREVIEW_DAYS = 60
WEEKDAY_NAMES = ("Måndag", "Tisdag", "Onsdag", "Torsdag", "Fredag", "Lördag", "Söndag")
EXCEPTION_KINDS = {
    "closed": "Stängt",
    "shortened": "Förkortat",
    "extended": "Utökat",
    "normal": "Ordinarie",
}


API_FIRST_DAY, API_LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)


class HoursError(Exception):
    """A rule that cannot be saved; the message is Swedish and safe to show."""


@dataclass(frozen=True)
class PeriodInput:
    starts_on: date
    ends_on: date
    opens: time | None
    closes: time
    weekdays_only: bool
    note: str | None


@dataclass(frozen=True)
class ExceptionInput:
    day: date
    kind: str
    opens: time | None
    closes: time | None
    note: str | None


@dataclass(frozen=True)
class PreviewResult:
    """The days an unsaved rule would change between first and last (both inclusive)."""
    changes: list
    first: date
    last: date

    @property
    def default_window(self):
        return (self.last - self.first).days + 1 == PREVIEW_DAYS


def early_close():
    settings = db.session.get(HoursSettings, 1)
    return settings.early_close if settings else DEFAULT_EARLY_CLOSE


def weekly_hours():
    """Monday..Sunday as (opens, closes) or None when closed: the saved week or the default one."""
    settings = db.session.get(HoursSettings, 1)
    return _weekly_from_json(settings.weekly if settings else None)


def _weekly_from_json(value):
    if not value:
        return tuple(cal.HoursRules().weekday_hours(day) for day in range(7))
    return tuple(None if hours is None else (time.fromisoformat(hours[0]), time.fromisoformat(hours[1]))
                 for hours in value)


def _weekly_to_json(weekly):
    return [None if hours is None else [_hhmm(hours[0]), _hhmm(hours[1])] for hours in weekly]


def load_rules(start, end, now, extra_periods=(), extra_exceptions=(), weekly=None):
    """The rules that can affect the local dates start..end (plus unsaved candidates) as seen at `now`."""
    from kundweb.crisis.services import hours_extensions_between

    today = now.astimezone(cal.STOCKHOLM).date()
    settings = db.session.get(HoursSettings, 1)

    periods = db.session.scalars(db.select(ExtendedPeriod).where(
        ExtendedPeriod.starts_on <= end, ExtendedPeriod.ends_on >= start)).all()
    exceptions = db.session.scalars(db.select(DayException).where(
        DayException.day >= start, DayException.day <= end)).all()
    try:
        return cal.HoursRules(
            early_close=settings.early_close if settings else DEFAULT_EARLY_CLOSE,
            weekly=weekly or _weekly_from_json(settings.weekly if settings else None),
            extended_periods=tuple(_period(p) for p in periods) + tuple(extra_periods),
            exceptions=tuple(extra_exceptions) + tuple(_exception(e) for e in exceptions),
            crisis_extensions=tuple(hours_extensions_between(
                start, end, today, current_app.config["CRISIS_HOURS_DEFAULT_DAYS"])),
        )
    except ValueError as exc:
        raise HoursError(str(exc)) from exc


def calendar_between(start, end, now=None):
    """The R-API calendar as known at `now`; raises HoursError for a reversed or too long range."""
    try:
        return cal.calendar(start, end, load_rules(start, end, now or utcnow()))
    except ValueError as exc:
        raise HoursError(str(exc)) from exc


def status_now(now=None):
    """Open now, closes at, opens next — looking as far ahead as the calculation does."""
    now = now or utcnow()
    today = now.astimezone(cal.STOCKHOLM).date()
    rules = load_rules(today - timedelta(days=1), today + timedelta(days=cal.NEXT_OPEN_SEARCH_DAYS), now)
    return cal.status_at(now, rules)


def digital_status(now=None):
    now = now or utcnow()
    return cal.digital_channels_status(now, [_window(w) for w in current_and_upcoming_windows(now)])


def current_and_upcoming_windows(now, horizon_days=14):
    return db.session.scalars(db.select(MaintenanceWindow).where(
        MaintenanceWindow.ends_at > now, MaintenanceWindow.starts_at < now + timedelta(days=horizon_days),
    ).order_by(MaintenanceWindow.starts_at)).all()


def maintenance_between(start, end):
    """Maintenance windows overlapping the local dates start..end, earliest first; raises HoursError."""
    if end < start:
        raise HoursError("Slutdatumet får inte vara före startdatumet.")
    if (end - start).days + 1 > cal.MAX_CALENDAR_DAYS:
        raise HoursError(f"Perioden får vara högst {cal.MAX_CALENDAR_DAYS} dagar.")
    range_start = datetime.combine(start, time(0), tzinfo=cal.STOCKHOLM)
    range_end = datetime.combine(end + timedelta(days=1), time(0), tzinfo=cal.STOCKHOLM)
    return db.session.scalars(db.select(MaintenanceWindow).where(
        MaintenanceWindow.ends_at > range_start, MaintenanceWindow.starts_at < range_end,
    ).order_by(MaintenanceWindow.starts_at, MaintenanceWindow.id)).all()


def window_api_item(window):
    """One maintenance window for GET /api/v1/opening-hours/maintenance."""
    return {"starts_at": window.starts_at.astimezone(cal.STOCKHOLM).isoformat(),
            "ends_at": window.ends_at.astimezone(cal.STOCKHOLM).isoformat(), "note": window.note}


def preview(today, period=None, exception=None, weekly=None, now=None):
    """The days an unsaved period, exception or weekly default would change, as a PreviewResult.

    The window is the next 60 days, stretched to the rule's last day (a summer period in
    June is previewed in December), at most a year; the weekly default is previewed for a
    year since it changes every week. Raises HoursError.
    """
    now = now or utcnow()
    first, last = today, today + timedelta(days=PREVIEW_DAYS - 1)
    if period:
        last = max(last, period.ends_on)
        if (last - first).days >= cal.MAX_CALENDAR_DAYS:
            first = max(today, period.starts_on)
    elif exception:
        last = max(last, exception.day)
        if (last - first).days >= cal.MAX_CALENDAR_DAYS:
            first = exception.day
    elif weekly:
        last = today + timedelta(days=cal.MAX_CALENDAR_DAYS - 1)
    last = min(last, first + timedelta(days=cal.MAX_CALENDAR_DAYS - 1))
    try:
        candidate_period = (_period_from_input(period),) if period else ()
        candidate_exception = (_exception_from_input(exception),) if exception else ()
        rules = load_rules(first, last, now)
        if exception:
            _check_exception(candidate_exception[0], rules)
        current = cal.calendar(first, last, rules)
        changed = cal.calendar(first, last, load_rules(first, last, now, candidate_period, candidate_exception,
                                                       weekly=weekly))
    except ValueError as exc:
        raise HoursError(str(exc)) from exc
    changes = [(before, after) for before, after in zip(current, changed, strict=True) if before != after]
    return PreviewResult(changes, first, last)


def _check_exception(exception, rules):
    """A shortened day must really be shorter than the day would otherwise be; raises HoursError."""
    if exception.kind != "shortened":
        return
    regular = cal.regular_hours(exception.day, rules)
    if not regular.open:
        raise HoursError(f"{swedish_date(exception.day).capitalize()} är redan stängd. "
                         "Välj Stängt eller Utökat i stället för Förkortat.")
    closes = exception.closes or rules.early_close
    if closes >= regular.closes:
        raise HoursError(f"En förkortad dag måste stänga före dagens ordinarie stängning "
                         f"{regular.closes.strftime('%H.%M')}. Välj Utökat för längre öppettider.")


def set_weekly(actor, weekly, now=None):
    """Save the weekly default (Monday..Sunday, (opens, closes) or None); audited. Raises HoursError."""
    now = now or utcnow()
    try:
        cal.HoursRules(weekly=tuple(weekly))
    except ValueError as exc:
        raise HoursError(str(exc)) from exc
    if all(hours is None for hours in weekly):
        raise HoursError("Minst en veckodag måste vara öppen.")
    settings = db.session.get(HoursSettings, 1) or HoursSettings(id=1, early_close=DEFAULT_EARLY_CLOSE)
    before = _weekly_to_json(_weekly_from_json(settings.weekly))
    settings.weekly, settings.updated_at, settings.updated_by = _weekly_to_json(weekly), now, actor.username
    db.session.add(settings)
    audit.record("hours.weekly_changed", actor, "hours_settings", 1,
                 {"before": dict(zip(WEEKDAY_NAMES, before)), "after": dict(zip(WEEKDAY_NAMES, settings.weekly))},
                 now)
    db.session.commit()


def set_early_close(actor, value, now=None):
    now = now or utcnow()
    try:
        cal.HoursRules(early_close=value)
    except ValueError as exc:
        raise HoursError(str(exc)) from exc
    settings = db.session.get(HoursSettings, 1) or HoursSettings(id=1, early_close=DEFAULT_EARLY_CLOSE)
    before = settings.early_close
    settings.early_close, settings.updated_at, settings.updated_by = value, now, actor.username
    db.session.add(settings)
    audit.record("hours.early_close_changed", actor, "hours_settings", 1,
                 {"before": _hhmm(before), "after": _hhmm(value)}, now)
    db.session.commit()


def add_period(actor, data, now=None):
    """Save an extended period; raises HoursError."""
    now = now or utcnow()
    try:
        _period_from_input(data)
    except ValueError as exc:
        raise HoursError(str(exc)) from exc
    period = ExtendedPeriod(starts_on=data.starts_on, ends_on=data.ends_on, opens=data.opens, closes=data.closes,
                            weekdays_only=data.weekdays_only, note=data.note, created_at=now,
                            created_by=actor.username)
    db.session.add(period)
    db.session.flush()
    audit.record("hours.period_added", actor, "hours_extended_period", period.id, _describe_period(period), now)
    db.session.commit()
    return period


def add_exception(actor, data, now=None):
    """Save a single-day exception; one per day. Raises HoursError."""
    now = now or utcnow()
    try:
        candidate = _exception_from_input(data)
        _check_exception(candidate, load_rules(data.day, data.day, now))
    except ValueError as exc:
        raise HoursError(str(exc)) from exc
    if db.session.scalar(db.select(DayException.id).where(DayException.day == data.day)):
        raise HoursError(f"Det finns redan ett undantag för {data.day.isoformat()}. Ta bort det först.")
    exception = DayException(day=data.day, kind=data.kind, opens=data.opens, closes=data.closes, note=data.note,
                             created_at=now, created_by=actor.username)
    db.session.add(exception)
    db.session.flush()
    audit.record("hours.exception_added", actor, "hours_day_exception", exception.id,
                 _describe_exception(exception), now)
    db.session.commit()
    return exception


def add_maintenance_window(actor, starts_at, ends_at, note, now=None):
    now = now or utcnow()
    try:
        cal.MaintenanceWindow(starts_at, ends_at, note)
    except ValueError as exc:
        raise HoursError(str(exc)) from exc
    if not (note or "").strip():
        raise HoursError("Skriv vad som händer, t.ex. ”Uppgradering av e-tjänsteplattformen”.")
    window = MaintenanceWindow(starts_at=starts_at, ends_at=ends_at, note=note.strip(), created_at=now,
                               created_by=actor.username)
    db.session.add(window)
    db.session.flush()
    audit.record("hours.maintenance_added", actor, "hours_maintenance_window", window.id,
                 {"starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat(), "note": window.note}, now)
    db.session.commit()
    return window


REMOVABLE = {
    "period": (ExtendedPeriod, "hours.period_removed", lambda p: _describe_period(p)),
    "exception": (DayException, "hours.exception_removed", lambda e: _describe_exception(e)),
    "maintenance": (MaintenanceWindow, "hours.maintenance_removed",
                    lambda w: {"starts_at": w.starts_at.isoformat(), "ends_at": w.ends_at.isoformat(),
                               "note": w.note}),
}


def remove_rule(actor, kind, rule_id, now=None):
    """Remove a period, exception or maintenance window; the audit log keeps what it was."""
    model, action, describe = REMOVABLE[kind]
    rule = db.session.get(model, rule_id)
    if rule is None:
        raise HoursError("Regeln finns inte längre.")
    audit.record(action, actor, model.__tablename__, rule.id, describe(rule), now or utcnow())
    db.session.delete(rule)
    db.session.commit()


def rules_overview(today):
    """What the admin page lists: rules that still matter (today or later)."""
    periods = db.session.scalars(db.select(ExtendedPeriod).where(ExtendedPeriod.ends_on >= today)
                                 .order_by(ExtendedPeriod.starts_on)).all()
    exceptions = db.session.scalars(db.select(DayException).where(DayException.day >= today)
                                    .order_by(DayException.day)).all()
    return periods, exceptions


def _period(row):
    return cal.ExtendedPeriod(row.starts_on, row.ends_on, row.opens, row.closes, row.note, row.weekdays_only)


def _exception(row):
    return cal.DayException(row.day, row.kind, row.opens, row.closes, row.note)


def _period_from_input(data):
    return cal.ExtendedPeriod(data.starts_on, data.ends_on, data.opens, data.closes, data.note, data.weekdays_only)


def _exception_from_input(data):
    return cal.DayException(data.day, data.kind, data.opens, data.closes, data.note)


def _window(row):
    return cal.MaintenanceWindow(row.starts_at, row.ends_at, row.note)


def _hhmm(value):
    return value.strftime("%H:%M") if value else None


def _describe_period(p):
    return {"starts_on": p.starts_on.isoformat(), "ends_on": p.ends_on.isoformat(), "opens": _hhmm(p.opens),
            "closes": _hhmm(p.closes), "weekdays_only": p.weekdays_only, "note": p.note}


def _describe_exception(e):
    return {"day": e.day.isoformat(), "kind": e.kind, "opens": _hhmm(e.opens), "closes": _hhmm(e.closes),
            "note": e.note}


def parse_api_range(raw_from, raw_to):
    """`from`/`to` query parameters → dates; raises HoursError with a Swedish message."""
    if not raw_from or not raw_to:
        raise HoursError("Ange både from och to som ÅÅÅÅ-MM-DD.")
    try:
        start, end = date.fromisoformat(raw_from), date.fromisoformat(raw_to)
    except ValueError as exc:
        raise HoursError("Datum ska skrivas ÅÅÅÅ-MM-DD, t.ex. 2026-01-05.") from exc
    if len(raw_from) != 10 or len(raw_to) != 10:
        raise HoursError("Datum ska skrivas ÅÅÅÅ-MM-DD, t.ex. 2026-01-05.")
    # Python's dates end at year 1 and 9999; the calendar looks a few days past the range
    # and the database stores datetimes, so far-off years would fail there (a 500).
    if not (API_FIRST_DAY <= start <= API_LAST_DAY and API_FIRST_DAY <= end <= API_LAST_DAY):
        raise HoursError(f"Datum ska ligga mellan {API_FIRST_DAY.isoformat()} och {API_LAST_DAY.isoformat()}.")
    return start, end


def describe_status(status, now):
    """"Öppet nu, stänger 17.00" / "Stängt, öppnar måndag 08.00" in Swedish."""
    local_now = now.astimezone(cal.STOCKHOLM)
    if status.open:
        return f"Öppet nu, stänger {status.closes_at.strftime('%H.%M')}"
    if status.next_open is None:
        return "Stängt"
    return f"Stängt, öppnar {_relative_day(status.next_open, local_now)} {status.next_open.strftime('%H.%M')}"


WEEKDAYS = ["måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"]
MONTHS = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
          "november", "december"]


def _relative_day(moment, local_now):
    days = (moment.date() - local_now.date()).days
    if days == 0:
        return "i dag"
    if days == 1:
        return "i morgon"
    if days < 7:
        return WEEKDAYS[moment.weekday()]
    return f"{WEEKDAYS[moment.weekday()]} {moment.day} {MONTHS[moment.month - 1]}"


def swedish_date(day):
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]}"

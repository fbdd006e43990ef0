"""Telephony figures beyond the phone goal, the agents' own wait-time sample, and the volume by
hour and weekday for staffing: each computed with aggregate SQL for the chosen days only.

Definitions (the README's table says the same):
- a short abandon is a call given up after waiting at most `short_abandon_seconds`
  (0 turns the rule off); it counts neither as offered nor as abandoned;
- offered = calls less short abandons; abandoned = calls given up, less short abandons;
- abandoned rate = abandoned / offered; service level = answered within the phone goal's
  limit / offered; ASA = the mean wait of answered calls; longest wait = the longest wait
  of any call, answered or not.
Days imported as day sums (no calls) give offered, answered and the service level; the rule
for short abandons, ASA and longest wait need calls, and count only the days that have them.
"""
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, literal, select

from kundweb.enquiries.models import CHANNELS, Enquiry
from kundweb.extensions import db
from kundweb.goals.kpi import GUIDELINE_TARGETS, percent
from kundweb.goals.models import TelephonyCall, TelephonyDay

STOCKHOLM = ZoneInfo("Europe/Stockholm")
WEEKDAYS = ["måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"]


@dataclass
class PhoneFigures:
    """The summed telephony counts of a day, a month or a period."""

    label: str
    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    within: int = 0
    short_abandoned: int = 0
    calls_days: int = 0  # days with per-call data
    days: int = 0
    wait_sum: int = 0  # answered calls' waits, on days with per-call data
    waited: int = 0  # answered calls on days with per-call data
    longest: int | None = None

    @property
    def abandon_rate(self):
        return percent(self.abandoned, self.offered)

    @property
    def service_level(self):
        return percent(self.within, self.offered)

    @property
    def asa(self):
        """Average speed of answer in whole seconds (half up); None without per-call data."""
        return (self.wait_sum * 2 + self.waited) // (self.waited * 2) if self.waited else None

    def add(self, other):
        for name in ("offered", "answered", "abandoned", "within", "short_abandoned", "calls_days", "days",
                     "wait_sum", "waited"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        if other.longest is not None:
            self.longest = max(self.longest or 0, other.longest)


@dataclass
class TelephonyReport:
    days: list
    months: list
    period: PhoneFigures
    short_abandon_seconds: int


def telephony_report(first_day, last_day, short_abandon_seconds, period_label=""):
    """Figures per day, per month and for first_day..last_day (both included).

    Two GROUP BY reads: the stored day sums, and the calls per day where a per-call file was imported.
    """
    short = (case((and_(TelephonyCall.answered.is_(False), TelephonyCall.wait_seconds <= short_abandon_seconds), 1),
                  else_=0) if short_abandon_seconds > 0 else literal(0))
    answered_wait = case((TelephonyCall.answered.is_(True), TelephonyCall.wait_seconds), else_=0)
    answered = case((TelephonyCall.answered.is_(True), 1), else_=0)
    calls = {row.day: row for row in db.session.execute(
        select(TelephonyCall.day, func.count().label("calls"), func.sum(answered).label("answered"),
               func.sum(short).label("short"), func.sum(answered_wait).label("wait_sum"),
               func.max(TelephonyCall.wait_seconds).label("longest"))
        .where(TelephonyCall.day.between(first_day, last_day)).group_by(TelephonyCall.day))}
    days = []
    for row in db.session.execute(
            select(TelephonyDay.day, TelephonyDay.offered, TelephonyDay.answered, TelephonyDay.answered_within)
            .where(TelephonyDay.day.between(first_day, last_day)).order_by(TelephonyDay.day)):
        figures = PhoneFigures(row.day.isoformat(), days=1, within=row.answered_within)
        per_call = calls.get(row.day)
        if per_call is not None:
            short_count = int(per_call.short or 0)
            figures.offered = per_call.calls - short_count
            figures.answered = int(per_call.answered or 0)
            figures.short_abandoned = short_count
            figures.wait_sum, figures.waited = int(per_call.wait_sum or 0), figures.answered
            figures.longest, figures.calls_days = per_call.longest, 1
        else:
            figures.offered, figures.answered = row.offered, row.answered
        figures.abandoned = figures.offered - figures.answered
        days.append(figures)
    months, period = {}, PhoneFigures(period_label)
    for day in days:
        months.setdefault(day.label[:7], PhoneFigures(day.label[:7])).add(day)
        period.add(day)
    return TelephonyReport(days, [months[m] for m in sorted(months)], period, short_abandon_seconds)


@dataclass
class WaitSample:
    """The wait times agents logged with their calls: a sample, not the phone system's statistics."""

    label: str
    calls: int = 0
    wait_sum: int = 0
    within: int = 0
    longest: int | None = None

    @property
    def mean(self):
        return (self.wait_sum * 2 + self.calls) // (self.calls * 2) if self.calls else None

    @property
    def within_share(self):
        return percent(self.within, self.calls)


def agents_wait_sample(first_month, last_month, limits):
    """Per month and for the period: logged phone enquiries with a wait time; `limits`: {month: seconds}."""
    limit = _limit_by_month(Enquiry.month, limits)
    rows = db.session.execute(
        select(Enquiry.month, func.count(), func.sum(Enquiry.wait_seconds), func.max(Enquiry.wait_seconds),
               func.sum(case((Enquiry.wait_seconds <= limit, 1), else_=0)))
        .where(Enquiry.month.between(first_month, last_month), Enquiry.channel == "telefon",
               Enquiry.wait_seconds.is_not(None))
        .group_by(Enquiry.month).order_by(Enquiry.month))
    months, period = [], WaitSample("period")
    for month, count, wait_sum, longest, within in rows:
        sample = WaitSample(month, count, int(wait_sum or 0), int(within or 0), longest)
        months.append(sample)
        period.calls += sample.calls
        period.wait_sum += sample.wait_sum
        period.within += sample.within
        period.longest = max(period.longest or 0, longest)
    return months, period


def _limit_by_month(month_column, limits):
    values = set(limits.values())
    if len(values) == 1:
        return literal(values.pop())
    return case(*[(month_column == month, seconds) for month, seconds in limits.items()],
                else_=GUIDELINE_TARGETS["phone"]["limit_seconds"])


@dataclass
class HeatMap:
    """Counts by local weekday (0 = Monday) and hour, summed over the period."""

    key: str
    title: str
    counts: dict = field(default_factory=dict)  # (weekday, hour) -> count

    @property
    def total(self):
        return sum(self.counts.values())

    def hour_total(self, hour):
        return sum(count for (_, counted_hour), count in self.counts.items() if counted_hour == hour)

    @property
    def peak(self):
        return max(self.counts.values(), default=0)

    def level(self, count):
        """0-4 for the cell's shading: an extra beside the number, never instead of it."""
        if not count or not self.peak:
            return 0
        return min(4, 1 + (count * 4 - 1) // self.peak)


def hours_shown(maps, opening=(8, 17)):
    """The hours a heat map lists: Kundcenter's opening hours, widened to every hour with a count."""
    hours = {hour for heat_map in maps for (_, hour) in heat_map.counts}
    return range(min(hours | {opening[0]}), max(hours | {opening[1] - 1}) + 1)


def volume_by_hour(first_day, last_day):
    """Heat maps of calls (per-call imports) and of logged enquiries, all and per channel.

    Hours are Europe/Stockholm local time on the day they happened, so a DST change moves
    no enquiry into the wrong hour.
    """
    calls = HeatMap("samtal", "Inkommande samtal (telefonistatistik per samtal)")
    for weekday, hour, count in db.session.execute(
            select(TelephonyCall.weekday, TelephonyCall.hour, func.count())
            .where(TelephonyCall.day.between(first_day, last_day))
            .group_by(TelephonyCall.weekday, TelephonyCall.hour)):
        calls.counts[(weekday, hour)] = count
    everything = HeatMap("alla", "Loggade ärenden, alla kanaler")
    channels = {key: HeatMap(key, f"Loggade ärenden: {label.lower()}") for key, label in CHANNELS.items()}
    for moment, channel, count in _enquiries_by_hour(first_day, last_day):
        key = (moment.weekday(), moment.hour)
        everything.counts[key] = everything.counts.get(key, 0) + count
        if channel in channels:
            channels[channel].counts[key] = channels[channel].counts.get(key, 0) + count
    return [calls, everything, *channels.values()]


def _enquiries_by_hour(first_day, last_day):
    """(local datetime of the hour, channel, count) of the enquiries logged on first_day..last_day.

    PostgreSQL groups by the local weekday and hour itself; SQLite has no time zones, so it
    groups by the UTC hour and each UTC hour is turned into local time here (Stockholm's
    offsets are whole hours, so a UTC hour is exactly one local hour).
    """
    start = datetime.combine(first_day, time(), STOCKHOLM).astimezone(timezone.utc)
    end = datetime.combine(last_day + timedelta(days=1), time(), STOCKHOLM).astimezone(timezone.utc)
    where = (Enquiry.created_at >= start, Enquiry.created_at < end)
    if db.session.get_bind().dialect.name == "postgresql":
        local = func.timezone("Europe/Stockholm", Enquiry.created_at)
        # isodow - 1 is 0 for Monday, as date.weekday(); any date of that weekday serves below.
        weekday = func.extract("isodow", local) - 1
        hour = func.extract("hour", local)
        rows = db.session.execute(select(weekday, hour, Enquiry.channel, func.count()).where(*where)
                                  .group_by(weekday, hour, Enquiry.channel))
        monday = datetime(2024, 1, 1)
        for day, hour_value, channel, count in rows:
            yield monday + timedelta(days=int(day), hours=int(hour_value)), channel, count
        return
    utc_hour = func.strftime("%Y-%m-%d %H", Enquiry.created_at)
    for text, channel, count in db.session.execute(select(utc_hour, Enquiry.channel, func.count()).where(*where)
                                                   .group_by(utc_hour, Enquiry.channel)):
        moment = datetime.strptime(text, "%Y-%m-%d %H").replace(tzinfo=timezone.utc)
        yield moment.astimezone(STOCKHOLM), channel, count

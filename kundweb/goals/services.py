"""Service goals: targets, the figures of each month (live, or frozen when closed), the dashboard,
closing months, imports of telephony and survey data, exports and the public results.

Months are Europe/Stockholm calendar months written "YYYY-MM". Every change is audited
in the same transaction. Services raise GoalsError (Swedish, safe to show) or
imports.ImportRejected (every bad row of a file).
"""
import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, select

from kundweb.audit import services as audit
from kundweb.database import utcnow
from kundweb.crisis import services as crisis_services
from kundweb.enquiries import services as enquiry_services
from kundweb.enquiries.models import CHANNELS, Enquiry, EnquiryCategory
from kundweb.extensions import db
from kundweb.goals import imports, kpi
from kundweb.goals.models import (GoalImport, GoalTarget, MonthClose, MonthReopen, SurveyMonth, TelephonyCall,
                                  TelephonyDay, WebAssessment)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MONTH_NAMES = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
               "oktober", "november", "december"]
TARGET_BOUNDS = {"direct": (1, 100), "satisfaction": (1, 100), "phone": (1, 100), "web": (1, 100),
                 "eservice": (0, 50)}


class GoalsError(Exception):
    """A change that cannot be made; the message is Swedish and safe to show."""


# --- months -----------------------------------------------------------------------------------

def local_month(moment):
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m")


def current_month(now=None):
    return local_month(now or utcnow())


def add_months(month, count):
    year, number = int(month[:4]), int(month[5:7]) - 1 + count
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


def month_range(first, last):
    """Every month from first to last, both included."""
    months, month = [], first
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def first_day(month):
    return date(int(month[:4]), int(month[5:7]), 1)


def month_label(month, short=False):
    name = MONTH_NAMES[int(month[5:7]) - 1]
    return f"{name[:3]} {month[:4]}" if short else f"{name} {month[:4]}"


def period_label(first, last):
    if first == last:
        return month_label(first)
    if first[:4] == last[:4]:
        return f"{MONTH_NAMES[int(first[5:7]) - 1]}–{month_label(last)}"
    return f"{month_label(first)} – {month_label(last)}"


# --- targets ----------------------------------------------------------------------------------

def target_rows():
    return db.session.scalars(select(GoalTarget).order_by(GoalTarget.goal, GoalTarget.valid_from)).all()


def targets_for_month(month, rows):
    """{goal: {"value", "limit_seconds"}} in force on the first of `month` (the guideline's before any row)."""
    day = first_day(month)
    targets = {goal: dict(value) for goal, value in kpi.GUIDELINE_TARGETS.items()}
    for row in rows:  # ordered by valid_from: the last one that has started wins
        if row.valid_from <= day:
            targets[row.goal] = {"value": row.value, "limit_seconds": row.limit_seconds}
    return targets


def add_target(actor, goal, value, valid_from_month, limit_seconds=None, now=None):
    """A goal's new target from a month on; months before it keep theirs. Raises GoalsError."""
    now = now or utcnow()
    if goal not in kpi.GOALS:
        raise GoalsError("Välj ett av servicemålen.")
    low, high = TARGET_BOUNDS[goal]
    if value is None or not low <= value <= high:
        raise GoalsError(f"Målvärdet måste vara mellan {low} och {high}.")
    if imports.parse_month(valid_from_month) is None:
        raise GoalsError("Ange från vilken månad målet gäller, som ÅÅÅÅ-MM.")
    if goal == "phone" and not (limit_seconds and 10 <= limit_seconds <= 3600):
        raise GoalsError("Ange svarstiden för telefonmålet i sekunder (10–3600).")
    if goal != "phone":
        limit_seconds = None
    closed = db.session.scalar(select(MonthClose.month).where(MonthClose.month >= valid_from_month).limit(1))
    valid_from = first_day(valid_from_month)
    existing = db.session.scalar(select(GoalTarget).filter_by(goal=goal, valid_from=valid_from))
    before = None
    if existing is None:
        existing = GoalTarget(goal=goal, valid_from=valid_from)
        db.session.add(existing)
    else:
        before = {"value": existing.value, "limit_seconds": existing.limit_seconds}
    existing.value, existing.limit_seconds = float(value), limit_seconds
    existing.created_at, existing.created_by = now, actor.username
    db.session.flush()
    audit.record("goals.target_set", actor, "goal_target", existing.id,
                 {"goal": goal, "valid_from": valid_from_month, "before": before,
                  "after": {"value": float(value), "limit_seconds": limit_seconds}}, now)
    db.session.commit()
    return existing, closed


def remove_target(actor, target_id, now=None):
    """Remove a saved target (one entered by mistake); the goal falls back to the one before it.

    Closed months keep the targets they were closed with. Returns (the removed row's
    goal, valid-from month, whether a closed month falls in its span). Raises GoalsError.
    """
    now = now or utcnow()
    row = db.session.get(GoalTarget, target_id)
    if row is None:
        raise GoalsError("Målnivån finns inte längre. Någon kan redan ha tagit bort den.")
    valid_from_month = row.valid_from.strftime("%Y-%m")
    closed = db.session.scalar(select(MonthClose.month).where(MonthClose.month >= valid_from_month).limit(1))
    audit.record("goals.target_removed", actor, "goal_target", row.id,
                 {"goal": row.goal, "valid_from": valid_from_month,
                  "before": {"value": row.value, "limit_seconds": row.limit_seconds}}, now)
    db.session.delete(row)
    db.session.commit()
    return row.goal, valid_from_month, closed is not None


# --- figures ----------------------------------------------------------------------------------

def closed_months(first=None, last=None):
    query = select(MonthClose)
    if first:
        query = query.where(MonthClose.month >= first)
    if last:
        query = query.where(MonthClose.month <= last)
    return {row.month: row for row in db.session.scalars(query)}


def figures_for(months, category_months=(), closes=None):
    """{month: figures} for `months`: a closed month's frozen figures, the others computed now.

    Categories are counted only for `category_months` (they cost a second GROUP BY).
    """
    months = sorted(set(months))
    if not months:
        return {}
    closes = closed_months(months[0], months[-1]) if closes is None else closes
    result = {m: closes[m].figures for m in months if m in closes}
    open_months = [m for m in months if m not in closes]
    if open_months:
        # The e-service goal compares with the same month a year earlier: count those too.
        earlier = [add_months(m, -12) for m in open_months]
        earlier_closes = closed_months(earlier[0], earlier[-1])
        live = _live_figures(sorted(set(open_months) | {m for m in earlier if m not in earlier_closes}),
                             set(category_months) & set(open_months))
        for month in open_months:
            figures = live[month]
            before = add_months(month, -12)
            source = earlier_closes[before].figures if before in earlier_closes else live[before]
            figures["previous"] = _eservice_counts(source)
            result[month] = figures
    return result


def _eservice_counts(figures):
    total = sum(sum(outcomes.values()) for outcomes in figures["enquiries"].values())
    return {"eservice": sum(figures["enquiries"].get("etjanst", {}).values()), "total": total}


def _live_figures(months, category_months):
    """Figures of open months straight from the tables: one indexed GROUP BY per input."""
    first, last = months[0], months[-1]
    wanted = set(months)
    figures = {m: kpi.empty_figures(m) for m in months}
    rows = db.session.execute(
        select(Enquiry.month, Enquiry.channel, Enquiry.outcome, func.count())
        .where(Enquiry.month.between(first, last))
        .group_by(Enquiry.month, Enquiry.channel, Enquiry.outcome))
    for month, channel, outcome, count in rows:
        if month in wanted:
            figures[month]["enquiries"].setdefault(channel, {})[outcome] = count
    if category_months:
        categories = {c.id: c for c in db.session.scalars(select(EnquiryCategory))}
        rows = db.session.execute(
            select(Enquiry.month, Enquiry.category_id, Enquiry.outcome, func.count())
            .where(Enquiry.month.between(min(category_months), max(category_months)))
            .group_by(Enquiry.month, Enquiry.category_id, Enquiry.outcome))
        for month, category_id, outcome, count in rows:
            if month not in category_months:
                continue
            category = categories[category_id]
            row = figures[month]["categories"].setdefault(str(category_id), {
                "group": category.group_name, "name": category.name, "active": category.active,
                "total": 0, "direct": 0})
            row["total"] += count
            if outcome == "direct":
                row["direct"] += count
    rows = db.session.execute(
        select(TelephonyDay.month, func.sum(TelephonyDay.offered), func.sum(TelephonyDay.answered),
               func.sum(TelephonyDay.answered_within))
        .where(TelephonyDay.month.between(first, last)).group_by(TelephonyDay.month))
    for month, offered, answered, within in rows:
        if month in wanted:
            figures[month]["telephony"] = {"offered": int(offered), "answered": int(answered), "within": int(within)}
    for survey in db.session.scalars(select(SurveyMonth).where(SurveyMonth.month.between(first, last))):
        if survey.month in wanted:
            answers = survey.answers()
            figures[survey.month]["survey"] = {"scale": survey.scale, "responses": sum(answers),
                                               "satisfied": imports.satisfied(survey.scale, answers)}
    # The assessment is yearly and published after the year: a month shows the latest one by then.
    web = db.session.execute(select(WebAssessment.year, WebAssessment.top_percent)
                             .where(WebAssessment.year <= int(last[:4])).order_by(WebAssessment.year)).all()
    targets = target_rows()
    for month, data in figures.items():
        latest = [row for row in web if row.year <= int(month[:4])]
        data["web"] = {"year": latest[-1].year, "top_percent": latest[-1].top_percent} if latest else None
        data["targets"] = targets_for_month(month, targets)
    return figures


def period_totals(figures, months):
    return kpi.combine([figures[m] for m in months])


# --- the dashboard ----------------------------------------------------------------------------

@dataclass
class Column:
    """One column of the goals table: a month, the year to date, or the chosen period."""

    key: str
    heading: str
    label: str
    first: str
    last: str
    results: list
    final: bool  # every month in it closed


@dataclass
class TrendMonth:
    month: str
    label: str
    results: dict  # goal -> Result
    closed: bool


@dataclass
class Dashboard:
    first: str
    last: str
    label: str
    columns: list
    period: Column
    trend: list
    channels: list
    categories: list
    totals: kpi.Totals
    months: list  # (month, MonthClose | None) of the period
    web_years: list
    current_month: str
    closes: dict  # month -> MonthClose, of every month read (the trend's included)


def parse_period(first, last, now=None):
    """The period a dashboard or export asks for; defaults to the last complete month. Raises GoalsError."""
    this_month = current_month(now)
    default = add_months(this_month, -1)
    first_text, last_text = (first or "").strip(), (last or "").strip()
    last = imports.parse_month(last_text) if last_text else (imports.parse_month(first_text) or default)
    first = imports.parse_month(first_text) if first_text else last
    if first is None or last is None:
        raise GoalsError("Ange månader som ÅÅÅÅ-MM.")
    if first > last:
        raise GoalsError("Periodens första månad måste komma före den sista.")
    if len(month_range(first, last)) > 60:
        raise GoalsError("Välj en period på högst fem år.")
    return first, last


def dashboard(first, last, now=None):
    """Everything the dashboard shows for the months first..last."""
    now = now or utcnow()
    year_start = last[:4] + "-01"
    trend_first = add_months(last, -12)
    needed = month_range(min(first, trend_first), last)
    closes = closed_months(needed[0], needed[-1])
    period_months = month_range(first, last)
    figures = figures_for(needed, category_months=period_months, closes=closes)

    def column(key, heading, col_first, col_last):
        months = month_range(col_first, col_last)
        return Column(key, heading, period_label(col_first, col_last), col_first, col_last,
                      kpi.results(period_totals(figures, months)), all(m in closes for m in months))

    columns = [column("month", "Månad", last, last)]
    if year_start != last:
        columns.append(column("ytd", "Hittills i år", year_start, last))
    period = column("period", "Vald period", first, last)
    if (first, last) not in {(c.first, c.last) for c in columns}:
        columns.append(period)
    else:
        period = next(c for c in columns if (c.first, c.last) == (first, last))
    totals = period_totals(figures, period_months)
    trend = [TrendMonth(m, month_label(m, short=True),
                        {r.goal.key: r for r in kpi.results(period_totals(figures, [m]))}, m in closes)
             for m in month_range(trend_first, last)]
    web_years = db.session.execute(select(WebAssessment.year, WebAssessment.top_percent)
                                   .order_by(WebAssessment.year.desc()).limit(6)).all()
    return Dashboard(first, last, period_label(first, last), columns, period, trend, kpi.channel_rows(totals),
                     kpi.category_rows(totals), totals, [(m, closes.get(m)) for m in period_months],
                     list(reversed(web_years)), current_month(now), closes)


# --- closing months ---------------------------------------------------------------------------

REASON_MAX_LENGTH = 300


def _reason(text):
    """The reason for closing or reopening a month, trimmed; raises GoalsError when missing or too long."""
    reason = " ".join((text or "").split())
    if not reason:
        raise GoalsError("Ange en anledning till att månaden stängs eller öppnas igen.")
    if len(reason) > REASON_MAX_LENGTH:
        raise GoalsError(f"Anledningen får vara högst {REASON_MAX_LENGTH} tecken.")
    return reason


def close_month(actor, month, reason, now=None):
    """Freeze a finished month's figures; later imports and edits do not change them. Raises GoalsError."""
    now = now or utcnow()
    reason = _reason(reason)
    if imports.parse_month(month) is None:
        raise GoalsError("Ange månaden som ÅÅÅÅ-MM.")
    if month >= current_month(now):
        raise GoalsError("Bara avslutade månader kan stängas.")
    if db.session.get(MonthClose, month) is not None:
        raise GoalsError(f"{month_label(month).capitalize()} är redan stängd.")
    figures = figures_for([month], category_months=[month], closes={})[month]
    db.session.add(MonthClose(month=month, closed_at=now, closed_by=actor.username, reason=reason,
                              figures=figures))
    db.session.execute(delete(MonthReopen).where(MonthReopen.month == month))
    audit.record("goals.month_closed", actor, "goal_month", month,
                 {"reason": reason,
                  "results": {r.goal.key: r.value for r in kpi.results(kpi.combine([figures]))}}, now)
    db.session.commit()


def reopen_month(actor, month, reason, now=None):
    """Open a closed month again: its figures follow the data until it is closed anew. Raises GoalsError."""
    now = now or utcnow()
    reason = _reason(reason)
    row = db.session.get(MonthClose, month)
    if row is None:
        raise GoalsError("Månaden är inte stängd.")
    audit.record("goals.month_reopened", actor, "goal_month", month,
                 {"reason": reason, "frozen_figures": row.figures, "closed_at": row.closed_at.isoformat(),
                  "closed_by": row.closed_by, "closed_reason": row.reason}, now)
    db.session.delete(row)
    db.session.merge(MonthReopen(month=month, reopened_at=now, reopened_by=actor.username, reason=reason))
    db.session.commit()


@dataclass(frozen=True)
class MonthStatus:
    """What the month list shows beside a closed or reopened month."""

    closed: bool
    at: object
    by: str | None
    reason: str | None


def month_statuses(months, closes=None):
    """{month: MonthStatus} for those of `months` that are closed or were reopened.

    `closes`: the MonthClose rows already read for these months, if the caller has them.
    """
    if not months:
        return {}
    first, last = min(months), max(months)
    closes = closed_months(first, last) if closes is None else closes
    statuses = {row.month: MonthStatus(False, row.reopened_at, row.reopened_by, row.reason)
                for row in db.session.scalars(select(MonthReopen).where(MonthReopen.month.between(first, last)))}
    for row in closes.values():
        statuses[row.month] = MonthStatus(True, row.closed_at, row.closed_by, row.reason)
    return {month: status for month, status in statuses.items() if month in set(months)}


def is_closed(month):
    return db.session.get(MonthClose, month) is not None


# --- inputs -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ImportSummary:
    kind: str
    rows: int
    period_from: date
    period_to: date
    replaced: int  # stored rows of the period that the import replaced
    closed_months: list  # months in the period that are closed: their figures stay as frozen


def import_telephony(actor, filename, raw, mapping=None, kind="telephony_day", now=None):
    """Import per-day ("telephony_day") or per-call ("telephony_call") statistics.

    Every row is validated first; any bad row rejects the whole file (ImportRejected).
    The days from the file's first to its last date replace what was stored for them (their
    day sums and, for a per-call file, the calls behind the telephony figures and volumes).
    """
    now = now or utcnow()
    today = now.astimezone(STOCKHOLM).date()
    calls = []
    if kind == "telephony_day":
        days = {row.day: (row.offered, row.answered, row.within) for row in
                imports.parse_telephony_days(raw, today, mapping)}
        lines = len(days)
    elif kind == "telephony_call":
        calls = imports.parse_telephony_calls(raw, today, mapping)
        targets = target_rows()
        days = {}
        for call in calls:
            limit = targets_for_month(call.day.strftime("%Y-%m"), targets)["phone"]["limit_seconds"]
            offered, answered, within = days.get(call.day, (0, 0, 0))
            days[call.day] = (offered + 1, answered + call.answered,
                              within + (call.answered and call.wait_seconds <= limit))
        lines = len(calls)
    else:
        raise GoalsError("Okänt format.")
    first, last = min(days), max(days)
    record = _import_record(actor, kind, filename, lines, first, last, now)
    replaced = db.session.execute(delete(TelephonyDay).where(TelephonyDay.day.between(first, last))).rowcount
    # A per-day file over days that had calls leaves no calls behind that would disagree with its sums.
    db.session.execute(delete(TelephonyCall).where(TelephonyCall.day.between(first, last)))
    db.session.add_all(TelephonyDay(day=day, month=day.strftime("%Y-%m"), offered=o, answered=a,
                                    answered_within=w, import_id=record.id)
                       for day, (o, a, w) in sorted(days.items()))
    if calls:  # one executemany: a month of calls is tens of thousands of rows
        db.session.execute(insert(TelephonyCall), [
            {"day": call.day, "month": call.day.strftime("%Y-%m"), "hour": call.hour, "weekday": call.day.weekday(),
             "wait_seconds": call.wait_seconds, "answered": call.answered, "import_id": record.id}
            for call in calls])
    return _finish_import(actor, record, replaced, now)


def import_survey(actor, filename, raw, mapping=None, now=None):
    """Import survey answers per month; a month already stored is replaced. Raises ImportRejected."""
    now = now or utcnow()
    rows = imports.parse_survey(raw, mapping)
    first, last = min(r.month for r in rows), max(r.month for r in rows)
    record = _import_record(actor, "survey", filename, len(rows), first_day(first), first_day(last), now)
    replaced = 0
    for row in rows:
        replaced += _store_survey(actor, row.month, row.scale, row.answers, now, record.id)
    return _finish_import(actor, record, replaced, now)


def _import_record(actor, kind, filename, rows, first, last, now):
    record = GoalImport(kind=kind, filename=(filename or "fil.csv")[:200], rows=rows, period_from=first,
                        period_to=last, imported_at=now, imported_by=actor.username)
    db.session.add(record)
    db.session.flush()
    return record


def _finish_import(actor, record, replaced, now):
    closed = sorted(closed_months(record.period_from.strftime("%Y-%m"), record.period_to.strftime("%Y-%m")))
    audit.record("goals.imported", actor, "goal_import", record.id,
                 {"kind": record.kind, "filename": record.filename, "rows": record.rows,
                  "from": record.period_from.isoformat(), "to": record.period_to.isoformat(),
                  "replaced": replaced, "closed_months": closed}, now)
    db.session.commit()
    return ImportSummary(record.kind, record.rows, record.period_from, record.period_to, replaced, closed)


def _store_survey(actor, month, scale, answers, now, import_id=None):
    row = db.session.scalar(select(SurveyMonth).filter_by(month=month))
    replaced = row is not None
    if row is None:
        row = SurveyMonth(month=month)
        db.session.add(row)
    padded = list(answers) + [0] * (5 - len(answers))
    row.scale = scale
    row.answer_1, row.answer_2, row.answer_3, row.answer_4, row.answer_5 = padded
    row.import_id, row.updated_at, row.updated_by = import_id, now, actor.username
    return int(replaced)


def save_survey_month(actor, month, scale, answers, now=None):
    """Enter one month's survey answers by hand (replaces the month). Raises GoalsError."""
    now = now or utcnow()
    if imports.parse_month(month) is None:
        raise GoalsError("Ange månaden som ÅÅÅÅ-MM.")
    if scale not in (4, 5):
        raise GoalsError("Skalan måste ha 4 eller 5 steg.")
    answers = [a or 0 for a in answers[:scale]]
    if any(a < 0 for a in answers) or sum(answers) == 0:
        raise GoalsError("Ange antalet svar för varje svarsalternativ (minst ett svar).")
    replaced = _store_survey(actor, month, scale, answers, now)
    audit.record("goals.survey_saved", actor, "goal_survey_month", month,
                 {"scale": scale, "answers": answers, "replaced": bool(replaced)}, now)
    db.session.commit()


def save_web_assessment(actor, year, top_percent, note=None, now=None):
    """Enter a year's web-service assessment: lulea.se among the best `top_percent` %. Raises GoalsError."""
    now = now or utcnow()
    if year is None or not 2000 <= year <= now.year:
        raise GoalsError(f"Ange ett år mellan 2000 och {now.year}.")
    if top_percent is None or not 0 < top_percent <= 100:
        raise GoalsError("Ange placeringen som procent mellan 0 och 100.")
    row = db.session.scalar(select(WebAssessment).filter_by(year=year))
    before = None if row is None else row.top_percent
    if row is None:
        row = WebAssessment(year=year)
        db.session.add(row)
    row.top_percent, row.note, row.updated_at, row.updated_by = float(top_percent), note or None, now, actor.username
    audit.record("goals.web_assessment_saved", actor, "goal_web_assessment", year,
                 {"before": before, "after": float(top_percent), "note": note}, now)
    db.session.commit()


def recent_imports(limit=10):
    return db.session.scalars(select(GoalImport).order_by(GoalImport.id.desc()).limit(limit)).all()


def survey_months(limit=13):
    return db.session.scalars(select(SurveyMonth).order_by(SurveyMonth.month.desc()).limit(limit)).all()


def web_assessments():
    return db.session.scalars(select(WebAssessment).order_by(WebAssessment.year.desc())).all()


# --- exports ----------------------------------------------------------------------------------

CSV_HEADER = ["Period", "Mål", "Resultat (%)", "Målnivå", "Uppfyllt", "Täljare", "Nämnare",
              "Jämförelse året innan (%)", "Fastställd"]
CRISIS_CSV_HEADER = ["Period", "Krismeddelande", "Ärenden", *CHANNELS.values()]


def csv_number(value):
    """Decimal comma and no thousands separator: what Swedish Excel reads as a number."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    return str(value)


def export_csv(first, last, now=None):
    """The goals for each month of the period and for the whole period, for Swedish Excel.

    UTF-8 with BOM, semicolons, decimal commas, CRLF line ends.
    """
    now = now or utcnow()
    months = month_range(first, last)
    closes = closed_months(first, last)
    figures = figures_for(months, closes=closes)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    groups = [(m, [m]) for m in months]
    if len(months) > 1:
        groups.append((f"{first}–{last}", months))
    for label, group in groups:
        final = all(m in closes for m in group)
        for result in kpi.results(period_totals(figures, group)):
            writer.writerow([label, result.goal.name, csv_number(result.value), kpi.target_text(result),
                             {True: "Ja", False: "Nej", None: "Ingen data"}[result.met],
                             csv_number(result.numerator), csv_number(result.denominator),
                             csv_number(result.previous), "Ja" if final else "Nej, preliminär"])
    crisis_rows = _crisis_csv_rows(groups)
    if crisis_rows:
        # A section of its own after an empty row: the goal rows above keep their columns.
        writer.writerow([])
        writer.writerow(CRISIS_CSV_HEADER)
        writer.writerows(crisis_rows)
    return "\ufeff" + out.getvalue()


def _crisis_counts_by_message(counts, months):
    """{crisis id: {channel: count}} summed over `months`, from enquiries.crisis_counts."""
    wanted, summed = set(months), {}
    for (month, crisis_id), channels in counts.items():
        if month in wanted:
            total = summed.setdefault(crisis_id, dict.fromkeys(CHANNELS, 0))
            for channel, count in channels.items():
                total[channel] = total.get(channel, 0) + count
    return summed


def _crisis_csv_rows(groups):
    """Per period of the CSV, each crisis message's tagged enquiries, in all and per channel."""
    counts = enquiry_services.crisis_counts({m for _, group in groups for m in group})
    if not counts:
        return []
    names = crisis_services.titles({crisis_id for _, crisis_id in counts})
    rows = []
    for label, group in groups:
        for crisis_id, channels in sorted(_crisis_counts_by_message(counts, group).items()):
            rows.append([label, names.get(crisis_id, f"Meddelande {crisis_id}"), sum(channels.values()),
                         *(channels.get(channel, 0) for channel in CHANNELS)])
    return rows


def public_crisis_counts(months):
    """The results API's crisis field: per crisis message, its tagged enquiries in `months`, counts only."""
    summed = _crisis_counts_by_message(enquiry_services.crisis_counts(months), months)
    names = crisis_services.titles(set(summed))
    return [{"message_id": crisis_id, "title": names.get(crisis_id), "enquiries": sum(channels.values()),
             "by_channel": channels}
            for crisis_id, channels in sorted(summed.items())]


# --- public results ---------------------------------------------------------------------------

def parse_year(text, now=None):
    """A year for the public results; raises GoalsError for anything else."""
    now = now or utcnow()
    text = (text or "").strip()
    # isascii: str.isdigit() and int() also take other scripts' digits (٢٠٢٦ is 2026).
    if not (text.isascii() and text.isdigit()) or len(text) != 4 or not 2000 <= int(text) <= now.year + 1:
        raise GoalsError(f"Ange året som ÅÅÅÅ, mellan 2000 och {now.year + 1}.")
    return int(text)


@dataclass
class PublicMonth:
    month: str
    label: str
    closed_at: object
    results: list


def public_results(year):
    """The closed months of `year` and their results, plus the closed months together."""
    closes = closed_months(f"{year}-01", f"{year}-12")
    months = [PublicMonth(m, month_label(m), closes[m].closed_at, kpi.results(kpi.combine([closes[m].figures])))
              for m in sorted(closes)]
    together = kpi.results(kpi.combine([closes[m].figures for m in sorted(closes)])) if closes else []
    return months, together


def result_json(result):
    return {"goal": result.goal.key, "name": result.goal.name, "value": result.value,
            "target": result.target, "comparison": result.goal.comparison,
            "met": result.met, "numerator": result.numerator, "denominator": result.denominator,
            "previous_year_value": result.previous if result.goal.key == "eservice" else None}


def public_results_json(year):
    months, together = public_results(year)
    return {
        "year": year,
        "timezone": "Europe/Stockholm",
        "goals": [{"goal": g.key, "name": g.name, "comparison": g.comparison, "description": g.description}
                  for g in kpi.GOALS.values()],
        "months": [{"month": m.month, "closed_at": m.closed_at.astimezone(STOCKHOLM).isoformat(),
                    "results": [result_json(r) for r in m.results]} for m in months],
        "closed_months_together": [result_json(r) for r in together],
        # Added to the contract: enquiries about each crisis in the closed months, aggregated.
        "crisis": public_crisis_counts([m.month for m in months]),
    }

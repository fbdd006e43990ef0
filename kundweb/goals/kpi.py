"""The service goals and their arithmetic on month figures: plain data in, results out, no database.

A month's figures are a JSON-able dict (the same shape is frozen when a month is closed):

    {"month": "2025-03",
     "enquiries": {channel: {outcome: count}},
     "categories": {category id: {"group", "name", "active", "total", "direct"}},
     "telephony": {"offered", "answered", "within"} | None,
     "survey": {"scale", "responses", "satisfied"} | None,
     "web": {"year", "top_percent"} | None,
     "targets": {goal: {"value", "limit_seconds"}},
     "previous": {"eservice", "total"}}  # the same month a year earlier, for the e-service goal

A period's result is computed from the SUM of its months' counts (never an average of
monthly percentages), against the targets in force in the period's last month.
"""
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from kundweb.enquiries.models import CHANNELS


@dataclass(frozen=True)
class Goal:
    key: str
    name: str
    comparison: str  # "min": value >= target; "max": value <= target; "increase": value - last year > target
    description: str
    source: str


GOALS = {
    "direct": Goal("direct", "Svar direkt i Kundcenter", "min",
                   "Andel av alla inkomna ärenden, alla kanaler, som besvaras direkt i Kundcenter.",
                   "Loggade ärenden"),
    "satisfaction": Goal("satisfaction", "Kundnöjdhet", "min",
                         "Andel som är nöjda eller mycket nöjda med kommunens bemötande och tillgänglighet.",
                         "Kundenkät"),
    "phone": Goal("phone", "Väntetid i telefon", "min",
                  "Andel av samtalen som besvaras inom gränsen (5 minuter).",
                  "Telefonistatistik"),
    "web": Goal("web", "Webbplatsen lulea.se", "max",
                "Placering i den nationella serviceskattningen av webben: bland de bästa så här många procenten.",
                "Serviceskattning per år"),
    "eservice": Goal("eservice", "Frågor via e-tjänster", "increase",
                     "Andel av alla ärenden som kommer via e-tjänster; ska öka jämfört med samma period året innan.",
                     "Loggade ärenden"),
}
GOAL_ORDER = list(GOALS)
# The guideline's targets (riktlinjen, "Servicemål"): used for any month no stored target covers.
GUIDELINE_TARGETS = {
    "direct": {"value": 70.0, "limit_seconds": None},
    "satisfaction": {"value": 70.0, "limit_seconds": None},
    "phone": {"value": 90.0, "limit_seconds": 300},
    "web": {"value": 10.0, "limit_seconds": None},
    "eservice": {"value": 0.0, "limit_seconds": None},
}
GUIDELINE_VALID_FROM = date(2018, 1, 1)


def empty_figures(month):
    return {"month": month, "enquiries": {}, "categories": {}, "telephony": None, "survey": None,
            "web": None, "targets": {},
            "previous": {"eservice": 0, "total": 0}}


def percent(numerator, denominator):
    """numerator / denominator in percent, one decimal, rounded half up; None without a denominator."""
    if not denominator:
        return None
    value = (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return float(value)


@dataclass
class Totals:
    """The summed counts of one or more months."""

    months: list
    total: int = 0
    direct: int = 0
    by_channel: dict = field(default_factory=dict)  # channel -> {"total", "direct"}
    by_outcome: dict = field(default_factory=dict)
    categories: dict = field(default_factory=dict)  # id -> {"group", "name", "active", "total", "direct"}
    telephony: dict | None = None
    telephony_months: int = 0
    survey: dict | None = None
    survey_months: int = 0
    web: dict | None = None
    targets: dict = field(default_factory=dict)
    previous_eservice: int = 0
    previous_total: int = 0

    @property
    def eservice(self):
        return self.by_channel.get("etjanst", {}).get("total", 0)


def combine(figures_list):
    """Sum the months' figures (in month order) into Totals."""
    figures_list = sorted(figures_list, key=lambda f: f["month"])
    totals = Totals(months=[f["month"] for f in figures_list])
    for figures in figures_list:
        for channel, outcomes in figures["enquiries"].items():
            row = totals.by_channel.setdefault(channel, {"total": 0, "direct": 0})
            for outcome, count in outcomes.items():
                row["total"] += count
                totals.total += count
                totals.by_outcome[outcome] = totals.by_outcome.get(outcome, 0) + count
                if outcome == "direct":
                    row["direct"] += count
                    totals.direct += count
        for key, category in figures["categories"].items():
            row = totals.categories.setdefault(key, {**category, "total": 0, "direct": 0})
            row["total"] += category["total"]
            row["direct"] += category["direct"]
        if figures["telephony"]:
            totals.telephony = _add(totals.telephony, figures["telephony"], ("offered", "answered", "within"))
            totals.telephony_months += 1
        if figures["survey"]:
            totals.survey = _add(totals.survey, figures["survey"], ("responses", "satisfied"))
            totals.survey_months += 1
        if figures["web"]:
            totals.web = figures["web"]  # the latest year's assessment in the period
        if figures["targets"]:
            totals.targets = figures["targets"]
        previous = figures.get("previous") or {}
        totals.previous_eservice += previous.get("eservice", 0)
        totals.previous_total += previous.get("total", 0)
    return totals


def _add(into, more, keys):
    into = dict(into or {key: 0 for key in keys})
    for key in keys:
        into[key] += more[key]
    return into


@dataclass(frozen=True)
class Result:
    """One goal's outcome for a period: value in percent, the counts behind it, met or not."""

    goal: Goal
    value: float | None
    numerator: int | None
    denominator: int | None
    target: float | None
    limit_seconds: int | None = None
    met: bool | None = None  # None: no data (or nothing to compare with)
    previous: float | None = None  # e-services: the same months a year earlier
    coverage: str | None = None  # e.g. "2 av 3 månader" when an input is missing for some months

    @property
    def status(self):
        return {True: "met", False: "missed", None: "nodata"}[self.met]


def results(totals):
    """Each goal's Result for `totals` (the e-service goal compares with the same months a year earlier)."""
    targets = {goal: totals.targets.get(goal) or GUIDELINE_TARGETS[goal] for goal in GOALS}
    months = len(totals.months)
    out = {}

    out["direct"] = _result("direct", totals.direct, totals.total, targets)
    tel = totals.telephony
    out["phone"] = _result("phone", tel["within"] if tel else None, tel["offered"] if tel else None, targets,
                           coverage=_coverage(totals.telephony_months, months) if tel else None)
    survey = totals.survey
    out["satisfaction"] = _result("satisfaction", survey["satisfied"] if survey else None,
                                  survey["responses"] if survey else None, targets,
                                  coverage=_coverage(totals.survey_months, months) if survey else None)
    web_value = totals.web["top_percent"] if totals.web else None
    out["web"] = Result(GOALS["web"], web_value, None, None, targets["web"]["value"],
                        met=None if web_value is None else web_value <= targets["web"]["value"],
                        coverage=str(totals.web["year"]) if totals.web else None)
    value = percent(totals.eservice, totals.total)
    before = percent(totals.previous_eservice, totals.previous_total)
    met = None
    if value is not None and before is not None:
        met = round(value - before, 1) > targets["eservice"]["value"]
    out["eservice"] = Result(GOALS["eservice"], value, totals.eservice, totals.total, targets["eservice"]["value"],
                             met=met, previous=before)
    return [out[goal] for goal in GOAL_ORDER]


def _result(goal, numerator, denominator, targets, coverage=None):
    target = targets[goal]["value"]
    value = percent(numerator, denominator) if numerator is not None else None
    met = None if value is None else value >= target
    return Result(GOALS[goal], value, numerator, denominator, target, targets[goal]["limit_seconds"], met,
                  coverage=coverage)


def _coverage(with_data, months):
    return None if with_data >= months else f"{with_data} av {months} månader"


def channel_rows(totals):
    """Per channel: count, share of all enquiries, share answered directly (form order)."""
    rows = []
    for channel, label in CHANNELS.items():
        row = totals.by_channel.get(channel, {"total": 0, "direct": 0})
        rows.append({"channel": channel, "label": label, "total": row["total"],
                     "share": percent(row["total"], totals.total), "direct": row["direct"],
                     "direct_share": percent(row["direct"], row["total"])})
    return rows


def category_rows(totals):
    """Per category, most enquiries first: count and share answered directly."""
    rows = [{**row, "id": key, "direct_share": percent(row["direct"], row["total"]),
             "share": percent(row["total"], totals.total)}
            for key, row in totals.categories.items() if row["total"]]
    return sorted(rows, key=lambda r: (-r["total"], r["group"], r["name"]))


def target_text(result, previous_label=None):
    """The target in words, e.g. "minst 70 %"."""
    value = format_number(result.target)
    if result.goal.comparison == "min":
        text = f"minst {value} %"
        if result.goal.key == "phone" and result.limit_seconds:
            text += f" inom {format_duration(result.limit_seconds)}"
        return text
    if result.goal.comparison == "max":
        return f"bland de bästa {value} %"
    if result.target:
        return f"minst {value} procentenheter högre än {previous_label or 'året innan'}"
    return f"högre än {previous_label or 'samma period året innan'}"


def format_number(value, decimals=1):
    """72.4 -> "72,4"; whole numbers without decimals ("70"); thin-space thousands for counts."""
    if value is None:
        return "–"
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}".replace(",", "\u00a0")
    return f"{value:,.{decimals}f}".replace(",", "\u00a0").replace(".", ",")


def format_percent(value):
    """A goal's value: always one decimal ("74,0"), so a column of results lines up."""
    return "–" if value is None else f"{value:.1f}".replace(".", ",")


def format_duration(seconds):
    minutes, rest = divmod(int(seconds), 60)
    if rest == 0:
        return f"{minutes} minuter" if minutes != 1 else "1 minut"
    return f"{minutes} min {rest} s"

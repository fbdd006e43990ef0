"""Service-goal arithmetic against hand-computed figures: month boundaries in Europe/Stockholm,
daylight-saving changes, empty months, retired categories, targets changing mid-year."""
from datetime import date, datetime, timezone

import pytest

from kundweb.audit.services import Actor
from kundweb.enquiries import services as enquiries
from kundweb.extensions import db
from kundweb.goals import kpi, services
from kundweb.goals.models import SurveyMonth, TelephonyDay, WebAssessment
from tests.callback_helpers import callback_for

AGENT = Actor("bertil", frozenset({"agent"}))
ADMIN = Actor("david", frozenset({"admin"}))
UTC = timezone.utc


@pytest.fixture
def category(app_context):
    enquiries.add_target(ADMIN, "unit", "Socialförvaltningen")
    return enquiries.add_category(ADMIN, "Stadsbyggnadsförvaltningen", "Bygglov")


def log(category, at, channel="telefon", outcome="direct"):
    target = enquiries.targets()[0].id if outcome == "forwarded" else None
    return enquiries.log_enquiry(AGENT, enquiries.EnquiryInput(channel, category.id, outcome, target,
                                                                     callback=callback_for(outcome)), now=at)[0]


def results(first, last=None):
    months = services.month_range(first, last or first)
    figures = services.figures_for(months, category_months=months)
    return {r.goal.key: r for r in kpi.results(kpi.combine([figures[m] for m in months]))}


def test_percent_is_rounded_half_up_to_one_decimal():
    assert kpi.percent(2, 3) == 66.7 and kpi.percent(1, 8) == 12.5 and kpi.percent(1, 16) == 6.3
    assert kpi.percent(0, 0) is None


def test_an_empty_month_has_no_results_and_judges_nothing(app_context):
    by_goal = results("2025-02")
    assert all(r.value is None and r.met is None for r in by_goal.values())
    assert by_goal["direct"].target == 70.0 and by_goal["phone"].limit_seconds == 300


@pytest.mark.parametrize("utc, month, day", [
    (datetime(2025, 3, 31, 21, 30, tzinfo=UTC), "2025-03", "2025-03-31"),  # 23.30 summer time, last day of March
    (datetime(2025, 3, 31, 22, 30, tzinfo=UTC), "2025-04", "2025-04-01"),  # 00.30 on 1 April
    (datetime(2025, 1, 31, 22, 30, tzinfo=UTC), "2025-01", "2025-01-31"),  # 23.30 winter time
    (datetime(2025, 1, 31, 23, 0, tzinfo=UTC), "2025-02", "2025-02-01"),   # midnight in Stockholm
    (datetime(2025, 3, 30, 0, 59, tzinfo=UTC), "2025-03", "2025-03-30"),   # 01.59, just before clocks go forward
    (datetime(2025, 3, 30, 1, 0, tzinfo=UTC), "2025-03", "2025-03-30"),    # 03.00, just after
    (datetime(2025, 10, 26, 0, 30, tzinfo=UTC), "2025-10", "2025-10-26"),  # 02.30 the first time (summer time)
    (datetime(2025, 10, 26, 1, 30, tzinfo=UTC), "2025-10", "2025-10-26"),  # 02.30 the second time (winter time)
    (datetime(2025, 10, 31, 22, 30, tzinfo=UTC), "2025-10", "2025-10-31"),  # 23.30 last day, after the change
    (datetime(2025, 12, 31, 23, 30, tzinfo=UTC), "2026-01", "2026-01-01"),  # 00.30 on New Year's Day
])
def test_enquiries_count_in_their_local_month_and_day(category, utc, month, day):
    enquiry = log(category, utc)
    assert (enquiry.month, enquiry.local_date.isoformat()) == (month, day)
    assert results(month)["direct"].denominator == 1
    other = services.add_months(month, 1 if utc.day > 15 else -1)
    assert not results(other)["direct"].denominator


def test_direct_share_of_a_period_sums_counts_rather_than_averaging_months(category):
    log(category, datetime(2025, 5, 10, 10, tzinfo=UTC))  # May: 1 of 1 direct (100 %)
    for outcome in ("forwarded", "callback", "registry"):  # June: 0 of 3 (0 %)
        log(category, datetime(2025, 6, 10, 10, tzinfo=UTC), outcome=outcome)
    assert results("2025-05")["direct"].value == 100.0 and results("2025-06")["direct"].value == 0.0
    period = results("2025-05", "2025-06")["direct"]
    assert (period.value, period.numerator, period.denominator, period.met) == (25.0, 1, 4, False)


def test_direct_share_on_the_target_is_met(category):
    for outcome in ["direct"] * 7 + ["forwarded"] * 3:
        log(category, datetime(2025, 9, 3, 9, tzinfo=UTC), outcome=outcome)
    result = results("2025-09")["direct"]
    assert (result.value, result.met) == (70.0, True)


def test_eservice_share_compares_with_the_same_months_a_year_earlier(category):
    for i in range(10):  # Sept 2024: 1 of 10 via e-services (10 %)
        log(category, datetime(2024, 9, 2, 9, tzinfo=UTC), channel="etjanst" if i == 0 else "telefon")
    for i in range(8):  # Sept 2025: 2 of 8 (25 %)
        log(category, datetime(2025, 9, 2, 9, tzinfo=UTC), channel="etjanst" if i < 2 else "epost")
    result = results("2025-09")["eservice"]
    assert (result.value, result.previous, result.met) == (25.0, 10.0, True)
    assert results("2024-09")["eservice"].met is None  # nothing to compare 2024 with
    # A falling share misses the goal.
    for _ in range(16):  # 2 of 24
        log(category, datetime(2025, 9, 3, 9, tzinfo=UTC), channel="telefon")
    assert (results("2025-09")["eservice"].value, results("2025-09")["eservice"].met) == (8.3, False)


def test_phone_and_satisfaction_from_their_inputs(app_context):
    db.session.add_all([
        TelephonyDay(day=date(2025, 4, 1), month="2025-04", offered=100, answered=96, answered_within=91),
        TelephonyDay(day=date(2025, 4, 2), month="2025-04", offered=50, answered=45, answered_within=40),
        SurveyMonth(month="2025-04", scale=5, answer_1=5, answer_2=5, answer_3=10, answer_4=40, answer_5=40,
                    updated_at=datetime.now(UTC)),
        SurveyMonth(month="2025-05", scale=4, answer_1=10, answer_2=25, answer_3=40, answer_4=25,
                    updated_at=datetime.now(UTC)),
        WebAssessment(year=2024, top_percent=8.0, updated_at=datetime.now(UTC)),
    ])
    db.session.commit()
    april = results("2025-04")
    assert (april["phone"].value, april["phone"].numerator, april["phone"].denominator) == (87.3, 131, 150)
    assert april["phone"].met is False
    assert (april["satisfaction"].value, april["satisfaction"].met) == (80.0, True)
    may = results("2025-05")
    assert (may["satisfaction"].value, may["satisfaction"].met) == (65.0, False)  # top two of four: 40 + 25
    assert may["phone"].value is None
    both = results("2025-04", "2025-05")
    assert both["satisfaction"].value == 72.5 and both["phone"].coverage == "1 av 2 månader"
    # The web assessment is yearly: a 2025 month shows the latest one, 2024's.
    assert (april["web"].value, april["web"].met, april["web"].coverage) == (8.0, True, "2024")


def test_retired_categories_stay_in_the_figures(category):
    log(category, datetime(2025, 2, 3, 9, tzinfo=UTC))
    enquiries.set_category_active(ADMIN, category.id, False)
    rows = kpi.category_rows(kpi.combine(services.figures_for(["2025-02"], category_months=["2025-02"]).values()))
    assert [(r["name"], r["active"], r["total"]) for r in rows] == [("Bygglov", False, 1)]


def test_a_target_changed_mid_year_applies_from_its_month_only(category):
    services.add_target(ADMIN, "direct", 75, "2025-07")
    for month in ("06", "07"):  # 72 % both months
        for outcome in ["direct"] * 18 + ["forwarded"] * 7:
            log(category, datetime(2025, int(month), 10, 9, tzinfo=UTC), outcome=outcome)
    june, july = results("2025-06")["direct"], results("2025-07")["direct"]
    assert (june.value, june.target, june.met) == (72.0, 70.0, True)
    assert (july.value, july.target, july.met) == (72.0, 75.0, False)
    # A period is judged against the target in force in its last month.
    assert results("2025-01", "2025-07")["direct"].target == 75.0
    assert results("2025-01", "2025-06")["direct"].target == 70.0


@pytest.mark.parametrize("goal, value, month, message", [
    ("direct", 0, "2025-01", "mellan"),
    ("direct", 101, "2025-01", "mellan"),
    ("direct", 70, "2025-13", "ÅÅÅÅ-MM"),
    ("phone", 90, "2025-01", "sekunder"),
    ("nope", 70, "2025-01", "servicemålen"),
])
def test_invalid_targets_are_refused(app_context, goal, value, month, message):
    with pytest.raises(services.GoalsError, match=message):
        services.add_target(ADMIN, goal, value, month)


def test_dashboard_columns_for_month_year_to_date_and_period(category):
    log(category, datetime(2025, 3, 5, 9, tzinfo=UTC))
    log(category, datetime(2025, 8, 5, 9, tzinfo=UTC), outcome="forwarded")
    board = services.dashboard("2025-03", "2025-08", now=datetime(2025, 11, 1, tzinfo=UTC))
    assert [c.key for c in board.columns] == ["month", "ytd", "period"]
    direct = {c.key: c.results[0] for c in board.columns}
    assert (direct["month"].value, direct["ytd"].value, direct["period"].value) == (0.0, 50.0, 50.0)
    assert len(board.trend) == 13 and board.trend[-1].month == "2025-08"
    assert {r["channel"]: r["total"] for r in board.channels}["telefon"] == 2

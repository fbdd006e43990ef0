"""Telephony figures, the agents' wait-time sample and the volume by hour and weekday, hand-computed."""
from datetime import date, datetime, timezone

import pytest

from kundweb.audit.services import Actor
from kundweb.enquiries import services as enquiries
from kundweb.goals import services, telephony

ADMIN = Actor("david", frozenset({"admin"}))
AGENT = Actor("bertil", frozenset({"agent"}))
UTC = timezone.utc
NOW = datetime(2025, 12, 1, 12, tzinfo=UTC)
HEADER = "tidpunkt;väntetid i sekunder;besvarat\n"
# 2025-03-03, a Monday, local times. Hand-computed with the 5 s rule: 6 calls, 2 given up
# within 5 s (3 s and 5 s), so 4 offered; 3 answered; 1 abandoned (60 s) -> 25,0 %.
# ASA (20 + 100 + 400) / 3 = 173,3 -> 173 s. Within 300 s: 2 of 4 offered -> 50,0 %.
# Longest wait 400 s. Without the rule: 6 offered, 3 abandoned -> 50,0 %, 2 of 6 -> 33,3 %.
MONDAY = HEADER + """2025-03-03 10:05;20;ja
2025-03-03 10:20;100;ja
2025-03-03 10:40;400;ja
2025-03-03 11:00;3;nej
2025-03-03 11:10;5;nej
2025-03-03 11:30;60;nej
"""
# The next day in a per-day file: 10 offered, 8 answered, 7 within; no calls, so no ASA for it.
TUESDAY = "datum;erbjudna;besvarade;besvarade inom gränsen\n2025-03-04;10;8;7\n"


def report(short, first=date(2025, 3, 3), last=date(2025, 3, 31)):
    return telephony.telephony_report(first, last, short)


def test_abandoned_rate_asa_service_level_and_longest_wait_with_the_short_abandon_rule(app_context):
    services.import_telephony(ADMIN, "samtal.csv", MONDAY.encode(), kind="telephony_call", now=NOW)
    day = report(5).days[0]
    assert (day.offered, day.answered, day.abandoned, day.short_abandoned) == (4, 3, 1, 2)
    assert (day.abandon_rate, day.asa, day.service_level, day.longest) == (25.0, 173, 50.0, 400)
    day = report(0).days[0]
    assert (day.offered, day.answered, day.abandoned, day.short_abandoned) == (6, 3, 3, 0)
    assert (day.abandon_rate, day.asa, day.service_level, day.longest) == (50.0, 173, 33.3, 400)
    day = report(3).days[0]  # "within 3 s": only the 3 s call is a short abandon
    assert (day.offered, day.abandoned, day.abandon_rate) == (5, 2, 40.0)


def test_month_and_period_sum_the_days_and_per_day_files_give_no_asa(app_context):
    services.import_telephony(ADMIN, "samtal.csv", MONDAY.encode(), kind="telephony_call", now=NOW)
    services.import_telephony(ADMIN, "dag.csv", TUESDAY.encode(), now=NOW)
    result = report(5)
    tuesday = result.days[1]
    assert (tuesday.offered, tuesday.answered, tuesday.abandoned, tuesday.asa, tuesday.longest) == (10, 8, 2, None, None)
    assert (tuesday.abandon_rate, tuesday.service_level) == (20.0, 70.0)
    march = result.months[0]
    # 4 + 10 offered, 3 + 8 answered, 1 + 2 abandoned, 2 + 7 within; ASA only from Monday's calls
    assert (march.label, march.offered, march.answered, march.abandoned, march.within) == ("2025-03", 14, 11, 3, 9)
    assert (march.abandon_rate, march.service_level, march.asa, march.longest) == (21.4, 64.3, 173, 400)
    assert (march.days, march.calls_days) == (2, 1)
    assert result.period.offered == 14 and report(5, last=date(2025, 3, 3)).period.offered == 4


def test_a_per_day_reimport_removes_the_calls_of_its_days(app_context):
    services.import_telephony(ADMIN, "samtal.csv", MONDAY.encode(), kind="telephony_call", now=NOW)
    services.import_telephony(ADMIN, "dag.csv", TUESDAY.replace("2025-03-04", "2025-03-03").encode(), now=NOW)
    day = report(5).days[0]
    assert (day.offered, day.asa, day.calls_days) == (10, None, 0)
    assert telephony.volume_by_hour(date(2025, 3, 3), date(2025, 3, 3))[0].total == 0


def test_calls_and_enquiries_by_local_hour_and_weekday_across_both_dst_changes(app_context):
    category = enquiries.add_category(ADMIN, "Lulebo AB", "Bostadskö")
    # Calls with offsets, around the spring change (Sunday 30 March 2025, 02:00 CET -> 03:00 CEST):
    # Saturday 09:30Z = 10:30 local (CET), Sunday 09:30Z = 11:30 local (CEST), Monday 08:30Z = 10:30.
    calls = HEADER + "2025-03-29T09:30:00Z;10;ja\n2025-03-30T09:30:00Z;10;ja\n2025-03-31T08:30:00+00:00;10;nej\n"
    services.import_telephony(ADMIN, "samtal.csv", calls.encode(), kind="telephony_call", now=NOW)
    # Enquiries: Friday 28 March 09:15Z = 10 local; Monday 31 March 08:15Z = 10 local (CEST);
    # the autumn change (Sunday 26 October, 03:00 CEST -> 02:00 CET): 00:30Z and 01:30Z are both 02:30 local.
    for moment, channel in [(datetime(2025, 3, 28, 9, 15, tzinfo=UTC), "telefon"),
                            (datetime(2025, 3, 31, 8, 15, tzinfo=UTC), "epost"),
                            (datetime(2025, 10, 26, 0, 30, tzinfo=UTC), "telefon"),
                            (datetime(2025, 10, 26, 1, 30, tzinfo=UTC), "telefon"),
                            (datetime(2025, 10, 26, 23, 30, tzinfo=UTC), "telefon")]:  # Monday 00:30 local
        enquiries.log_enquiry(AGENT, enquiries.EnquiryInput(channel, category.id, "direct"), now=moment)
    maps = {m.key: m for m in telephony.volume_by_hour(date(2025, 3, 1), date(2025, 10, 31))}
    assert maps["samtal"].counts == {(5, 10): 1, (6, 11): 1, (0, 10): 1}
    assert maps["alla"].counts == {(4, 10): 1, (0, 10): 1, (6, 2): 2, (0, 0): 1}
    assert maps["telefon"].counts == {(4, 10): 1, (6, 2): 2, (0, 0): 1} and maps["epost"].counts == {(0, 10): 1}
    # The period's local days bound it: 31 October 23:30Z is 1 November locally, outside.
    enquiries.log_enquiry(AGENT, enquiries.EnquiryInput("telefon", category.id, "direct"),
                          now=datetime(2025, 10, 31, 23, 30, tzinfo=UTC))
    assert {m.key: m for m in telephony.volume_by_hour(date(2025, 3, 1), date(2025, 10, 31))}["alla"].total == 5


def test_the_agents_logged_wait_times_are_a_sample_of_their_own(app_context):
    category = enquiries.add_category(ADMIN, "Lulebo AB", "Bostadskö")
    for wait, channel in [(60, "telefon"), (400, "telefon"), (None, "telefon"), (30, "telefon")]:
        enquiries.log_enquiry(AGENT, enquiries.EnquiryInput(channel, category.id, "direct", wait_seconds=wait),
                              now=datetime(2025, 3, 3, 9, tzinfo=UTC))
    months, period = telephony.agents_wait_sample("2025-03", "2025-03", {"2025-03": 300})
    # 3 calls with a wait: mean (60 + 400 + 30) / 3 = 163,3 -> 163 s; 2 of 3 within 300 s.
    assert (period.calls, period.mean, period.within_share, period.longest) == (3, 163, 66.7, 400)
    assert [m.label for m in months] == ["2025-03"]


def test_the_telephony_page_shows_the_figures_the_heat_map_and_the_sample(app, login_as):
    with app.app_context():
        services.import_telephony(ADMIN, "samtal.csv", MONDAY.encode(), kind="telephony_call", now=NOW)
    page = login_as("agent").get("/servicemal/telefoni?from=2025-03&to=2025-03")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Avhoppsfrekvens" in html and "25,0 %" in html and "173 s" in html and "50,0 %" in html
    assert '<th scope="col">mån</th>' in html and '<th scope="row">10–11</th>' in html
    assert "Handläggarnas stickprov" in html and "<caption" in html


@pytest.mark.parametrize("query", ["from=2025-13", "from=x"])
def test_a_bad_period_on_the_telephony_page_falls_back_with_a_message(login_as, query):
    page = login_as("agent").get(f"/servicemal/telefoni?{query}")
    assert page.status_code == 200 and "notice--error" in page.get_data(as_text=True)


def test_the_sample_counts_within_each_months_own_limit(app_context):
    category = enquiries.add_category(ADMIN, "Lulebo AB", "Bostadskö")
    for month, wait in [(3, 100), (4, 100), (4, 30)]:
        enquiries.log_enquiry(AGENT, enquiries.EnquiryInput("telefon", category.id, "direct", wait_seconds=wait),
                              now=datetime(2025, month, 3, 9, tzinfo=UTC))
    months, period = telephony.agents_wait_sample("2025-03", "2025-04", {"2025-03": 300, "2025-04": 60})
    # March: 100 s within 300 s; April: only 30 s within 60 s -> 2 of 3
    assert [(m.label, m.within) for m in months] == [("2025-03", 1), ("2025-04", 1)] and period.within == 2


def test_the_dashboard_reads_no_call_rows_the_new_figures_cost_only_where_shown(app, login_as):
    """The dashboard_year benchmark's page: the per-call figures and volumes are read on their own page only."""
    from sqlalchemy import event

    from kundweb.extensions import db

    with app.app_context():
        services.import_telephony(ADMIN, "samtal.csv", MONDAY.encode(), kind="telephony_call", now=NOW)
        engine = db.engine
    client = login_as("agent")
    statements = []

    def remember(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", remember)
    try:
        assert client.get("/servicemal?from=2025-01&to=2025-12").status_code == 200
        on_dashboard = list(statements)
        statements.clear()
        assert client.get("/servicemal/telefoni?from=2025-01&to=2025-12").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    assert on_dashboard and not [s for s in on_dashboard if "goal_telephony_call" in s]
    assert any("goal_telephony_call" in s and "GROUP BY" in s for s in statements)

"""The enquiries tagged to a crisis, reported: on the message's page, in the goals CSV and the results API."""
import csv
import io
import json
import re
from datetime import datetime, timezone

import pytest

from kundweb.audit.services import Actor
from kundweb.crisis import services as crisis
from kundweb.enquiries import services as enquiries
from kundweb.goals import services as goals
from tests.callback_helpers import callback_for

COMMUNICATOR = Actor("cecilia", frozenset({"communicator"}))
ADMIN = Actor("david", frozenset({"admin"}))
AGENT = Actor("bertil", frozenset({"agent"}))
NOW = datetime(2026, 12, 4, 9, 0, tzinfo=timezone.utc)


def _at(text):
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


@pytest.fixture
def tagged(app):
    """Two crises and their enquiries; the counts the tests expect are worked out by hand beside each."""
    with app.app_context():
        storm = crisis.create_message(COMMUNICATOR, crisis.MessageInput("Storm", "Stanna inne.", "warning"))
        power = crisis.create_message(COMMUNICATOR, crisis.MessageInput("Strömavbrott", "Inget el.", "critical"))
        bygglov = enquiries.add_category(ADMIN, "Stadsbyggnadsförvaltningen", "Bygglov").id
        bostad = enquiries.add_category(ADMIN, "Lulebo AB", "Bostadskö").id
        rows = [  # UTC time; October is UTC+2 in Sweden, November UTC+1
            ("2026-10-20T06:10", "telefon", bygglov, "direct", storm.id),     # 20 okt 08–09
            ("2026-10-20T06:50", "telefon", bostad, "callback", storm.id),    # 20 okt 08–09
            ("2026-10-20T07:05", "epost", bygglov, "direct", storm.id),       # 20 okt 09–10
            ("2026-11-02T12:30", "facebook", bygglov, "direct", storm.id),    # 2 nov 13–14
            ("2026-10-21T10:00", "telefon", bygglov, "direct", power.id),
            ("2026-10-20T06:20", "telefon", bygglov, "direct", None),         # not about a crisis
        ]
        for when, channel, category, outcome, crisis_id in rows:
            enquiries.log_enquiry(AGENT, enquiries.EnquiryInput(channel, category, outcome, note="Ring Greta Svensson",
                                                                crisis_id=crisis_id, callback=callback_for(outcome)),
                                  [storm.id, power.id], now=_at(when))
        goals.close_month(ADMIN, "2026-10", "Månadsrapporten", now=NOW)
        return storm.id, power.id


def test_the_report_counts_a_crisis_enquiries_by_hour_channel_category_and_outcome(app, tagged):
    storm, _ = tagged
    with app.app_context():
        report = enquiries.crisis_report(storm)
    assert report.total == 4
    assert [(h.strftime("%Y-%m-%d %H"), n) for h, n in report.by_hour] == [
        ("2026-10-20 08", 2), ("2026-10-20 09", 1), ("2026-11-02 13", 1)]
    assert report.by_channel == [("Telefon", 2), ("E-post", 1), ("Facebook", 1)]
    assert report.by_category == [("Stadsbyggnadsförvaltningen: Bygglov", 3), ("Lulebo AB: Bostadskö", 1)]
    assert report.by_outcome == [("Besvarad direkt i Kundcenter", 3), ("Återkoppling", 1)]


def test_the_message_page_shows_the_report_to_communicators(app, client, login_as, tagged):
    storm, _ = tagged
    login_as("communicator")
    html = client.get(f"/kris/{storm}").get_data(as_text=True)
    report = html.split('id="crisis-enquiries"')[1]
    assert "4 ärenden" in report
    cells = re.findall(r"<t[hd][^>]*>([^<]+)</t[hd]>", report)
    for row in (["2026-10-20 08.00–09.00", "2"], ["2026-10-20 09.00–10.00", "1"], ["2026-11-02 13.00–14.00", "1"],
                ["Telefon", "2"], ["E-post", "1"], ["Facebook", "1"],
                ["Stadsbyggnadsförvaltningen: Bygglov", "3"], ["Lulebo AB: Bostadskö", "1"],
                ["Besvarad direkt i Kundcenter", "3"], ["Återkoppling", "1"]):
        index = cells.index(row[0])
        assert cells[index:index + 2] == row
    assert "Greta" not in html and "bertil" not in report


def test_a_message_without_tagged_enquiries_says_so(app, client, login_as):
    with app.app_context():
        message_id = crisis.create_message(COMMUNICATOR, crisis.MessageInput("Storm", "Stanna inne.", "info")).id
    login_as("communicator")
    assert "Inga ärenden är märkta med krisen ännu." in client.get(f"/kris/{message_id}").get_data(as_text=True)


def test_the_goals_csv_has_a_crisis_section_per_month_and_for_the_period(app, tagged):
    storm, power = tagged
    with app.app_context():
        text = goals.export_csv("2026-10", "2026-11", now=NOW)
    lines = text[1:].split("\r\n")
    start = lines.index("") + 1
    rows = list(csv.reader(io.StringIO("\r\n".join(lines[start:]), newline=""), delimiter=";"))
    assert rows[0] == ["Period", "Krismeddelande", "Ärenden", "Telefon", "E-post", "Besök", "Chatt", "Facebook",
                       "E-tjänst", "Brev"]
    assert [r for r in rows[1:] if r] == [
        ["2026-10", "Storm", "3", "2", "1", "0", "0", "0", "0", "0"],
        ["2026-10", "Strömavbrott", "1", "1", "0", "0", "0", "0", "0", "0"],
        ["2026-11", "Storm", "1", "0", "0", "0", "0", "1", "0", "0"],
        ["2026-10–2026-11", "Storm", "4", "2", "1", "0", "0", "1", "0", "0"],
        ["2026-10–2026-11", "Strömavbrott", "1", "1", "0", "0", "0", "0", "0", "0"],
    ]
    # The goal rows before it are as they were: the first section still parses on its own.
    goal_rows = list(csv.DictReader(io.StringIO("\r\n".join(lines[:start - 1]), newline=""), delimiter=";"))
    assert goal_rows and all(row["Period"] for row in goal_rows)


def test_without_crisis_enquiries_the_csv_has_no_crisis_section(app):
    with app.app_context():
        text = goals.export_csv("2026-10", "2026-10", now=NOW)
    assert "Krismeddelande" not in text and "\r\n\r\n" not in text


def test_the_results_api_adds_crisis_counts_of_closed_months_only(app, client, tagged):
    storm, power = tagged
    response = client.get("/api/v1/results?year=2026")
    body = response.get_json()
    zero = {"telefon": 0, "epost": 0, "besok": 0, "chatt": 0, "facebook": 0, "etjanst": 0, "brev": 0}
    # November is open: Storm's enquiry on 2 November is not counted yet.
    assert body["crisis"] == [
        {"message_id": storm, "title": "Storm", "enquiries": 3, "by_channel": {**zero, "telefon": 2, "epost": 1}},
        {"message_id": power, "title": "Strömavbrott", "enquiries": 1, "by_channel": {**zero, "telefon": 1}},
    ]
    # The contract's fields stay as they were.
    assert {"year", "timezone", "goals", "months", "closed_months_together"} <= set(body)
    raw = json.dumps(body, ensure_ascii=False)
    assert "Greta" not in raw and "bertil" not in raw


def test_the_results_api_has_an_empty_crisis_list_without_closed_months(app, client):
    assert client.get("/api/v1/results?year=2026").get_json()["crisis"] == []

"""Imports of telephony and survey data: every row checked, nothing imported on any error,
re-imports replace their period, both telephony formats, Windows-1252 and BOM files."""
import io
from datetime import datetime, timezone

import pytest

from kundweb.audit.models import AuditEvent
from kundweb.audit.services import Actor
from kundweb.extensions import db
from kundweb.goals import imports, services
from kundweb.goals.models import GoalImport, SurveyMonth, TelephonyDay
from tests.conftest import csrf_token

ADMIN = Actor("david", frozenset({"admin"}))
NOW = datetime(2025, 6, 15, 12, tzinfo=timezone.utc)

DAYS = "datum;erbjudna;besvarade;besvarade inom gränsen\n2025-03-03;120;115;110\n2025-03-04;80;78;60\n"
CALLS = ("tidpunkt;väntetid i sekunder;besvarat\n"
         "2025-03-03 08:01:10;30;ja\n2025-03-03 09:15:00;300;ja\n2025-03-03 10:00:00;301;ja\n"
         "2025-03-03 11:00:00;12;nej\n2025-03-04 08:00:00;5:00;ja\n")


def stored():
    return {(d.day.isoformat(), d.offered, d.answered, d.answered_within)
            for d in db.session.scalars(db.select(TelephonyDay))}


def test_per_day_file_is_imported(app_context):
    summary = services.import_telephony(ADMIN, "telefoni.csv", DAYS.encode(), now=NOW)
    assert (summary.rows, summary.period_from.isoformat(), summary.period_to.isoformat()) == (2, "2025-03-03",
                                                                                               "2025-03-04")
    assert stored() == {("2025-03-03", 120, 115, 110), ("2025-03-04", 80, 78, 60)}
    event = db.session.scalars(db.select(AuditEvent).filter_by(action="goals.imported")).one()
    assert event.details["rows"] == 2 and event.details["kind"] == "telephony_day"


def test_per_call_file_is_summed_per_day_with_the_targets_limit(app_context):
    services.import_telephony(ADMIN, "samtal.csv", CALLS.encode(), kind="telephony_call", now=NOW)
    # 3 March: four offered, three answered, two within 300 s (30 and exactly 300); 4 March: 5:00 is within.
    assert stored() == {("2025-03-03", 4, 3, 2), ("2025-03-04", 1, 1, 1)}


def test_bad_rows_are_all_reported_with_row_numbers_and_nothing_is_imported(app_context):
    bad = ("datum;erbjudna;besvarade;besvarade inom gränsen\n"
           "2025-03-03;120;115;110\n"
           "2025-02-30;10;5;5\n"          # row 3: no such date
           "2025-03-05;ett;5;5\n"          # row 4: not a number
           "2025-03-06;10;12;5\n"          # row 5: more answered than offered
           "2025-03-03;1;1;1\n"            # row 6: the same day twice
           "2025-07-01;1;1;1\n")           # row 7: in the future
    with pytest.raises(imports.ImportRejected) as caught:
        services.import_telephony(ADMIN, "fel.csv", bad.encode(), now=NOW)
    errors = caught.value.errors
    assert [e.split(":")[0] for e in errors] == ["Rad 3", "Rad 4", "Rad 5", "Rad 6", "Rad 7"]
    assert "ÅÅÅÅ-MM-DD" in errors[0] and "heltal" in errors[1] and "fler besvarade" in errors[2]
    assert "rad 2" in errors[3] and "inte varit" in errors[4]
    assert stored() == set() and db.session.scalar(db.select(db.func.count()).select_from(GoalImport)) == 0


def test_reimporting_a_period_replaces_it(app_context):
    services.import_telephony(ADMIN, "a.csv", DAYS.encode(), now=NOW)
    again = DAYS.replace("120;115;110", "125;120;118")
    summary = services.import_telephony(ADMIN, "b.csv", again.encode(), now=NOW)
    assert summary.replaced == 2
    assert stored() == {("2025-03-03", 125, 120, 118), ("2025-03-04", 80, 78, 60)}
    # Per call over the same days replaces the per-day figures too.
    services.import_telephony(ADMIN, "c.csv", CALLS.encode(), kind="telephony_call", now=NOW)
    assert stored() == {("2025-03-03", 4, 3, 2), ("2025-03-04", 1, 1, 1)}


def test_windows_1252_with_commas_and_other_headers_through_the_mapping(app_context):
    text = "Dag,Inkommande,Svarade,Svarade inom 5 min\r\n2025-03-03,10,9,8\r\n"
    data = text.encode("cp1252")
    with pytest.raises(imports.ImportRejected, match="svarade"):
        services.import_telephony(ADMIN, "x.csv", data, now=NOW)  # "Svarade" is not a known name
    services.import_telephony(ADMIN, "x.csv", data, {"answered": "Svarade", "within": "svarade inom 5 min"},
                              now=NOW)
    assert stored() == {("2025-03-03", 10, 9, 8)}


def test_a_file_with_a_bom_and_swedish_letters_in_windows_1252(app_context):
    bom = ("\ufeff" + CALLS).encode("utf-8")
    services.import_telephony(ADMIN, "bom.csv", bom, kind="telephony_call", now=NOW)
    assert len(stored()) == 2
    cp1252 = CALLS.replace("ja", "Ja").encode("cp1252")  # "väntetid" as one byte 0xE4
    assert b"\xe4" in cp1252
    services.import_telephony(ADMIN, "ansi.csv", cp1252, kind="telephony_call", now=NOW)
    assert stored() == {("2025-03-03", 4, 3, 2), ("2025-03-04", 1, 1, 1)}


@pytest.mark.parametrize("content, message", [
    (b"", "tom"),
    (b"datum;erbjudna\n2025-03-03;1\n", "besvarade"),
    (b"datum;erbjudna;besvarade;besvarade inom gransen\n", "inga datarader"),
])
def test_unusable_files_are_refused(app_context, content, message):
    with pytest.raises(imports.ImportRejected, match=message):
        services.import_telephony(ADMIN, "x.csv", content, now=NOW)


def test_survey_import_replaces_months_and_counts_the_top_two_answers(app_context):
    text = "månad;skala;svar 1;svar 2;svar 3;svar 4;svar 5\n2025-03;5;5;5;10;40;40\n2025-04;4;10;20;30;40;\n"
    services.import_survey(ADMIN, "enkat.csv", text.encode(), now=NOW)
    services.import_survey(ADMIN, "enkat.csv", text.replace("5;5;10;40;40", "0;0;0;1;1").encode(), now=NOW)
    rows = {s.month: (s.scale, s.answers()) for s in db.session.scalars(db.select(SurveyMonth))}
    assert rows == {"2025-03": (5, [0, 0, 0, 1, 1]), "2025-04": (4, [10, 20, 30, 40])}
    assert imports.satisfied(4, [10, 20, 30, 40]) == 70 and imports.satisfied(5, [1, 1, 1, 1, 1]) == 2


def test_bad_survey_rows_are_reported(app_context):
    text = "månad;skala;svar 1;svar 2;svar 3;svar 4;svar 5\n2025-13;5;1;1;1;1;1\n2025-04;3;1;1;1;;\n" \
           "2025-05;4;1;1;1;1;9\n2025-06;5;0;0;0;0;0\n"
    with pytest.raises(imports.ImportRejected) as caught:
        services.import_survey(ADMIN, "x.csv", text.encode(), now=NOW)
    assert [e.split(":")[0] for e in caught.value.errors] == ["Rad 2", "Rad 3", "Rad 4", "Rad 5"]
    assert db.session.scalar(db.select(db.func.count()).select_from(SurveyMonth)) == 0


def test_survey_and_web_entered_by_hand(app_context):
    services.save_survey_month(ADMIN, "2025-05", 5, [1, 2, 3, 4, 5], now=NOW)
    services.save_web_assessment(ADMIN, 2024, 8.5, "SKR 2024", now=NOW)
    with pytest.raises(services.GoalsError):
        services.save_web_assessment(ADMIN, 2030, 8.5, now=NOW)
    with pytest.raises(services.GoalsError):
        services.save_survey_month(ADMIN, "2025-05", 5, [0, 0, 0, 0, 0], now=NOW)


def test_upload_page_shows_every_error_and_imports_nothing(app, login_as):
    client = login_as("admin")
    token = csrf_token(client, "/servicemal/underlag")
    bad = DAYS + "2025-03-05;x;1;1\n"
    response = client.post("/servicemal/underlag/telefoni", data={
        "csrf_token": token, "tel-kind": "telephony_day",
        "tel-file": (io.BytesIO(bad.encode()), "telefoni.csv")}, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "importerades inte" in html and "Rad 4" in html
    response = client.post("/servicemal/underlag/telefoni", data={
        "csrf_token": token, "tel-kind": "telephony_day",
        "tel-file": (io.BytesIO(DAYS.encode()), "telefoni.csv")}, content_type="multipart/form-data")
    assert response.status_code == 302
    assert "Importerat: 2 rader" in client.get("/servicemal/underlag").get_data(as_text=True)
    with app.app_context():
        assert len(stored()) == 2


def test_agents_cannot_import(login_as, client):
    login_as("agent")
    assert client.get("/servicemal/underlag").status_code == 403
    assert client.get("/servicemal/mal").status_code == 403

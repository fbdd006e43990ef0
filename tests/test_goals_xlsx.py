"""The Excel export of a dashboard period read back with openpyxl, and .xlsx imports checked like CSV."""
import io
from datetime import date, datetime, timezone

import openpyxl
import pytest

from kundweb.audit.services import Actor
from kundweb.enquiries import services as enquiries
from kundweb.extensions import db
from kundweb.goals import imports, services
from kundweb.goals.models import GoalImport, TelephonyCall, TelephonyDay
from tests.conftest import csrf_token
from tests.callback_helpers import callback_for

ADMIN = Actor("david", frozenset({"admin"}))
AGENT = Actor("bertil", frozenset({"agent"}))
UTC = timezone.utc
NOW = datetime(2025, 6, 15, 12, tzinfo=UTC)
CALLS = "tidpunkt;väntetid i sekunder;besvarat\n2025-03-03 10:05;20;ja\n2025-03-03 10:20;100;ja\n2025-03-03 11:30;60;nej\n"


def seed(app):
    """March 2025: 3 of 4 direct (75,0 %), April: 1 of 2 (50,0 %); three calls on 3 March."""
    with app.app_context():
        category = enquiries.add_category(ADMIN, "Lulebo AB", "Bostadskö")
        for day, channel, outcome in [(3, "telefon", "direct"), (4, "etjanst", "direct"), (5, "epost", "direct"),
                                      (6, "telefon", "callback")]:
            enquiries.log_enquiry(AGENT, enquiries.EnquiryInput(channel, category.id, outcome,
                                                                callback=callback_for(outcome)),
                                  now=datetime(2025, 3, day, 9, tzinfo=UTC))
        for outcome in ("direct", "callback"):
            enquiries.log_enquiry(AGENT, enquiries.EnquiryInput("besok", category.id, outcome,
                                                                callback=callback_for(outcome)),
                                  now=datetime(2025, 4, 2, 9, tzinfo=UTC))
        services.import_telephony(ADMIN, "samtal.csv", CALLS.encode(), kind="telephony_call", now=NOW)
        services.close_month(ADMIN, "2025-03", "Månadsrapporten", now=NOW)


def workbook_of(response):
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(response.data))


def test_the_excel_export_has_a_sheet_per_view_with_numbers_as_numbers_and_months_as_text(app, login_as):
    seed(app)
    response = login_as("agent").get("/servicemal/export.xlsx?from=2025-03&to=2025-04")
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Cache-Control"] == "no-store"
    assert 'filename="servicemal-2025-03-till-2025-04.xlsx"' in response.headers["Content-Disposition"]
    book = workbook_of(response)
    assert book.sheetnames == ["Mål per månad", "Kanaler", "Kategorier", "Telefoni", "Definitioner"]
    goals = book["Mål per månad"]
    header = [cell for cell in goals[1]]
    assert [c.value for c in header] == ["Mål", "2025-03", "2025-04", "Hela perioden"]
    assert all(c.data_type == "s" and isinstance(c.value, str) for c in header[1:3])  # text, never dates
    assert header[1].number_format == "@"
    rows = {row[0].value: row for row in goals.iter_rows(min_row=2)}
    direct = rows["Svar direkt i Kundcenter (%)"]
    assert [c.value for c in direct[1:]] == [75.0, 50.0, 66.7]
    assert direct[1].data_type == "n" and direct[1].number_format == "0.0"
    assert [c.value for c in rows["Fastställd"][1:]] == ["Ja", "Nej, preliminär", "Nej, preliminär"]
    assert [c.value for c in rows["Svar direkt i Kundcenter: uppfyllt"][1:]] == ["Ja", "Nej", "Nej"]
    channels = {row[0]: row for row in book["Kanaler"].iter_rows(min_row=2, values_only=True)}
    assert channels["Telefon"][1:3] == (2, 33.3) and book["Kanaler"]["B2"].number_format == "#,##0"
    categories = list(book["Kategorier"].iter_rows(min_row=2, values_only=True))
    assert categories == [("Lulebo AB", "Bostadskö", 6, 100.0, 4, 66.7)]
    phone = {row[0].value: row for row in book["Telefoni"].iter_rows(min_row=2)}
    march = phone["2025-03"]
    assert march[0].data_type == "s"
    # 3 offered, 2 answered, 1 abandoned -> 33,3 %; ASA (20 + 100) / 2 = 60 s; longest 100 s
    assert [c.value for c in march[1:8]] == [3, 2, 1, 33.3, 60, 66.7, 100]
    assert march[4].number_format == "0.0" and march[5].number_format == "#,##0"
    definitions = [row[0] for row in book["Definitioner"].iter_rows(min_row=2, values_only=True)]
    assert "Avhoppsfrekvens" in definitions and "Svar direkt i Kundcenter" in definitions


def test_the_dashboard_links_the_excel_export_and_the_csv_stays(app, login_as):
    client = login_as("agent")
    html = client.get("/servicemal?from=2025-03&to=2025-04").get_data(as_text=True)
    assert "/servicemal/export.xlsx?from=2025-03&amp;to=2025-04" in html and "/servicemal/export.csv" in html
    assert client.get("/servicemal/export.xlsx?from=x").status_code == 302


def xlsx(rows, sheet="Blad1"):
    book = openpyxl.Workbook()
    book.active.title = sheet
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_an_xlsx_per_call_file_with_real_date_and_number_cells_is_imported(app_context):
    data = xlsx([["Tidpunkt", "Väntetid i sekunder", "Besvarat"],
                 [datetime(2025, 3, 3, 10, 5), 20, "ja"], [datetime(2025, 3, 3, 11, 30), 60.0, "nej"],
                 [None, None, None],
                 [datetime(2025, 3, 4, 9, 0), 1, True]])
    summary = services.import_telephony(ADMIN, "samtal.xlsx", data, kind="telephony_call", now=NOW)
    assert (summary.rows, summary.period_from, summary.period_to) == (3, date(2025, 3, 3), date(2025, 3, 4))
    assert db.session.scalars(db.select(TelephonyCall.hour).order_by(TelephonyCall.id)).all() == [10, 11, 9]
    day = db.session.scalars(db.select(TelephonyDay).order_by(TelephonyDay.day)).first()
    assert (day.offered, day.answered) == (2, 1)


def test_an_xlsx_file_with_a_bad_row_is_refused_with_its_row_number_and_nothing_is_written(app_context):
    data = xlsx([["datum", "erbjudna", "besvarade", "besvarade inom gränsen"],
                 [date(2025, 3, 3), 100, 95, 92], ["2025-03-04", 10, 12, 5], [date(2025, 3, 5), "många", 1, 1]])
    with pytest.raises(imports.ImportRejected) as rejected:
        services.import_telephony(ADMIN, "dagar.xlsx", data, now=NOW)
    assert rejected.value.errors == ["Rad 3: fler besvarade (12) än erbjudna (10) samtal.",
                                     "Rad 4: ”erbjudna” måste vara ett heltal, 0 eller större (står ”många”)."]
    assert db.session.scalar(db.select(db.func.count()).select_from(TelephonyDay)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(GoalImport)) == 0


def test_an_xlsx_survey_with_a_missing_column_says_which(app_context):
    with pytest.raises(imports.ImportRejected, match="kolumnen ”skala” saknas"):
        services.import_survey(ADMIN, "enkat.xlsx", xlsx([["månad", "svar 1"], ["2025-03", 4]]), now=NOW)
    services.import_survey(ADMIN, "enkat.xlsx", xlsx([["månad", "skala", "svar 1", "svar 2", "svar 3", "svar 4"],
                                                      ["2025-03", 4, 1, 2, 3, 4]]), now=NOW)


def test_a_broken_xlsx_file_is_refused_in_swedish(app_context):
    with pytest.raises(imports.ImportRejected, match="Excel"):
        services.import_survey(ADMIN, "trasig.xlsx", b"PK\x03\x04" + b"\0" * 100, now=NOW)


def test_the_upload_form_takes_an_xlsx_file(app, login_as):
    admin = login_as("admin")
    data = xlsx([["datum", "erbjudna", "besvarade", "besvarade inom gränsen"], [date(2025, 3, 3), 10, 12, 5]])
    response = admin.post("/servicemal/underlag/telefoni", content_type="multipart/form-data",
                          data={"csrf_token": csrf_token(admin, "/servicemal/underlag"), "tel-kind": "telephony_day",
                                "tel-file": (io.BytesIO(data), "dagar.xlsx")})
    assert response.status_code == 400 and "Rad 2: fler besvarade (12) än erbjudna (10) samtal." in response.get_data(as_text=True)


def test_a_category_name_that_looks_like_a_formula_stays_text_in_the_workbook(app_context):
    from kundweb.goals import workbook

    category = enquiries.add_category(ADMIN, "Lulebo AB", '=HYPERLINK("http://example.invalid","Klicka")')
    enquiries.log_enquiry(AGENT, enquiries.EnquiryInput("telefon", category.id, "direct"),
                          now=datetime(2025, 3, 3, 9, tzinfo=UTC))
    book = openpyxl.load_workbook(io.BytesIO(workbook.export_xlsx("2025-03", "2025-03", 5)))
    cell = book["Kategorier"]["B2"]
    assert cell.data_type == "s" and cell.value.startswith("'=")


def test_an_xlsx_call_at_midnight_keeps_its_time_and_a_date_cell_with_midnight_is_a_date(app_context):
    calls = xlsx([["tidpunkt", "väntetid i sekunder", "besvarat"], [datetime(2025, 3, 3, 0, 0), 5, "ja"],
                  [datetime(2025, 3, 3, 0, 0, 30), "2:30", 1]])
    services.import_telephony(ADMIN, "natt.xlsx", calls, kind="telephony_call", now=NOW)
    assert db.session.execute(db.select(TelephonyCall.hour, TelephonyCall.wait_seconds)
                              .order_by(TelephonyCall.id)).all() == [(0, 5), (0, 150)]
    services.import_telephony(ADMIN, "natt.xlsx", calls, kind="telephony_call", now=NOW)  # replaces, never doubles
    assert db.session.scalar(db.select(db.func.count()).select_from(TelephonyCall)) == 2

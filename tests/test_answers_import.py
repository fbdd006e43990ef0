"""Importing question–answer lists (CSV and .xlsx): column mapping, row-numbered errors, all or nothing (R-KB-8)."""
import io
from datetime import date, datetime, timezone

import openpyxl
import pytest
from sqlalchemy import func, select

from kundweb.answers import imports, services
from kundweb.answers.models import Answer, AnswerVersion
from kundweb.audit.models import AuditEvent
from kundweb.extensions import db
from tests.answers_editing_helpers import ADMIN, AGENT, BUILDING_EDITOR, owners
from tests.conftest import csrf_token

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
HEADER = "Fråga;Svar;Andra formuleringar;Sökord;Länkar;Ägare;Ansvarig;Kategori;Synlighet;Granska senast"
GOOD_ROWS = [
    "Hur lång tid tar ett bygglov?;Normalt högst tio veckor från komplett ansökan.;Handläggningstid;bygglov tid;"
    "Ansök om bygglov | https://www.lulea.se/bygglov;Stadsbyggnadsförvaltningen;hanna;Stadsbyggnad – Bygglov;"
    "publik;2027-09-01",
    "Behöver jag bygglov för en altan?;Oftast inte om den är lägre än 1,8 meter.;;altan uteplats;"
    "https://www.lulea.se/altan;Stadsbyggnadsförvaltningen;hanna;Bygglov;intern;",
]


def csv_bytes(*rows, header=HEADER, encoding="utf-8"):
    return ("\n".join([header, *rows]) + "\n").encode(encoding)


def xlsx_bytes(rows):
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def setup(app_context):
    return owners()


def _answers():
    return db.session.scalars(select(Answer).order_by(Answer.id)).all()


def test_a_csv_list_becomes_drafts_with_version_one_each_audited(setup):
    summary = imports.import_answers(BUILDING_EDITOR, "svar.csv", csv_bytes(*GOOD_ROWS), NOW)
    assert (summary.count, summary.status) == (2, "draft")
    first, second = _answers()
    assert (first.question, first.status, first.version, first.visibility) == (
        "Hur lång tid tar ett bygglov?", "draft", 1, "publik")
    assert first.links == [{"label": "Ansök om bygglov", "url": "https://www.lulea.se/bygglov"}]
    assert (first.unit_id, first.responsible_id, first.category_id) == (setup.building, setup.hanna.id, setup.bygglov)
    assert first.review_by == date(2027, 9, 1) and second.review_by == date(2027, 3, 2)  # empty: a year ahead
    assert second.links == [{"label": "https://www.lulea.se/altan", "url": "https://www.lulea.se/altan"}]
    assert db.session.scalar(select(func.count()).select_from(AnswerVersion)) == 2
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-3:] == ["answer.created", "answer.created", "answer.imported"]


def test_answers_may_be_imported_as_published(setup):
    imports.import_answers(ADMIN, "svar.csv", csv_bytes(*GOOD_ROWS), NOW, status="published")
    assert {a.status for a in _answers()} == {"published"}


def test_an_xlsx_list_with_date_cells_and_other_headers_mapped_is_imported(setup):
    raw = xlsx_bytes([["Kundens fråga", "Vårt svar", "Ansvarig", "Kategori", "Granska senast"],
                      ["Får jag elda i trädgården?", "Nej, inte inom detaljplanerat område.", "hanna", "Bygglov",
                       datetime(2026, 12, 1)]])
    summary = imports.import_answers(BUILDING_EDITOR, "svar.xlsx", raw, NOW, default_owner=f"unit:{setup.building}",
                                     mapping={"question": "Kundens fråga", "body": "Vårt svar"})
    [answer] = _answers()
    assert summary.count == 1 and answer.review_by == date(2026, 12, 1) and answer.unit_id == setup.building


def test_every_bad_row_is_named_and_nothing_is_written(setup):
    raw = csv_bytes(
        GOOD_ROWS[0],
        ";Svar utan fråga;;;;Stadsbyggnadsförvaltningen;hanna;Bygglov;;",
        "Farlig länk?;Svar;;;Klicka | javascript:alert(1);Stadsbyggnadsförvaltningen;hanna;Bygglov;;",
        "Okänd ägare?;Svar;;;;Finns inte AB;hanna;Bygglov;;",
        "Okänd ansvarig?;Svar;;;;Stadsbyggnadsförvaltningen;nobody;Bygglov;;",
        "Okänd kategori?;Svar;;;;Stadsbyggnadsförvaltningen;hanna;Parkering;hemlig;",
        GOOD_ROWS[0],
    )
    with pytest.raises(imports.ImportRejected) as rejected:
        imports.import_answers(BUILDING_EDITOR, "svar.csv", raw, NOW)
    errors = rejected.value.errors
    assert "Rad 3: Skriv frågan så som en kommuninvånare ställer den." in errors
    assert any(e.startswith("Rad 4: Länk 1: Länken måste vara en webbadress") for e in errors)
    assert "Rad 5: Ägaren ”Finns inte AB” är ingen förvaltning eller inget bolag i katalogen." in errors
    assert "Rad 6: Ingen person i katalogen har användarnamnet ”nobody”." in errors
    assert "Rad 7: Kategorin ”Parkering” finns inte bland de aktiva kategorierna." in errors
    assert "Rad 7: ”synlighet” måste vara intern eller publik (står ”hemlig”)." in [
        e.replace("Rad 7: ”Synlighet”", "Rad 7: ”synlighet”") for e in errors]
    assert "Rad 8: Frågan står redan på rad 2." in errors
    assert _answers() == [] and db.session.scalar(select(func.count()).select_from(AnswerVersion)) == 0


def test_a_missing_column_is_named_with_the_headers_found(setup):
    with pytest.raises(imports.ImportRejected) as rejected:
        imports.import_answers(BUILDING_EDITOR, "svar.csv", csv_bytes("x;y", header="Fråga;Text"), NOW)
    assert "Rad 1: kolumnen ”ansvarig” saknas." in rejected.value.errors
    assert rejected.value.errors[-1].startswith("Rubrikerna i filen är:")


def test_an_editor_imports_only_into_their_own_department_and_the_attempt_is_audited(setup):
    raw = csv_bytes(GOOD_ROWS[0], "Hur söker jag försörjningsstöd?;Ansök via e-tjänsten.;;;;Socialförvaltningen;"
                                  "hanna;Bygglov;;")
    with pytest.raises(imports.ImportRejected) as rejected:
        imports.import_answers(BUILDING_EDITOR, "svar.csv", raw, NOW)
    assert rejected.value.errors == [
        "Rad 3: Du kan bara importera svar som din egen förvaltning eller ditt bolag äger."]
    assert _answers() == []
    [denied] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "answer.edit_denied")).all()
    assert denied.details == {"attempted": "import", "file": "svar.csv", "rows": [3]}
    with pytest.raises(imports.ImportRejected):
        imports.import_answers(AGENT, "svar.csv", csv_bytes(GOOD_ROWS[0]), NOW)


def test_a_question_already_in_the_bank_is_refused(setup):
    imports.import_answers(BUILDING_EDITOR, "svar.csv", csv_bytes(GOOD_ROWS[0]), NOW)
    with pytest.raises(imports.ImportRejected, match="finns redan i Kunskapsbanken"):
        imports.import_answers(BUILDING_EDITOR, "svar.csv", csv_bytes(GOOD_ROWS[0]), NOW)
    assert len(_answers()) == 1


def test_the_errors_shown_are_cut_off_like_the_goals_imports(setup):
    rows = [f";Svar {n};;;;Stadsbyggnadsförvaltningen;hanna;Bygglov;;" for n in range(80)]
    with pytest.raises(imports.ImportRejected) as rejected:
        imports.import_answers(BUILDING_EDITOR, "svar.csv", csv_bytes(*rows), NOW)
    shown = rejected.value.shown()
    assert len(shown) == 51 and shown[-1] == "… och 30 fel till."


def test_a_windows_1252_file_from_swedish_excel_is_read(setup):
    imports.import_answers(BUILDING_EDITOR, "svar.csv", csv_bytes(GOOD_ROWS[1], encoding="cp1252"), NOW)
    assert _answers()[0].question == "Behöver jag bygglov för en altan?"


def test_the_import_page_shows_row_errors_and_imports_a_good_file(app, client, login_as):
    with app.app_context():
        owners()
    login_as("editor")
    token = csrf_token(client, "/kunskapsbanken/import")
    bad = client.post("/kunskapsbanken/import", data={
        "csrf_token": token, "status": "draft",
        "file": (io.BytesIO(csv_bytes(";Svar;;;;Stadsbyggnadsförvaltningen;hanna;Bygglov;;")), "svar.csv")},
        content_type="multipart/form-data")
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "Filen importerades inte." in page and "Rad 2: Skriv frågan" in page
    good = client.post("/kunskapsbanken/import", data={
        "csrf_token": token, "status": "draft", "file": (io.BytesIO(csv_bytes(*GOOD_ROWS)), "svar.csv")},
        content_type="multipart/form-data")
    assert good.status_code == 302
    assert "2 svar importerade som utkast." in client.get(good.location).get_data(as_text=True)
    with app.app_context():
        assert len(services.list_answers(services.AnswerFilter(status="draft"), date(2026, 3, 2))) == 2


def test_a_file_over_the_limit_is_refused_with_413_before_it_is_read(app, client, login_as):
    login_as("editor")
    token = csrf_token(client, "/kunskapsbanken/import")
    response = client.post("/kunskapsbanken/import", data={
        "csrf_token": token, "status": "draft",
        "file": (io.BytesIO(b"x" * (imports.MAX_BYTES + 128 * 1024)), "stor.csv")}, content_type="multipart/form-data")
    assert response.status_code == 413
    with app.app_context():
        assert db.session.scalars(select(Answer)).all() == []

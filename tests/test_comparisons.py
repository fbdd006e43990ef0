"""Comparison figures in Kolada's format: the import (all or nothing), the choices, the goals pages."""
import io
import json
import re

import pytest

from kundweb.audit.models import AuditEvent
from kundweb.audit.services import Actor
from kundweb.comparisons import services
from kundweb.comparisons.models import ComparisonImport, ComparisonValue
from kundweb.extensions import db
from tests.conftest import csrf_token

ADMIN = Actor("david", frozenset({"admin"}))
AGENT = Actor("bertil", frozenset({"agent"}))


def _row(kpi="U00437", municipality="2580", period=2025, values=None):
    return {"kpi": kpi, "municipality": municipality, "period": period,
            "values": values if values is not None else [{"gender": "T", "status": "", "count": 1, "value": 61.5},
                                                         {"gender": "K", "value": 63.0}, {"gender": "M", "value": 60}]}


def _file(*rows):
    return json.dumps({"count": len(rows), "values": list(rows)}).encode()


def _count(model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_a_kolada_file_is_imported_and_audited(app, app_context):
    record = services.import_kolada(ADMIN, "kolada.json", _file(_row(), _row(municipality="0180")))
    assert record.rows == 6 and _count(ComparisonValue) == 6
    value = db.session.scalar(db.select(ComparisonValue).where(ComparisonValue.municipality == "0180",
                                                              ComparisonValue.gender == "T"))
    assert (value.kpi, value.period, value.value) == ("U00437", 2025, 61.5)
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "comparisons.imported"))
    assert event.details["values"] == 6 and event.details["kpis"] == ["U00437"] and event.actor == "david"


def test_a_file_with_a_bad_row_is_refused_row_by_row_and_nothing_is_written(app, app_context):
    bad = _file(_row(), _row(kpi="437", period="tjugofem"), _row(values=[{"gender": "X", "value": "hög"}]),
                _row(municipality="0180"))
    with pytest.raises(services.ImportRejected) as refused:
        services.import_kolada(ADMIN, "kolada.json", bad)
    assert refused.value.errors == [
        "Rad 2: kpi ska vara ett Kolada-id som U00437.",
        "Rad 2: period ska vara ett år, som 2025.",
        "Rad 3: kön (gender) ska vara T, K eller M.",
        "Rad 3: värdet för X är inte ett tal: 'hög'.",
    ]
    db.session.rollback()
    assert _count(ComparisonValue) == 0 and _count(ComparisonImport) == 0
    assert _count(AuditEvent) == 0


@pytest.mark.parametrize("raw, message", [
    (b"kpi;municipality\nU00437;2580", "inte JSON i Koladas format"),
    (b'{"values": []}', "Filen har inga rader"),
    (json.dumps({"values": [_row(), _row()]}).encode(), "Rad 2: U00437 för 2580 år 2025 står redan på rad 1."),
])
def test_files_that_are_not_kolada_data_are_refused(app, app_context, raw, message):
    with pytest.raises(services.ImportRejected, match=re.escape(message)):
        services.import_kolada(ADMIN, "fil.json", raw)
    assert _count(ComparisonValue) == 0


def test_a_new_file_for_the_same_kpi_municipality_and_year_replaces_the_values(app, app_context):
    services.import_kolada(ADMIN, "första.json", _file(_row()))
    services.import_kolada(ADMIN, "rättad.json", _file(_row(values=[{"gender": "T", "value": 64.0}])))
    assert [v.value for v in db.session.scalars(db.select(ComparisonValue))] == [64.0]


def test_choices_are_parsed_saved_and_audited(app, app_context):
    services.save_choices(ADMIN, "U00437; Direkt svar i telefon; direct\n\n",
                          "0180; Stockholm\nG124; Liknande kommuner")
    assert services.kpi_lines() == "U00437; Direkt svar i telefon; direct"
    assert services.municipality_lines() == "0180; Stockholm\nG124; Liknande kommuner"
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "comparisons.chosen"))
    assert event.details["after"]["municipalities"] == [["0180", "Stockholm"], ["G124", "Liknande kommuner"]]
    with pytest.raises(services.InvalidChoices) as refused:
        services.save_choices(ADMIN, "U00437; Direkt svar; telefon", "Stockholm")
    assert set(refused.value.field_errors) == {"kpis", "municipalities"}
    assert refused.value.field_errors["municipalities"].startswith("Rad 1: skriv kommunkod; namn")
    with pytest.raises(services.ComparisonError):
        services.save_choices(AGENT, "", "")


def test_beside_goals_shows_lulea_first_and_the_latest_year_up_to_the_one_asked(app, app_context):
    services.import_kolada(ADMIN, "k.json", _file(
        _row(period=2024, values=[{"gender": "T", "value": 58.0}]), _row(period=2025),
        _row(municipality="0180", period=2025, values=[{"gender": "T", "value": 70.0}]),
        _row(municipality="1480", period=2025, values=[{"gender": "T", "value": 99.0}])))
    services.save_choices(ADMIN, "U00437; Direkt svar i telefon; direct", "0180; Stockholm\n2581; Piteå")
    [shown] = services.beside_goals(2025)
    assert (shown.period, shown.goal.key) == (2025, "direct")
    assert shown.rows == [("Luleå", 61.5, True), ("Stockholm", 70.0, False), ("Piteå", None, False)]
    [earlier] = services.beside_goals(2024)
    assert earlier.period == 2024 and earlier.rows[0] == ("Luleå", 58.0, True)


# --- The pages ----------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["employee", "agent", "communicator"])
def test_only_admins_import_or_choose(client, login_as, role):
    login_as(role)
    token = csrf_token(client, "/start/" + role)
    assert client.get("/servicemal/jamforelser").status_code == 403
    assert client.post("/servicemal/jamforelser/import", data={
        "csrf_token": token, "kolada-file": (io.BytesIO(_file(_row())), "k.json")}).status_code == 403
    assert client.post("/servicemal/jamforelser/val", data={
        "csrf_token": token, "choices-kpis": "", "choices-municipalities": ""}).status_code == 403


def test_the_import_page_shows_row_numbered_errors(app, client, login_as):
    login_as("admin")
    token = csrf_token(client, "/servicemal/jamforelser")
    response = client.post("/servicemal/jamforelser/import", data={
        "csrf_token": token, "kolada-file": (io.BytesIO(_file(_row(), _row(municipality="Luleå"))), "k.json")})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Filen importerades inte. Inget sparades." in html
    assert "Rad 2: municipality ska vara en kommunkod" in html
    response = client.post("/servicemal/jamforelser/import", data={
        "csrf_token": token, "kolada-file": (io.BytesIO(_file(_row())), "k.json")}, follow_redirects=True)
    assert "Importerat: 3 värden från k.json." in response.get_data(as_text=True)


def test_the_dashboard_and_public_results_show_the_comparison_with_its_source(app, client, login_as):
    with app.app_context():
        services.import_kolada(ADMIN, "k.json", _file(_row(period=2025), _row(municipality="0180", period=2025)))
        services.save_choices(ADMIN, "U00437; Direkt svar i telefon; direct", "0180; Stockholm")
    public = client.get("/resultat?year=2025").get_data(as_text=True)
    for text in ("Jämförelser med andra kommuner", "Direkt svar i telefon (U00437), 2025", "Stockholm",
                 "61,5", "CC BY 4.0", "Kolada"):
        assert text in public
    login_as("agent")
    dashboard = client.get("/servicemal?from=2025-01&to=2025-12").get_data(as_text=True)
    assert "Direkt svar i telefon (U00437), 2025" in dashboard and "Luleå, Kundcenters eget mål" in dashboard
    assert "CC BY 4.0" in dashboard


def test_nothing_chosen_shows_nothing(client):
    assert "Jämförelser med andra kommuner" not in client.get("/resultat").get_data(as_text=True)


def test_demo_comparisons_are_seeded_once(app, app_context):
    from kundweb.demo.comparisons_seed import seed_comparisons

    assert len(seed_comparisons()) == 1 and seed_comparisons() == []
    assert len(services.choices("municipality")) == 3

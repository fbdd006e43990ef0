"""Comparison figures in a real browser: an admin imports a Kolada file (first with a bad row) and
chooses what to compare with; the public results show them with Kolada's attribution."""
import json
from datetime import date

from playwright.sync_api import expect

from tests.browser.conftest import log_in, screenshot


def _kolada(rows):
    return {"name": "kolada.json", "mimeType": "application/json", "buffer": json.dumps({"values": rows}).encode()}


def test_an_admin_imports_kolada_figures_and_the_public_results_show_them(app, page, axe_check):
    year = date.today().year - 1
    rows = [{"kpi": "U00437", "municipality": code, "period": year, "values": [{"gender": "T", "value": value}]}
            for code, value in (("2580", 62.0), ("2581", 58.5), ("2584", 71.0))]
    admin = log_in(page, "admin")
    admin.goto("/servicemal")
    admin.get_by_role("link", name="Jämförelser").click()
    expect(admin.get_by_role("heading", level=1, name="Jämförelser med andra kommuner")).to_be_visible()
    admin.get_by_label("Fil från Kolada (JSON)").set_input_files(
        files=[_kolada(rows + [{"kpi": "U00437", "municipality": "Piteå", "period": year, "values": []}])])
    admin.get_by_role("button", name="Importera").click()
    expect(admin.get_by_text("Filen importerades inte. Inget sparades.")).to_be_visible()
    expect(admin.get_by_text("Rad 4: municipality ska vara en kommunkod")).to_be_visible()
    axe_check(admin, "a refused Kolada import")
    screenshot(admin, "comparisons_import_refused")

    admin.get_by_label("Fil från Kolada (JSON)").set_input_files(files=[_kolada(rows)])
    admin.get_by_role("button", name="Importera").click()
    expect(admin.get_by_text("Importerat: 3 värden från kolada.json.")).to_be_visible()
    admin.get_by_label("Nyckeltal att jämföra").fill("U00437; Direkt svar i telefon på en enkel fråga; direct")
    admin.get_by_label("Kommuner eller grupper att jämföra med").fill("2581; Piteå\n2584; Kiruna")
    admin.get_by_role("button", name="Spara").click()
    expect(admin.get_by_text("Jämförelserna är sparade.")).to_be_visible()
    axe_check(admin, "the comparisons page")
    screenshot(admin, "comparisons_admin")

    admin.goto(f"/resultat?year={year}")
    table = admin.get_by_role("table", name=f"Direkt svar i telefon på en enkel fråga (U00437), {year}")
    expect(table).to_contain_text("Piteå")
    expect(table).to_contain_text("58,5")
    expect(admin.get_by_text("CC BY 4.0")).to_be_visible()
    axe_check(admin, "the public results with comparisons")
    screenshot(admin, "comparisons_public_results")

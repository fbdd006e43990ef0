"""The Excel workbook (.xlsx) of a dashboard period: a sheet per view and one with the definitions.

Numbers are stored as numbers with number formats (Swedish Excel shows them with decimal
commas and its own thousands separator); months are text cells formatted as text, so Excel
never turns "2025-03" into a date; every text cell is guarded against formula injection.
"""
import io
from datetime import timedelta

from openpyxl import Workbook
from openpyxl.styles import Font

from kundweb.goals import kpi, services, telephony
from kundweb.spreadsheet import safe_cell

COUNT = "#,##0"
PERCENT = "0.0"  # the values are percentages already (72.4 means 72,4 %), as in the CSV
TEXT = "@"
MET = {True: "Ja", False: "Nej", None: "Ingen data"}
TELEPHONY_DEFINITIONS = [
    ("Korta avhopp", "Samtal som avbryts efter högst {short} sekunders väntan. De räknas varken som erbjudna "
                     "eller som avhopp (0 sekunder: alla samtal räknas)."),
    ("Erbjudna", "Samtal, minus korta avhopp. För dagar som importerats som dagssummor: filens erbjudna samtal."),
    ("Avhoppsfrekvens", "(Erbjudna − besvarade) / erbjudna, i procent."),
    ("Medelväntetid (ASA)", "Besvarade samtals genomsnittliga väntetid i hela sekunder. "
                            "Bara dagar med statistik per samtal."),
    ("Servicenivå", "Samtal besvarade inom telefonmålets gräns / erbjudna, i procent."),
    ("Längsta väntetid", "Den längsta väntetiden för något samtal, besvarat eller inte. "
                         "Bara dagar med statistik per samtal."),
]


def export_xlsx(first, last, short_abandon_seconds, now=None):
    """The workbook of the months first..last as bytes."""
    months = services.month_range(first, last)
    closes = services.closed_months(first, last)
    figures = services.figures_for(months, category_months=months, closes=closes)
    book = Workbook()
    _goals_sheet(book.active, figures, months, closes)
    totals = services.period_totals(figures, months)
    _channels_sheet(book.create_sheet("Kanaler"), totals)
    _categories_sheet(book.create_sheet("Kategorier"), totals)
    last_day = services.first_day(services.add_months(last, 1)) - timedelta(days=1)
    report = telephony.telephony_report(services.first_day(first), last_day, short_abandon_seconds)
    _telephony_sheet(book.create_sheet("Telefoni"), report)
    _definitions_sheet(book.create_sheet("Definitioner"), short_abandon_seconds)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _header(sheet, titles):
    sheet.append([safe_cell(t) for t in titles])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
        cell.number_format = TEXT
    sheet.freeze_panes = "B2"


def _row(sheet, values, formats):
    """Append a row; `formats` gives each column's number format (None: text, guarded)."""
    sheet.append([safe_cell(v) if f is None and v is not None else v for v, f in zip(values, formats)])
    for cell, number_format in zip(sheet[sheet.max_row], formats):
        cell.number_format = number_format or TEXT


def _goals_sheet(sheet, figures, months, closes):
    """Wide: one row per goal and measure, one column per month, and the whole period last."""
    sheet.title = "Mål per månad"
    groups = [[m] for m in months] + ([months] if len(months) > 1 else [])
    _header(sheet, ["Mål", *months] + (["Hela perioden"] if len(months) > 1 else []))
    results = [kpi.results(services.period_totals(figures, group)) for group in groups]
    columns = len(groups)
    for index, goal in enumerate(kpi.GOAL_ORDER):
        name = kpi.GOALS[goal].name
        unit = "(%)" if goal != "web" else "(bland de bästa %)"
        _row(sheet, [f"{name} {unit}", *[r[index].value for r in results]], [None] + [PERCENT] * columns)
    for index, goal in enumerate(kpi.GOAL_ORDER):
        _row(sheet, [f"{kpi.GOALS[goal].name}: mål", *[kpi.target_text(r[index]) for r in results]],
             [None] * (columns + 1))
    for index, goal in enumerate(kpi.GOAL_ORDER):
        _row(sheet, [f"{kpi.GOALS[goal].name}: uppfyllt", *[MET[r[index].met] for r in results]],
             [None] * (columns + 1))
    for label, key in (("Ärenden totalt", "direct"), ("Samtal erbjudna", "phone"), ("Enkätsvar", "satisfaction")):
        index = kpi.GOAL_ORDER.index(key)
        _row(sheet, [label, *[r[index].denominator for r in results]], [None] + [COUNT] * columns)
    _row(sheet, ["Fastställd", *["Ja" if all(m in closes for m in g) else "Nej, preliminär" for g in groups]],
         [None] * (columns + 1))
    sheet.column_dimensions["A"].width = 42


def _channels_sheet(sheet, totals):
    _header(sheet, ["Kanal", "Ärenden", "Andel av alla (%)", "Besvarade direkt", "Andel direkt (%)"])
    for row in kpi.channel_rows(totals):
        _row(sheet, [row["label"], row["total"], row["share"], row["direct"], row["direct_share"]],
             [None, COUNT, PERCENT, COUNT, PERCENT])
    sheet.column_dimensions["A"].width = 24


def _categories_sheet(sheet, totals):
    _header(sheet, ["Förvaltning eller bolag", "Kategori", "Ärenden", "Andel av alla (%)", "Besvarade direkt",
                    "Andel direkt (%)"])
    for row in kpi.category_rows(totals):
        _row(sheet, [row["group"], row["name"], row["total"], row["share"], row["direct"], row["direct_share"]],
             [None, None, COUNT, PERCENT, COUNT, PERCENT])
    sheet.column_dimensions["A"].width = sheet.column_dimensions["B"].width = 32


def _telephony_sheet(sheet, report):
    _header(sheet, ["Månad", "Erbjudna", "Besvarade", "Avhopp", "Avhoppsfrekvens (%)", "Medelväntetid (s)",
                    "Servicenivå (%)", "Längsta väntetid (s)", "Korta avhopp", "Dagar", "Dagar med samtalsdata"])
    formats = [None, COUNT, COUNT, COUNT, PERCENT, COUNT, PERCENT, COUNT, COUNT, COUNT, COUNT]
    for figures, label in [(m, m.label) for m in report.months] + [(report.period, "Hela perioden")]:
        _row(sheet, [label, figures.offered, figures.answered, figures.abandoned, figures.abandon_rate, figures.asa,
                     figures.service_level, figures.longest, figures.short_abandoned if figures.calls_days else None,
                     figures.days, figures.calls_days], formats)


def _definitions_sheet(sheet, short_abandon_seconds):
    _header(sheet, ["Begrepp", "Definition", "Underlag"])
    for goal in kpi.GOALS.values():
        _row(sheet, [goal.name, goal.description, goal.source], [None, None, None])
    for term, text in TELEPHONY_DEFINITIONS:
        _row(sheet, [term, text.format(short=short_abandon_seconds), "Telefonistatistik"], [None, None, None])
    _row(sheet, ["Procent", "Räknas på periodens summerade antal, avrundas till en decimal (hälften uppåt).", ""],
         [None, None, None])
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 100

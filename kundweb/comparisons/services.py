"""Kolada comparison figures: the import (all or nothing, row-numbered errors), the admins' choices,
and the figures beside Luleå's own goals.

Kolada (www.kolada.se, RKA) publishes its data under CC BY 4.0: wherever the figures are shown,
the source is named (SOURCE). The file is downloaded by hand from Kolada's API; nothing is
fetched at run time.
"""
import json
import re
from dataclasses import dataclass

from kundweb.audit import services as audit
from kundweb.comparisons.models import GENDERS, ComparisonChoice, ComparisonImport, ComparisonValue
from kundweb.database import utcnow
from kundweb.extensions import db
from kundweb.goals import imports
from kundweb.goals.kpi import GOALS

SOURCE = "Källa: Kolada, RKA (Rådet för främjande av kommunala analyser), licens CC BY 4.0."
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/deed.sv"
LULEA = "2580"  # Luleå's municipality code, as Kolada writes it
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50000
KPI_ID = re.compile(r"^[A-Z]\d{5}$")
MUNICIPALITY_ID = re.compile(r"^(\d{4}|G\d{1,6})$")


class ComparisonError(Exception):
    """A change that cannot be made; the message is Swedish and safe to show."""


class ImportRejected(imports.ImportRejected, ComparisonError):
    """The file was not imported; `errors` says why, row by row (shown as the goals imports show theirs)."""


class InvalidChoices(ComparisonError):
    def __init__(self, field_errors):
        super().__init__(next(iter(field_errors.values())))
        self.field_errors = field_errors


# --- Import ------------------------------------------------------------------------------------

def parse_kolada(raw):
    """The rows of a Kolada data file as (kpi, municipality, period, gender, value) tuples.

    Kolada's API answers `{"values": [{"kpi", "municipality", "period", "values": [{"gender",
    "value", ...}]}]}` (a bare list of those rows is taken too). Row N is the N:th element of
    "values". Raises ImportRejected listing every error.
    """
    if len(raw) > MAX_BYTES:
        raise ImportRejected([f"Filen är större än {MAX_BYTES // (1024 * 1024)} MB."])
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise ImportRejected(["Filen är inte JSON i Koladas format. Hämta den som JSON från Koladas API "
                              "(data per nyckeltal och år)."]) from None
    rows = document.get("values") if isinstance(document, dict) else document
    if not isinstance(rows, list) or not rows:
        raise ImportRejected(["Filen har inga rader: Koladas format har en lista ”values”."])
    if len(rows) > MAX_ROWS:
        raise ImportRejected([f"Filen har fler än {MAX_ROWS} rader. Dela upp den."])
    parsed, errors, seen = [], [], {}
    for number, row in enumerate(rows, start=1):
        problems = _row_problems(row)
        if problems:
            errors.extend(f"Rad {number}: {problem}" for problem in problems)
            continue
        key = (row["kpi"], row["municipality"], int(row["period"]))
        if key in seen:
            errors.append(f"Rad {number}: {key[0]} för {key[1]} år {key[2]} står redan på rad {seen[key]}.")
            continue
        seen[key] = number
        parsed.extend((*key, entry["gender"], None if entry.get("value") is None else float(entry["value"]))
                      for entry in row["values"])
    if errors:
        raise ImportRejected(errors)
    return parsed


def _row_problems(row):
    if not isinstance(row, dict):
        return ["raden är inte ett objekt med kpi, municipality, period och values."]
    problems = []
    if not isinstance(row.get("kpi"), str) or not KPI_ID.match(row["kpi"]):
        problems.append("kpi ska vara ett Kolada-id som U00437.")
    if not isinstance(row.get("municipality"), str) or not MUNICIPALITY_ID.match(row["municipality"]):
        problems.append("municipality ska vara en kommunkod med fyra siffror (som 2580) eller en grupp (som G124).")
    period = row.get("period")
    if isinstance(period, bool) or not isinstance(period, (int, str)) or not re.fullmatch(r"\d{4}", str(period)) \
            or not 1990 <= int(period) <= 2100:
        problems.append("period ska vara ett år, som 2025.")
    values = row.get("values")
    if not isinstance(values, list) or not values:
        problems.append("values ska vara en lista med ett värde per kön (T, K, M).")
        return problems
    genders = []
    for entry in values:
        gender = entry.get("gender") if isinstance(entry, dict) else None
        value = entry.get("value") if isinstance(entry, dict) else None
        if gender not in GENDERS:
            problems.append("kön (gender) ska vara T, K eller M.")
        elif gender in genders:
            problems.append(f"kön {gender} står två gånger.")
        genders.append(gender)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            problems.append(f"värdet för {gender} är inte ett tal: {str(value)[:20]!r}.")
    return problems


def import_kolada(actor, filename, raw, now=None):
    """Import a Kolada file: every row valid, or nothing written. Values already stored for the same
    KPI, municipality, year and gender are replaced. Returns the ComparisonImport. Raises ImportRejected.
    """
    now = now or utcnow()
    rows = parse_kolada(raw)
    record = ComparisonImport(filename=(filename or "kolada.json")[:200], rows=len(rows), imported_at=now,
                              imported_by=actor.username)
    db.session.add(record)
    db.session.flush()
    keys = {(kpi, municipality, period) for kpi, municipality, period, _, _ in rows}
    replaced = 0
    for kpi, municipality, period in keys:
        replaced += db.session.execute(db.delete(ComparisonValue).where(
            ComparisonValue.kpi == kpi, ComparisonValue.municipality == municipality,
            ComparisonValue.period == period)).rowcount
    db.session.add_all(ComparisonValue(kpi=kpi, municipality=municipality, period=period, gender=gender, value=value,
                                       import_id=record.id)
                       for kpi, municipality, period, gender, value in rows)
    audit.record("comparisons.imported", actor, "comparison_import", record.id, {
        "filename": record.filename, "values": len(rows), "replaced": replaced,
        "kpis": sorted({key[0] for key in keys}), "periods": sorted({key[2] for key in keys})}, now)
    db.session.commit()
    return record


def recent_imports(limit=10):
    return db.session.scalars(db.select(ComparisonImport).order_by(ComparisonImport.id.desc()).limit(limit)).all()


# --- What to compare with ------------------------------------------------------------------------

def choices(kind):
    return db.session.scalars(db.select(ComparisonChoice).where(ComparisonChoice.kind == kind)
                              .order_by(ComparisonChoice.position)).all()


def parse_kpi_lines(text):
    """'U00437; Direkt svar i telefon; direct' a line -> [(code, label, goal)]. Raises InvalidChoices."""
    parsed, errors = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split(";")]
        if len(parts) != 3 or not KPI_ID.match(parts[0]) or not parts[1] or parts[2] not in GOALS:
            errors.append(f"Rad {number}: skriv Kolada-id; rubrik; mål (ett av {', '.join(GOALS)}), "
                          "t.ex. U00437; Direkt svar i telefon; direct.")
            continue
        parsed.append((parts[0], parts[1][:200], parts[2]))
    if errors:
        raise InvalidChoices({"kpis": " ".join(errors)})
    return parsed


def parse_municipality_lines(text):
    """'0180; Stockholm' a line -> [(code, name)]. Raises InvalidChoices."""
    parsed, errors = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split(";")]
        if len(parts) != 2 or not MUNICIPALITY_ID.match(parts[0]) or not parts[1]:
            errors.append(f"Rad {number}: skriv kommunkod; namn, t.ex. 2581; Piteå.")
            continue
        parsed.append((parts[0], parts[1][:200]))
    if errors:
        raise InvalidChoices({"municipalities": " ".join(errors)})
    return parsed


def save_choices(actor, kpi_text, municipality_text, now=None):
    """Replace which KPIs and municipalities are compared with. Raises InvalidChoices, ComparisonError."""
    now = now or utcnow()
    if not actor.has_role("admin"):
        raise ComparisonError("Bara administratörer kan välja jämförelser.")
    errors = {}
    try:
        kpis = parse_kpi_lines(kpi_text)
    except InvalidChoices as exc:
        errors.update(exc.field_errors)
    try:
        municipalities = parse_municipality_lines(municipality_text)
    except InvalidChoices as exc:
        errors.update(exc.field_errors)
    if errors:
        raise InvalidChoices(errors)
    if len({kpi[0] for kpi in kpis}) != len(kpis) or len(dict(municipalities)) != len(municipalities):
        raise InvalidChoices({"kpis": "Samma nyckeltal eller kommun står två gånger."})
    before = _choices_snapshot()
    db.session.execute(db.delete(ComparisonChoice))
    db.session.add_all(ComparisonChoice(kind="kpi", code=code, label=label, goal=goal, position=position)
                       for position, (code, label, goal) in enumerate(kpis))
    db.session.add_all(ComparisonChoice(kind="municipality", code=code, label=name, position=position)
                       for position, (code, name) in enumerate(municipalities))
    db.session.flush()
    audit.record("comparisons.chosen", actor, "comparison_choice", None,
                 {"before": before, "after": _choices_snapshot()}, now)
    db.session.commit()


def _choices_snapshot():
    return {"kpis": [[c.code, c.label, c.goal] for c in choices("kpi")],
            "municipalities": [[c.code, c.label] for c in choices("municipality")]}


def kpi_lines():
    return "\n".join(f"{c.code}; {c.label}; {c.goal}" for c in choices("kpi"))


def municipality_lines():
    return "\n".join(f"{c.code}; {c.label}" for c in choices("municipality"))


# --- Beside Luleå's goals ------------------------------------------------------------------------

@dataclass(frozen=True)
class KpiComparison:
    code: str
    label: str
    goal: object  # kundweb.goals.kpi.Goal
    period: int | None  # the year shown: the latest with figures up to the year asked for
    rows: list  # (name, value or None, is Luleå)


def beside_goals(year):
    """For each chosen KPI: Luleå's and the chosen municipalities' Kolada values (total, T) for the
    latest year up to `year` that has any. Empty when nothing is chosen."""
    kpis = choices("kpi")
    if not kpis:
        return []
    places = [(LULEA, "Luleå", True)] + [(c.code, c.label, False) for c in choices("municipality") if c.code != LULEA]
    codes = [code for code, _, _ in places]
    values = db.session.execute(db.select(ComparisonValue.kpi, ComparisonValue.municipality, ComparisonValue.period,
                                          ComparisonValue.value)
                                .where(ComparisonValue.kpi.in_([c.code for c in kpis]),
                                       ComparisonValue.municipality.in_(codes), ComparisonValue.gender == "T",
                                       ComparisonValue.period <= year)).all()
    by_key = {(kpi, municipality, period): value for kpi, municipality, period, value in values}
    shown = []
    for choice in kpis:
        periods = [period for kpi, _, period in by_key if kpi == choice.code]
        period = max(periods) if periods else None
        rows = [(name, by_key.get((choice.code, code, period)), is_lulea) for code, name, is_lulea in places]
        shown.append(KpiComparison(choice.code, choice.label, GOALS[choice.goal], period, rows))
    return shown

"""Reading imported CSV and Excel (.xlsx) files: encoding, separator, column mapping, and every row validated.

Pure functions: bytes in, parsed rows out, or ImportRejected with every error found
(row numbers are the file's line numbers, the header being row 1), in Swedish.
Nothing is written here; the services write a file's rows only when all are valid.
"""
import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import openpyxl

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MAX_ERRORS_SHOWN = 50
TRUE_WORDS = {"ja", "j", "1", "true", "yes", "y", "x", "besvarad", "besvarat"}
FALSE_WORDS = {"nej", "n", "0", "false", "no", "", "obesvarad", "obesvarat", "tappad", "tappat"}


class ImportRejected(Exception):
    """The file was not imported; `errors` says why, row by row (Swedish, safe to show)."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("; ".join(self.errors[:3]))

    def shown(self):
        """The errors to show: the first MAX_ERRORS_SHOWN and how many more there are."""
        extra = len(self.errors) - MAX_ERRORS_SHOWN
        return self.errors[:MAX_ERRORS_SHOWN] + ([f"… och {extra} fel till."] if extra > 0 else [])


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # the Swedish name used in messages and in the documented format
    aliases: tuple  # accepted headers, compared case- and accent-insensitively
    optional: bool = False  # a file may leave the column out


FORMATS = {
    "telephony_day": (
        Column("date", "datum", ("datum", "date", "dag", "dygn")),
        Column("offered", "erbjudna", ("erbjudna", "offered", "inkommande", "inkomna", "antal samtal", "samtal")),
        Column("answered", "besvarade", ("besvarade", "answered", "besvarat")),
        Column("within", "besvarade inom gränsen", ("besvarade inom gransen", "besvarade inom grans", "inom gransen",
                                                    "besvarade inom 5 min", "answered within", "answered within limit",
                                                    "within limit")),
    ),
    "telephony_call": (
        Column("time", "tidpunkt", ("tidpunkt", "tid", "datum och tid", "starttid", "timestamp", "time")),
        Column("wait", "väntetid i sekunder", ("vantetid i sekunder", "vantetid", "vantetid sekunder", "kotid",
                                                "wait", "wait seconds")),
        Column("answered", "besvarat", ("besvarat", "besvarad", "answered")),
    ),
    "survey": (
        Column("month", "månad", ("manad", "month", "period")),
        Column("scale", "skala", ("skala", "scale")),
        Column("a1", "svar 1", ("svar 1", "1")),
        Column("a2", "svar 2", ("svar 2", "2")),
        Column("a3", "svar 3", ("svar 3", "3")),
        Column("a4", "svar 4", ("svar 4", "4")),
        Column("a5", "svar 5", ("svar 5", "5")),
    ),
}
OPTIONAL = {("survey", "a5")}  # the 4-level scale has no fifth answer


def fold(value):
    """'Väntetid_Sekunder ' -> 'vantetid sekunder': headers compared without case, accents or _-."""
    decomposed = unicodedata.normalize("NFKD", (value or "").casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.split(r"[\s_\-.()]+", plain)).strip()


def decode(raw):
    """UTF-8 (with or without BOM), else Windows-1252 (what Swedish Excel saves as "CSV")."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="strict")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ImportRejected(["Filen gick inte att läsa som text (UTF-8 eller Windows-1252)."]) from exc


XLSX_MAGIC = b"PK\x03\x04"  # an .xlsx file is a zip archive


def read_rows(raw, kind, mapping=None):
    """Yield (row number, {column key: text}) of a file in format `kind`, CSV or .xlsx.

    `kind` names one of FORMATS, or is another feature's own tuple of Columns.

    `mapping` maps column keys to the header the file uses for them; columns not
    mapped are found by their accepted names. Raises ImportRejected when the file or
    its header cannot be used.
    """
    records = _xlsx_records(raw) if raw.startswith(XLSX_MAGIC) else _csv_records(raw)
    header = None
    for number, fields in records:
        if not any(f.strip() for f in fields):
            continue
        if header is None:
            header = [fold(f) for f in fields]
            positions = _positions(kind, header, fields, mapping or {})
            continue
        yield number, {key: (fields[i].strip() if i is not None and i < len(fields) else "")
                       for key, i in positions.items()}
    if header is None:
        raise ImportRejected(["Filen är tom."])


def _csv_records(raw):
    """(line number, fields) of a CSV file; the separator is the one its header row uses most."""
    text = decode(raw)
    header_line = next((line for line in text.splitlines() if line.strip()), None)
    if header_line is None:
        raise ImportRejected(["Filen är tom."])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=max(";,\t", key=header_line.count))
    for fields in reader:
        yield reader.line_num, fields


def _xlsx_records(raw):
    """(row number, fields as text) of the first sheet of an .xlsx file, as Excel numbers its rows.

    Cells become the text a CSV export of them would hold, so the same checks and messages apply.
    """
    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ImportRejected(["Filen gick inte att läsa som Excel-fil (.xlsx). Spara den på nytt som "
                              "Excel-arbetsbok eller som CSV."]) from exc
    try:
        sheet = book.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [_cell_text(value) for value in values]
    finally:
        book.close()


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, datetime):  # a date cell too: Excel stores dates as date-times
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):  # a wait typed as m:ss is a time of day in Excel
        return f"{value.hour * 60 + value.minute}:{value.second:02d}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _positions(kind, header, raw_header, mapping):
    positions, errors = {}, []
    for column in FORMATS[kind] if isinstance(kind, str) else kind:
        wanted = mapping.get(column.key)
        names = [fold(wanted)] if wanted else [fold(a) for a in column.aliases]
        index = next((header.index(name) for name in names if name in header), None)
        if index is None and not column.optional and (kind, column.key) not in OPTIONAL:
            shown = f"”{wanted}”" if wanted else f"”{column.label}”"
            errors.append(f"Rad 1: kolumnen {shown} saknas.")
        positions[column.key] = index
    if errors:
        errors.append("Rubrikerna i filen är: " + ", ".join(f"”{h.strip()}”" for h in raw_header) + ".")
        raise ImportRejected(errors)
    return positions


def _integer(row, number, key, label, errors):
    value = re.sub(r"[\s\u00a0]", "", row[key])
    if not re.fullmatch(r"\d{1,9}", value):
        errors.append(f"Rad {number}: ”{label}” måste vara ett heltal, 0 eller större (står ”{row[key]}”).")
        return None
    return int(value)


def _date(text):
    """'2025-03-03', also with a midnight time as Excel gives a date cell ('2025-03-03 00:00:00')."""
    match = re.fullmatch(r"(\d{4}-\d{2}-\d{2})( 00:00(:00)?)?", text)
    try:
        return date.fromisoformat(match.group(1)) if match else None
    except ValueError:
        return None


@dataclass(frozen=True)
class DayRow:
    day: date
    offered: int
    answered: int
    within: int


def parse_telephony_days(raw, today, mapping=None):
    """Per-day telephony rows; raises ImportRejected listing every bad row."""
    errors, rows, seen = [], [], {}
    for number, row in read_rows(raw, "telephony_day", mapping):
        day = _date(row["date"])
        if day is None:
            errors.append(f"Rad {number}: ”datum” måste vara ett datum som ÅÅÅÅ-MM-DD (står ”{row['date']}”).")
        elif day > today:
            errors.append(f"Rad {number}: datumet {day.isoformat()} har inte varit än.")
        elif day in seen:
            errors.append(f"Rad {number}: datumet {day.isoformat()} finns redan på rad {seen[day]}.")
        else:
            seen[day] = number
        counts = [_integer(row, number, c.key, c.label, errors) for c in FORMATS["telephony_day"][1:]]
        if day is None or None in counts:
            continue
        offered, answered, within = counts
        if answered > offered:
            errors.append(f"Rad {number}: fler besvarade ({answered}) än erbjudna ({offered}) samtal.")
        elif within > answered:
            errors.append(f"Rad {number}: fler besvarade inom gränsen ({within}) än besvarade ({answered}).")
        else:
            rows.append(DayRow(day, offered, answered, within))
    return _checked(rows, errors)


@dataclass(frozen=True)
class CallRow:
    day: date  # the local (Europe/Stockholm) date of the call
    wait_seconds: int
    answered: bool
    hour: int = 0  # the local hour the call came in, 0-23


def parse_telephony_calls(raw, today, mapping=None):
    """Per-call telephony rows; raises ImportRejected listing every bad row."""
    errors, rows = [], []
    for number, row in read_rows(raw, "telephony_call", mapping):
        moment = _call_time(row["time"])
        day = moment.date() if moment else None
        if day is None:
            errors.append(f"Rad {number}: ”tidpunkt” måste vara datum och tid som ÅÅÅÅ-MM-DD TT:MM[:SS] "
                          f"(står ”{row['time']}”).")
        elif day > today:
            errors.append(f"Rad {number}: tidpunkten {row['time']} har inte varit än.")
        wait = row["wait"].replace(",", ".").replace(" ", "")
        wait_seconds = None
        if re.fullmatch(r"\d{1,7}(\.\d+)?", wait):
            wait_seconds = round(float(wait))
        elif re.fullmatch(r"\d{1,4}:\d{2}", wait):
            minutes, seconds = wait.split(":")
            wait_seconds = int(minutes) * 60 + int(seconds)
        else:
            errors.append(f"Rad {number}: ”väntetid i sekunder” måste vara ett tal, 0 eller större "
                          f"(står ”{row['wait']}”).")
        answered = fold(row["answered"])
        if answered not in TRUE_WORDS | FALSE_WORDS:
            errors.append(f"Rad {number}: ”besvarat” måste vara ja eller nej (står ”{row['answered']}”).")
        if day is not None and day <= today and wait_seconds is not None and answered in TRUE_WORDS | FALSE_WORDS:
            rows.append(CallRow(day, wait_seconds, answered in TRUE_WORDS, moment.hour))
    return _checked(rows, errors)


def _call_time(text):
    """The call's local (Europe/Stockholm) date and time, without tzinfo; None when unreadable."""
    text = text.strip().replace("T", " ")
    match = re.fullmatch(r"(\d{4}-\d{2}-\d{2}) (\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?", text)
    if not match:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment  # already local time: the phone system's own clock
    return moment.astimezone(STOCKHOLM).replace(tzinfo=None)


@dataclass(frozen=True)
class SurveyRow:
    month: str
    scale: int
    answers: tuple  # counts per answer, least satisfied first; length = scale


def parse_survey(raw, mapping=None):
    """Survey rows, one per month; raises ImportRejected listing every bad row."""
    errors, rows, seen = [], [], {}
    for number, row in read_rows(raw, "survey", mapping):
        month = parse_month(row["month"][:7] if _date(row["month"]) else row["month"])
        if month is None:
            errors.append(f"Rad {number}: ”månad” måste vara en månad som ÅÅÅÅ-MM (står ”{row['month']}”).")
        elif month in seen:
            errors.append(f"Rad {number}: månaden {month} finns redan på rad {seen[month]}.")
        else:
            seen[month] = number
        scale = row["scale"].strip()
        if scale not in ("4", "5"):
            errors.append(f"Rad {number}: ”skala” måste vara 4 eller 5 (står ”{row['scale']}”).")
            continue
        scale = int(scale)
        if scale == 4 and row.get("a5", "").strip() not in ("", "0"):
            errors.append(f"Rad {number}: skalan har 4 steg men ”svar 5” är ifyllt.")
            continue
        answers = tuple(_integer(row, number, f"a{i}", f"svar {i}", errors) for i in range(1, scale + 1))
        if None in answers or month is None:
            continue
        if sum(answers) == 0:
            errors.append(f"Rad {number}: inga svar alls för {month}.")
            continue
        rows.append(SurveyRow(month, scale, answers))
    return _checked(rows, errors)


def parse_month(text):
    """'2025-03' -> '2025-03'; None when it is not a month."""
    text = (text or "").strip()
    if not re.fullmatch(r"\d{4}-\d{2}", text) or not 1 <= int(text[5:]) <= 12 or not 1900 < int(text[:4]) < 3000:
        return None
    return text


def _checked(rows, errors):
    if errors:
        raise ImportRejected(errors)
    if not rows:
        raise ImportRejected(["Filen innehåller inga datarader under rubrikraden."])
    return rows


def satisfied(scale, answers):
    """Satisfied or very satisfied: the top two answers of either scale."""
    return sum(answers[scale - 2:scale])

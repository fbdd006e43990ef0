"""CSV for Swedish spreadsheet programs: what every export shares."""
import csv
import io

# A cell starting with one of these is run as a formula by spreadsheet programs (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"  # makes Excel read the file as UTF-8


def safe_cell(value):
    """The value as text, with a leading apostrophe where it would otherwise start a formula."""
    value = "" if value is None else str(value)
    return "'" + value if value.startswith(FORMULA_START) else value


def csv_text(header, rows):
    """(text, number of rows): UTF-8 with BOM, semicolons (Swedish Excel's separator), every cell guarded."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
        count += 1
    return BOM + buffer.getvalue(), count

"""Importing existing question–answer lists (CSV or .xlsx) into Kunskapsbanken (R-KB-8).

The file is read as the goals imports read theirs (kundweb/goals/imports.py: encoding,
separator, column mapping by header, Excel rows); every row is checked with the same
rules as the answer form, and the answers are saved only when every row is good:
otherwise ImportRejected lists every bad row by its line number and nothing is written.
"""
import re
from dataclasses import dataclass

from sqlalchemy import select

from kundweb.answers import services
from kundweb.answers.access import editor_scope
from kundweb.answers.models import Answer
from kundweb.audit import services as audit
from kundweb.companies.models import Company
from kundweb.directory.models import Unit
from kundweb.enquiries.models import EnquiryCategory
from kundweb.extensions import db
from kundweb.goals import imports as spreadsheet_imports
from kundweb.goals.imports import Column, ImportRejected, fold

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 2000

COLUMNS = (
    Column("question", "fråga", ("fraga", "question", "titel", "rubrik")),
    Column("body", "svar", ("svar", "answer", "svarstext", "text")),
    Column("phrasings", "andra formuleringar", ("andra formuleringar", "formuleringar", "phrasings"), optional=True),
    Column("keywords", "sökord", ("sokord", "nyckelord", "keywords"), optional=True),
    Column("links", "länkar", ("lankar", "lank", "links", "url"), optional=True),
    Column("owner", "ägare", ("agare", "forvaltning", "bolag", "owner"), optional=True),
    Column("responsible", "ansvarig", ("ansvarig", "responsible", "anvandarnamn")),
    Column("category", "kategori", ("kategori", "category")),
    Column("visibility", "synlighet", ("synlighet", "visibility"), optional=True),
    Column("review_by", "granska senast", ("granska senast", "review by", "granskas"), optional=True),
)
VISIBILITY_WORDS = {"intern": "intern", "internt": "intern", "publik": "publik", "publikt": "publik",
                    "offentlig": "publik", "": None}


@dataclass(frozen=True)
class ImportSummary:
    count: int
    status: str


def import_answers(actor, filename, raw, now, status="draft", default_owner=None, mapping=None):
    """Add every row of the file as an answer ("draft" or "published"), all or nothing.

    `default_owner` ("unit:<id>" / "company:<id>") owns rows without an owner. Rows must
    fall within the actor's scope (editors: their own department or company). Raises
    ImportRejected listing every bad row; an owner outside the scope is also audited.
    """
    if status not in ("draft", "published"):
        raise ImportRejected(["Välj om svaren ska bli utkast eller publiceras."])
    if len(raw) > MAX_BYTES:
        raise ImportRejected([f"Filen är större än {MAX_BYTES // (1024 * 1024)} MB."])
    scope = editor_scope(actor)
    lookups = _lookups()
    errors, rows, seen, outside = [], [], {}, []
    existing = {fold(q) for q in db.session.scalars(select(Answer.question).where(Answer.status != "archived"))}
    for number, row in spreadsheet_imports.read_rows(raw, COLUMNS, mapping):
        if len(rows) + len(errors) >= MAX_ROWS:
            raise ImportRejected([f"Filen har fler än {MAX_ROWS} rader. Dela upp den."])
        fields, own_problems = _fields(row, default_owner, lookups)
        try:
            values = services.cleaned_fields(fields, now)
            checked = {}
        except services.InvalidAnswer as exc:
            values, checked = None, exc.field_errors
        # What the file said wrong about a field explains more than the form's message for it.
        problems = list({**checked, **own_problems}.values())
        question = fold(row["question"])
        if question and question in seen:
            problems.append(f"frågan står redan på rad {seen[question]}.")
        elif question and question in existing:
            problems.append("frågan finns redan i Kunskapsbanken.")
        seen.setdefault(question, number)
        if values is not None and not problems and not scope.covers(values["unit_id"], values["company_id"]):
            problems.append("du kan bara importera svar som din egen förvaltning eller ditt bolag äger.")
            outside.append(number)
        errors.extend(f"Rad {number}: {_sentence(problem)}" for problem in problems)
        if values is not None and not problems:
            rows.append(values)
    if outside:
        audit.record("answer.edit_denied", actor, "answer", None,
                     {"attempted": "import", "file": filename[:200], "rows": outside[:50]}, now)
        db.session.commit()
    if errors:
        raise ImportRejected(errors)
    if not rows:
        raise ImportRejected(["Filen innehåller inga datarader under rubrikraden."])
    created = [services.insert_answer(actor, values, status, now, {"import": filename[:200]}) for values in rows]
    audit.record("answer.imported", actor, "answer", None,
                 {"file": filename[:200], "count": len(created), "status": status,
                  "first_id": created[0].id, "last_id": created[-1].id}, now)
    db.session.commit()
    return ImportSummary(len(created), status)


def _lookups():
    """Owner and category names folded for matching, read once per file."""
    owners = {fold(name): f"unit:{i}" for i, name in db.session.execute(select(Unit.id, Unit.name))}
    owners.update({fold(name): f"company:{i}" for i, name in db.session.execute(select(Company.id, Company.name))})
    categories = {}
    for category in db.session.scalars(select(EnquiryCategory).where(EnquiryCategory.active)):
        categories.setdefault(fold(f"{category.group_name} – {category.name}"), category.id)
        categories.setdefault(fold(f"{category.group_name} {category.name}"), category.id)
        categories.setdefault(fold(category.name), category.id)  # the first group wins when a name is shared
    return {"owners": owners, "categories": categories}


def _fields(row, default_owner, lookups):
    problems = {}
    owner = default_owner
    if row["owner"]:
        owner = lookups["owners"].get(fold(row["owner"]))
        if owner is None:
            problems["owner"] = f"ägaren ”{row['owner']}” är ingen förvaltning eller inget bolag i katalogen."
    elif not default_owner:
        problems["owner"] = "”ägare” saknas (eller välj en ägare för rader utan ägare)."
    kind, owner_id = services.parse_owner(owner)
    category_id = lookups["categories"].get(fold(row["category"])) if row["category"] else None
    if row["category"] and category_id is None:
        problems["category_id"] = f"kategorin ”{row['category']}” finns inte bland de aktiva kategorierna."
    visibility = fold(row["visibility"] or "")
    if visibility not in VISIBILITY_WORDS:
        problems["visibility"] = f"”synlighet” måste vara intern eller publik (står ”{row['visibility']}”)."
    review_by = row["review_by"][:10] if re.fullmatch(r"\d{4}-\d{2}-\d{2}( 00:00(:00)?)?", row["review_by"]) \
        else row["review_by"]
    responsible_id = services.person_id_for(row["responsible"])
    if responsible_id == -1:
        problems["responsible_id"] = f"ingen person i katalogen har användarnamnet ”{row['responsible']}”."
    fields = {"question": row["question"], "body": row["body"], "phrasings": row["phrasings"].replace(";", "\n"),
              "keywords": row["keywords"], "links": _links(row["links"]),
              "unit_id": owner_id if kind == "unit" else None, "company_id": owner_id if kind == "company" else None,
              "responsible_id": responsible_id, "category_id": category_id,
              "visibility": VISIBILITY_WORDS.get(visibility, "intern"), "review_by": review_by or None}
    return fields, problems


def _links(text):
    """"Text | https://…" entries separated by new lines or semicolons; a bare address is its own text."""
    links = []
    for part in re.split(r"[\n;]", text or ""):
        if part.strip():
            label, separator, url = part.rpartition("|")
            links.append({"label": label.strip(), "url": url.strip()} if separator else {"label": "", "url": part.strip()})
    return links


def _sentence(text):
    return text[:1].upper() + text[1:] if text else text

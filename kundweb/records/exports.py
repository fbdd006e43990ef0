"""Exports of the register: what may be shown to the public, as CSV or as a ZIP with the files.

Confidential items are listed with sender and description masked, and without their
files, whoever exports. Every export is audited.
"""
import json
import tempfile
import zipfile
from dataclasses import replace

from sqlalchemy.orm import selectinload

from kundweb.audit import services as audit
from kundweb.database import utcnow
from kundweb.extensions import db
from kundweb.records import storage
from kundweb.records.models import RecordItem, RecordRevision
from kundweb.records.services import MASK, STOCKHOLM, download_name, filtered, view_of
from kundweb.spreadsheet import csv_text

EXPORT_COLUMNS = ["Diarienummer", "Kom in", "Registrerad", "Slag", "Avsändare", "Mottagen av", "Beskrivning",
                  "Sekretess", "Sekretessgrund", "Gäller en fråga kommunen ansvarar för", "Status",
                  "Verksamhetssystem", "Referens", "Bilagor"]


def _public_rows(actor, query, now):
    """Every matching item as it may be shown to the public: confidential fields masked."""
    statement = (filtered(actor, query, public=True).order_by(RecordItem.year, RecordItem.number)
                 .options(selectinload(RecordItem.revisions), selectinload(RecordItem.attachments),
                          selectinload(RecordRevision.business_system)))
    for item, revision in db.session.execute(statement).all():
        view = view_of(actor, item, revision, now, public=True)
        if not view.masked and any(r.confidential for r in item.revisions):
            view = replace(view, sender=None, description=None, closing_reason=None, masked=True)
        yield item, view


def _public_record(item, view):
    from kundweb.templating import localtime

    return {
        "number": view.number,
        "arrived_at": view.arrived_at.astimezone(STOCKHOLM).isoformat(),
        "registered_at": view.registered_at.astimezone(STOCKHOLM).isoformat(),
        "kind": view.kind, "kind_label": view.kind_label,
        "sender": MASK if view.masked else view.sender,
        "received_by": view.received_by,
        "description": MASK if view.masked else view.description,
        "confidential": view.confidential, "legal_ground": view.legal_ground,
        "concerns_matter": view.concerns_matter,
        "status": view.status, "status_label": view.status_label,
        "business_system": view.business_system, "business_reference": view.business_reference,
        "arrived_local": localtime(view.arrived_at),
    }


def export_csv(actor, query, now=None):
    """The register as CSV text (what may be shown to the public); audited."""
    now = now or utcnow()

    def rows():
        for item, view in _public_rows(actor, query, now):
            record = _public_record(item, view)
            yield (record["number"], record["arrived_local"], _local(view.registered_at), record["kind_label"],
                   record["sender"] or "", record["received_by"], record["description"] or "",
                   "Ja" if view.confidential else "Nej", record["legal_ground"] or "",
                   "Ja" if view.concerns_matter else "Nej", record["status_label"], record["business_system"] or "",
                   record["business_reference"] or "", len(item.attachments))

    text, count = csv_text(EXPORT_COLUMNS, rows())
    _audit_export(actor, "csv", query, count, now)
    return text


def _local(value):
    return value.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")


def export_package(actor, query, now=None):
    """A ZIP with register.json and the files of the items that may be shown; audited.

    Confidential items are listed masked, without their files. A file whose bytes no
    longer match their SHA-256 is left out and named in the package, never replaced.
    Returns a file object positioned at the start.
    """
    now = now or utcnow()
    package = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)
    records, damaged = [], []
    with zipfile.ZipFile(package, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for item, view in _public_rows(actor, query, now):
            record = _public_record(item, view)
            record.pop("arrived_local")
            record["attachments"] = []
            for attachment in item.attachments:
                entry = {"sha256": attachment.sha256, "size": attachment.size,
                         "content_type": attachment.content_type, "file": None}
                if not view.masked:
                    name = "filer/" + download_name(item, attachment)
                    try:
                        content = storage.read_verified(attachment.sha256, attachment.size)
                    except storage.IntegrityFailure:
                        entry["error"] = "Filen stämmer inte med sin kontrollsumma och lämnas inte ut."
                        damaged.append(attachment.sha256)
                    else:
                        archive.writestr(name, content.getvalue())
                        entry["file"] = name
                else:
                    entry["withheld"] = "Sekretess"
                record["attachments"].append(entry)
            records.append(record)
        archive.writestr("register.json", json.dumps({
            "exported_at": now.astimezone(STOCKHOLM).isoformat(), "masked_value": MASK,
            "query": _query_details(query), "items": records}, ensure_ascii=False, indent=2))
    _audit_export(actor, "json", query, len(records), now, damaged)
    package.seek(0)
    return package


def _query_details(query):
    return {name: (value.isoformat() if hasattr(value, "isoformat") else value)
            for name, value in vars(query).items() if value}


def _audit_export(actor, kind, query, count, now, damaged=()):
    details = {"format": kind, "items": count, "query": _query_details(query)}
    if damaged:
        details["damaged_files"] = list(damaged)
    audit.record("records.exported", actor, None, None, details, now)
    db.session.commit()

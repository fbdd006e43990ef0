"""Uploads through the real forms: hostile names, double extensions and wrong bytes are refused or
defused, files live under generated names only, and what is sent back is always a download."""
import io
import os
import re

import pytest

from kundweb.companies.models import CaseAttachment
from kundweb.extensions import db
from tests.companies_helpers import company, submit
from tests.conftest import csrf_token
from tests.records_helpers import (  # noqa: F401 - clean_store is an autouse fixture
    SCRIPT, clean_store, stored_names, wav_bytes,
)

PDF = b"%PDF-1.4\nbolagets skrivelse\n"


@pytest.fixture
def case_id(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "COMPANY_ATTACHMENT_DIR", str(tmp_path / "bilagor"))
    with app.app_context():
        return submit(company().id).id


def _attach(client, case_id, name, content):
    return client.post(f"/admin/bolag/arenden/{case_id}/bilagor", content_type="multipart/form-data",
                       data={"csrf_token": csrf_token(client, f"/admin/bolag/arenden/{case_id}"),
                             "attach-label": "other", "attach-files": (io.BytesIO(content), name)})


@pytest.mark.parametrize("name, kept_as", [
    ("../../../etc/skrivelse.pdf", "skrivelse.pdf"),
    ("..\\..\\windows\\system32\\skrivelse.pdf", "skrivelse.pdf"),
    ("/tmp/\u200bskri\x00velse.pdf", "skrivelse.pdf"),
    ("faktura.exe.pdf", "faktura.exe.pdf"),  # a PDF whatever the middle says; sent back as a download only
    ("beslut\u202efdp.exe", None),  # shown as "beslutexe.pdf", really .exe: refused
    ("rapport.pdf.exe", None),
    ("rapport.pdf.html", None),
    (".htaccess", None),
])
def test_company_attachment_names_never_reach_the_file_system(app, client, login_as, case_id, tmp_path, name, kept_as):
    login_as("admin")
    before = set(os.listdir("/tmp"))
    response = _attach(client, case_id, name, PDF)
    # Only what this upload could have made: other processes on the machine use /tmp too.
    assert not [made for made in set(os.listdir("/tmp")) - before
                if any(stem in made for stem in ("skrivelse", "velse", "faktura", "beslut", "rapport", "htaccess"))]
    stored = os.listdir(tmp_path / "bilagor") if (tmp_path / "bilagor").exists() else []
    with app.app_context():
        rows = db.session.scalars(db.select(CaseAttachment)).all()
    if kept_as is None:
        assert response.status_code == 400 and "går att bifoga" in response.get_data(as_text=True)
        assert rows == [] and stored == []
        return
    assert response.status_code == 302
    # Kept for display only, without any folder (the test client's multipart drops backslashes).
    assert len(rows) == 1 and rows[0].filename.endswith(kept_as)
    assert not set(rows[0].filename) & {"/", "\\", "\x00", "\u200b", "\u202e"}
    assert stored == [rows[0].stored_name] and len(rows[0].stored_name) == 32  # generated, hex
    download = client.get(f"/admin/bolag/arenden/{case_id}/bilagor/{rows[0].id}")
    assert download.mimetype == "application/octet-stream"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "/" not in download.headers["Content-Disposition"] and "\\" not in download.headers["Content-Disposition"]


@pytest.mark.parametrize("name, content, message", [
    ("skrivelse.pdf", b"<html><script>alert(1)</script>", "inte en PDF"),
    ("karta.png", PDF, "inte en PNG-bild"),
    ("yttrande.docx", b"#!/bin/sh\n", "inte ett Word-dokument"),
    ("lista.txt", b"MZ\x90\x00\x03\x00", "inte en textfil"),
])
def test_company_attachments_whose_bytes_are_not_what_the_name_says_are_refused(app, client, login_as, case_id,
                                                                                name, content, message):
    login_as("admin")
    response = _attach(client, case_id, name, content)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(CaseAttachment)) == 0


def test_a_company_attachment_over_the_limit_is_refused_with_413(app, client, login_as, case_id, monkeypatch):
    monkeypatch.setitem(app.config, "COMPANY_ATTACHMENT_MAX_BYTES", 1024)
    login_as("admin")
    response = _attach(client, case_id, "stor.pdf", PDF + b"x" * (3 * 1024 * 1024))
    assert response.status_code == 413
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(CaseAttachment)) == 0


@pytest.mark.parametrize("name, content", [
    ("röst.exe.wav", SCRIPT),  # a script under an audio name: refused, by the bytes
    ("../röst.wav", SCRIPT),
    ("meddelande.eml.html", b"<html><script>alert(1)</script></html>"),
])
def test_record_uploads_with_double_extensions_or_wrong_bytes_are_refused(app, client, login_as, name, content):
    login_as("employee")
    response = _register(client, name, content)
    assert response.status_code == 400
    assert stored_names(app) == []


def test_a_record_upload_is_known_by_its_bytes_and_sent_back_under_a_generated_name(app, client, login_as):
    """Real audio called röst.wav.exe is kept as audio; the name people gave never comes back."""
    login_as("employee")
    response = _register(client, "röst.wav.exe", wav_bytes())
    assert response.status_code == 302
    item = client.get(response.headers["Location"]).get_data(as_text=True)
    download_path = re.search(r'href="(/handlingar/\d+/filer/\d+)"', item).group(1)
    download = client.get(download_path)
    assert download.status_code == 200 and download.mimetype == "audio/wav"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and re.search(r"\.wav\"?$", disposition)
    assert "exe" not in disposition and "röst" not in disposition


def _register(client, name, content):
    return client.post("/handlingar/ny", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(client, "/handlingar/ny"), "form_key": "k" * 32, "kind": "voicemail",
        "arrived_at": "2026-12-01T09:00", "sender": "Kalle", "description": "Röstmeddelande",
        "concerns_matter": "yes", "attachment": (io.BytesIO(content), name)})

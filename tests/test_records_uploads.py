"""Attachments: type by content, size limit, names that never reach the disk, verified downloads, crash safety."""
import hashlib
import io
import os
import re
from datetime import timedelta

import pytest

from kundweb.audit.models import AuditEvent
from kundweb.database import utcnow
from kundweb.extensions import db
from kundweb.forms import STOCKHOLM
from kundweb.records import filetypes, services, upkeep
from kundweb.records.models import RecordAttachment, RecordItem
from tests.conftest import csrf_token
from tests.records_helpers import (  # noqa: F401 - clean_store is an autouse fixture
    BROKEN_EML, EML, SCRIPT, clean_store, m4a_bytes, mp3_bytes, ogg_bytes, stored_names, wav_bytes,
)

HASH_NAME = re.compile(r"^[0-9a-f]{64}$")


@pytest.mark.parametrize("content, kind", [
    (wav_bytes(), "wav"), (mp3_bytes(), "mp3"), (mp3_bytes(tagged=True), "mp3"), (m4a_bytes(), "m4a"),
    (ogg_bytes(), "ogg"), (EML, "eml"), (BROKEN_EML, "eml"),
])
def test_accepted_types_are_recognised_by_content(content, kind):
    assert filetypes.detect(content[:filetypes.HEAD_BYTES]).kind == kind


@pytest.mark.parametrize("content", [
    SCRIPT, b"", b"<html><script>alert(1)</script></html>", b"PK\x03\x04" + b"\x00" * 40,
    b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, b"RIFF\x00\x00\x00\x00AVI LIST", b"\xff\xfb\x90\x64" + b"\x00" * 10,
    b"ID3\x04\x00\x00\x00\x00\x00\x0a" + b"\x00" * 30, b"\x00\x00\x00\x18ftypisom\x00\x00\x00\x00isomavc1",
    b"MZ\x90\x00" + b"\x00" * 60, b"import os\nos.system('x')\n", b"From: x\x00\x01binary",
])
def test_other_content_is_refused_whatever_it_is_called(content):
    assert filetypes.detect(content) is None


def _local(dt):
    return dt.astimezone(STOCKHOLM).strftime("%Y-%m-%dT%H:%M")


def _form(client, file=None, key="k" * 32, **fields):
    data = {"csrf_token": csrf_token(client, "/handlingar/ny"), "form_key": key, "kind": "voicemail",
            "arrived_at": _local(utcnow() - timedelta(minutes=30)), "sender": "Kalle",
            "description": "Undrar om bygglovet", "concerns_matter": "yes"}
    data.update(fields)
    if file is not None:
        data["attachment"] = (io.BytesIO(file[0]), file[1])
    return data


def _post(client, data):
    return client.post("/handlingar/ny", data=data, content_type="multipart/form-data")


def _count(model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_a_voicemail_with_its_audio_is_registered_and_downloads_verified(app, client, login_as):
    login_as("employee")
    audio = wav_bytes()
    response = _post(client, _form(client, (audio, "röstmeddelande.wav")))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"KC {utcnow().year}/000001" in page and "röstmeddelande.wav" in page
    digest = hashlib.sha256(audio).hexdigest()
    assert stored_names(app) == [digest]  # only the content's hash names the file
    with app.app_context():
        attachment = db.session.scalars(db.select(RecordAttachment)).one()
        assert (attachment.sha256, attachment.file_kind, attachment.content_type) == (digest, "wav", "audio/wav")
    download = client.get(f"/handlingar/{attachment.item_id}/filer/{attachment.id}")
    assert download.status_code == 200 and download.data == audio
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and f"KC-{utcnow().year}-000001-1.wav" in disposition
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_an_oversized_request_is_refused_with_413_and_nothing_kept(app, client, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "RECORDS_MAX_UPLOAD_MB", 1)
    login_as("employee")
    big = b"RIFF\x00\x00\x00\x00WAVE" + b"\x00" * (2 * 1024 * 1024)
    response = _post(client, _form(client, (big, "stor.wav")))
    assert response.status_code == 413
    assert "högst 1 MB" in response.get_data(as_text=True)
    # Just over the limit, but small enough that the request itself gets through: the file check stops it.
    response = _post(client, _form(client, (wav_bytes() + b"\x00" * (1024 * 1024), "lite-för-stor.wav")))
    assert response.status_code == 413
    assert stored_names(app) == []
    with app.app_context():
        assert _count(RecordItem) == 0


def test_a_script_called_wav_is_refused_and_not_kept(app, client, login_as):
    login_as("employee")
    response = _post(client, _form(client, (SCRIPT, "röstmeddelande.wav")))
    assert response.status_code == 400
    assert "varken en ljudfil" in response.get_data(as_text=True)
    assert stored_names(app) == []
    with app.app_context():
        assert _count(RecordItem) == 0


@pytest.mark.parametrize("name, shown", [
    ("../../etc/passwd", "passwd"),
    ("..\\..\\windows\\system32\\evil.wav", "evil.wav"),
    ("röst\u202evaw.exe", "röstvaw.exe"),  # right-to-left override: would show as "röstexe.wav"
    ("/tmp/\u200bx\x00y.wav", "xy.wav"),
])
def test_hostile_names_never_touch_the_file_system(app, client, login_as, name, shown):
    login_as("employee")
    before = set(os.listdir("/tmp"))
    response = _post(client, _form(client, (wav_bytes(), name)))
    assert response.status_code == 302
    assert all(HASH_NAME.match(n) for n in stored_names(app))
    assert set(os.listdir("/tmp")) - before == set()
    with app.app_context():
        attachment = db.session.scalars(db.select(RecordAttachment)).one()
        assert attachment.original_name.endswith(shown)  # shown only, without folders or hidden characters
        assert not set(attachment.original_name) & {"/", "\\", "\u202e", "\u200b", "\x00"}
    download = client.get(f"/handlingar/{attachment.item_id}/filer/{attachment.id}")
    assert name not in download.headers["Content-Disposition"]


def test_a_file_changed_on_disk_is_not_handed_out(app, client, login_as):
    login_as("employee")
    assert _post(client, _form(client, (wav_bytes(), "a.wav"))).status_code == 302
    with app.app_context():
        attachment = db.session.scalars(db.select(RecordAttachment)).one()
        path = services.storage.path_for(attachment.sha256)
    os.chmod(path, 0o600)
    with open(path, "r+b") as handle:
        handle.seek(50)
        handle.write(b"\x7f")  # one sample changed
    response = client.get(f"/handlingar/{attachment.item_id}/filer/{attachment.id}")
    assert response.status_code == 500
    assert "stämmer inte längre med kontrollsumman" in response.get_data(as_text=True)
    assert b"RIFF" not in response.data
    with app.app_context():
        assert db.session.scalars(db.select(AuditEvent).filter_by(action="records.attachment_damaged")).one()


def test_a_crash_between_storing_the_file_and_committing_then_a_retry_registers_once(
        app, client, login_as, monkeypatch):
    login_as("employee")
    audio = wav_bytes(0.2)

    def crash(*args, **kwargs):
        raise RuntimeError("injected failure after the file was stored")

    monkeypatch.setattr(services.audit, "record", crash)
    data = _form(client, (audio, "röst.wav"), key="retry-key-0123456789")
    assert _post(client, data).status_code == 500
    assert stored_names(app) == [hashlib.sha256(audio).hexdigest()]  # the file was stored first
    with app.app_context():
        assert _count(RecordItem) == 0 and _count(RecordAttachment) == 0
    monkeypatch.undo()
    for _ in range(2):  # the retry, then a double click: still one registration
        retry = _form(client, (audio, "röst.wav"), key="retry-key-0123456789")
        assert _post(client, retry).status_code == 302
    with app.app_context():
        assert _count(RecordItem) == 1 and _count(RecordAttachment) == 1
        assert db.session.scalars(db.select(RecordItem)).one().number == 1  # the failed try left no gap
        assert upkeep.sweep_orphan_files(grace=timedelta(0)) == []  # the file is used: no orphan
    assert stored_names(app) == [hashlib.sha256(audio).hexdigest()]


def test_a_stored_file_never_registered_is_swept_after_the_grace_period(app, app_context):
    upload = services.receive_upload(io.BytesIO(ogg_bytes()), "x.ogg")
    assert upkeep.sweep_orphan_files() == []  # young: a retry may still come
    assert upkeep.sweep_orphan_files(grace=timedelta(0)) == [upload.sha256]
    assert stored_names(app) == []
    event = db.session.scalars(db.select(AuditEvent).filter_by(action="records.orphan_file_removed")).one()
    assert event.object_id == upload.sha256


def test_an_email_prefills_the_form_and_the_file_is_kept_between_the_steps(app, client, login_as):
    login_as("employee")
    data = _form(client, (EML, "fråga.eml"), kind="", sender="", description="", action="prefill")
    response = _post(client, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Kalle Karlsson &lt;kalle@example.se&gt;" in html and "E-post: Förfrågan om bygglov" in html
    assert 'value="2026-03-02T09:15"' in html  # the message's date, in Stockholm time
    token = re.search(r'name="upload_token" type="hidden" value="([^"]+)"', html).group(1)
    confirm = _form(client, None, kind="email", arrived_at="2026-03-02T09:15", sender="Kalle Karlsson",
                    description="E-post: Förfrågan om bygglov", upload_token=token)
    assert _post(client, confirm).status_code == 302
    with app.app_context():
        attachment = db.session.scalars(db.select(RecordAttachment)).one()
        assert (attachment.file_kind, attachment.email_sender) == ("eml", "Kalle Karlsson <kalle@example.se>")


def test_a_forged_upload_token_is_refused(app, client, login_as):
    login_as("employee")
    response = _post(client, _form(client, None, upload_token="eyJ1IjoiYW5uYSJ9.forged"))
    assert response.status_code == 400 and "Välj filen igen" in response.get_data(as_text=True)


def test_a_malformed_email_is_kept_and_flagged(app, client, login_as):
    login_as("employee")
    response = _post(client, _form(client, (BROKEN_EML, "trasig.eml"), kind="email"))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "felaktigt utformat" in page
    with app.app_context():
        attachment = db.session.scalars(db.select(RecordAttachment)).one()
        assert attachment.malformed and attachment.size == len(BROKEN_EML)

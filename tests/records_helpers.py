"""Sample files and shortcuts for the public-records tests."""
import io
import os
import shutil
import wave
from datetime import timedelta

import pytest

from kundweb.audit.services import Actor
from kundweb.database import utcnow
from kundweb.records import services

EMPLOYEE = Actor("anna", frozenset({"employee"}))
OTHER_EMPLOYEE = Actor("erik", frozenset({"employee"}))
AGENT = Actor("bertil", frozenset({"employee", "agent"}))
ADMIN = Actor("david", frozenset({"employee", "admin"}))
PEOPLE = {
    "anna": services.Person("anna", "Anna Andersson", "anna@kundweb.demo"),
    "erik": services.Person("erik", "Erik Ek", "erik@kundweb.demo"),
    "bertil": services.Person("bertil", "Bertil Berg", "bertil@kundweb.demo"),
    "david": services.Person("david", "David Dahl", "david@kundweb.demo"),
}


def wav_bytes(seconds=0.05):
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * int(8000 * seconds))
    return buffer.getvalue()


def mp3_bytes(frames=3, tagged=False):
    # MPEG-1 layer III, 128 kbit/s, 44.1 kHz: 417-byte frames.
    frame = b"\xff\xfb\x90\x64" + b"\x00" * 413
    tag = b"ID3\x04\x00\x00\x00\x00\x00\x0a" + b"\x00" * 10 if tagged else b""
    return tag + frame * frames


def m4a_bytes():
    ftyp = (24).to_bytes(4, "big") + b"ftypM4A " + b"\x00\x00\x00\x00" + b"M4A isom"
    return ftyp + (16).to_bytes(4, "big") + b"mdat" + b"\x00" * 8


def ogg_bytes():
    return b"OggS\x00\x02" + b"\x00" * 20 + b"\x01\x1e\x01vorbis" + b"\x00" * 30


EML = (b"From: Kalle Karlsson <kalle@example.se>\r\n"
       b"To: anna@lulea.se\r\n"
       b"Subject: =?utf-8?q?F=C3=B6rfr=C3=A5gan_om_bygglov?=\r\n"
       b"Date: Mon, 2 Mar 2026 09:15:00 +0100\r\n"
       b"Message-ID: <1@example.se>\r\n"
       b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
       b"Hej! Jag undrar hur det g\xc3\xa5r med mitt bygglov.\r\n")
BROKEN_EML = (b"From: <<<not an address\r\n"
              b"Subject: Trasigt\r\n"
              b"Date: the day after tomorrow\r\n"
              b"Content-Type: multipart/mixed; boundary=\"x\"\r\n\r\n"
              b"--x\r\nno end boundary\r\n")
SCRIPT = b"#!/bin/sh\nrm -rf / --no-preserve-root\n"


def item_input(**overrides):
    values = dict(kind="voicemail", arrived_at=utcnow() - timedelta(hours=1), sender="Kalle, 070-123 45 67",
                  description="Frågar om sophämtningen på Storgatan.", concerns_matter=True)
    values.update(overrides)
    return services.ItemInput(**values)


def register(actor=EMPLOYEE, uploads=(), key=None, now=None, **overrides):
    """Register an item through the service; returns the RecordItem."""
    return services.register(actor, PEOPLE[actor.username], item_input(**overrides), list(uploads),
                             key or os.urandom(12).hex(), now=now).item


def upload(content, name="meddelande.wav"):
    return services.receive_upload(io.BytesIO(content), name)


def stored_names(app):
    """Every file name in the attachment store, temporary ones included."""
    root = app.config["RECORDS_STORAGE_DIR"]
    return sorted(name for _, _, names in os.walk(root) for name in names)


@pytest.fixture(autouse=True)
def clean_store(app):
    """Each test starts with an empty attachment store (import this fixture into a test module)."""
    root = app.config["RECORDS_STORAGE_DIR"]
    for entry in os.listdir(root):
        path = os.path.join(root, entry)
        if os.path.isdir(path):
            for directory, _, names in os.walk(path):
                for name in names:
                    os.chmod(os.path.join(directory, name), 0o600)
            shutil.rmtree(path)
        else:
            os.unlink(path)
    yield

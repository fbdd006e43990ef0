"""Case attachments on disk: outside the web root, under generated names, with their SHA-256.

Only the storage lives here; which case may take files, and the history, are services.py's.
"""
import hashlib
import io
import os
import secrets
import unicodedata

from flask import current_app

from kundweb.companies.models import CaseAttachment

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
EXTENSIONS = ("pdf", "doc", "docx", "odt", "xls", "xlsx", "ods", "txt", "png", "jpg", "jpeg")
CHUNK = 64 * 1024


# What each accepted type's bytes start with: the name alone proves nothing (a "report.pdf"
# may be a script or an HTML page). Office Open XML and OpenDocument files are ZIP archives;
# the old Word and Excel formats are OLE2 compound files.
ZIP, OLE2 = (b"PK\x03\x04",), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
SIGNATURES = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",), "jpeg": (b"\xff\xd8\xff",),
    "docx": ZIP, "xlsx": ZIP, "odt": ZIP, "ods": ZIP,
    "doc": OLE2, "xls": OLE2,
}
TYPE_NAMES = {"pdf": "en PDF", "png": "en PNG-bild", "jpg": "en JPEG-bild", "jpeg": "en JPEG-bild",
              "docx": "ett Word-dokument", "xlsx": "en Excel-fil", "odt": "ett OpenDocument-dokument",
              "ods": "ett OpenDocument-kalkylark", "doc": "ett Word-dokument", "xls": "en Excel-fil",
              "txt": "en textfil"}


def content_matches(extension, head):
    """True when the file's first bytes are what its extension says; text must be text."""
    if extension == "txt":
        if b"\x00" in head:
            return False
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 3:  # not just a character cut off at the end of the chunk
                try:
                    head.decode("cp1252")  # Swedish text saved by older Windows programs
                except UnicodeDecodeError:
                    return False
        return True
    return head.startswith(SIGNATURES[extension])


class IntegrityFailure(Exception):
    """A stored file whose bytes no longer match the SHA-256 and size taken at upload."""


class FileRefused(ValueError):
    """A file that cannot be kept; str() is a Swedish message for the form."""


def directory():
    """instance/company-attachments unless COMPANY_ATTACHMENT_DIR says otherwise."""
    return current_app.config.get("COMPANY_ATTACHMENT_DIR") or os.path.join(current_app.instance_path,
                                                                           "company-attachments")


def max_bytes():
    return current_app.config.get("COMPANY_ATTACHMENT_MAX_BYTES") or DEFAULT_MAX_BYTES


def store(upload, uploaded_by, now):
    """Stream one upload to disk under a random name, hashing it as it goes.

    Returns the (unsaved) CaseAttachment. Raises FileRefused for a wrong type, an
    empty file or one over the size limit; nothing is left on disk then.
    """
    filename = clean_filename(upload.filename)
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in EXTENSIONS:
        raise FileRefused(f"{filename or 'Filen'}: bara PDF, Word, Excel, OpenDocument, text och bilder "
                          "(JPEG, PNG) går att bifoga.")
    os.makedirs(directory(), mode=0o750, exist_ok=True)
    stored_name = secrets.token_hex(16)
    path = os.path.join(directory(), stored_name)
    limit, size, digest = max_bytes(), 0, hashlib.sha256()
    try:
        with open(path + ".part", "xb") as handle:
            first = True
            while chunk := upload.stream.read(CHUNK):
                if first and not content_matches(extension, chunk):
                    raise FileRefused(f"{filename} är inte {TYPE_NAMES[extension]}, fast namnet säger det. "
                                      "Spara filen på nytt i rätt format och bifoga den igen.")
                first = False
                size += len(chunk)
                if size > limit:
                    raise FileRefused(f"{filename} är större än {limit // (1024 * 1024)} MB.")
                digest.update(chunk)
                handle.write(chunk)
        if size == 0:
            raise FileRefused(f"{filename} är tom.")
        os.replace(path + ".part", path)
    finally:
        remove(path + ".part")
    return CaseAttachment(filename=filename, stored_name=stored_name, size=size, sha256=digest.hexdigest(),
                          uploaded_at=now, uploaded_by=uploaded_by)


def clean_filename(name):
    """The file's own name without any folder, control characters or surrounding space (at most 200)."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip(" .")
    if len(name) > 200:
        stem, dot, extension = name.rpartition(".")
        name = (stem[:190] + dot + extension) if dot and len(extension) <= 8 else name[:200]
    return name


def read_verified(attachment):
    """The file's bytes as a stream, only if they still match its SHA-256 and size.

    Read once into memory and sent from there, so what is verified is exactly what is
    sent (files are at most the upload limit). Raises FileNotFoundError or IntegrityFailure.
    """
    with open(path_of(attachment), "rb") as handle:
        data = handle.read()
    if len(data) != attachment.size or hashlib.sha256(data).hexdigest() != attachment.sha256:
        raise IntegrityFailure(f"{attachment.stored_name} har ändrats")
    return io.BytesIO(data)


def path_of(attachment):
    return os.path.join(directory(), attachment.stored_name)


def remove(path):
    try:
        os.remove(path)
    except FileNotFoundError:
        pass

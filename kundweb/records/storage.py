"""Attachment files on disk: content-addressed by SHA-256, outside the web root, verified on read.

A file is written under a temporary name, fsynced, and renamed to its hash: a
crash leaves at most a temporary file, never a half-written one under a real
name, and storing the same bytes again (a retry) lands on the same name. Names
people gave their files never reach the file system.
"""
import hashlib
import io
import logging
import os
import re
import tempfile
import time
from dataclasses import dataclass

from flask import current_app

log = logging.getLogger(__name__)

CHUNK = 256 * 1024
TEMP_PREFIX = ".upload-"
HASH_NAME = re.compile(r"^[0-9a-f]{64}$")


class TooLarge(Exception):
    """The file is over the configured size limit; nothing was kept."""


class IntegrityFailure(Exception):
    """The stored file no longer has the SHA-256 recorded for it (or is missing)."""


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    head: bytes  # the first bytes, for type detection
    path: str


def storage_dir():
    path = current_app.config.get("RECORDS_STORAGE_DIR") or os.path.join(current_app.instance_path, "records")
    os.makedirs(path, mode=0o750, exist_ok=True)
    return path


def path_for(sha256):
    if not HASH_NAME.match(sha256 or ""):
        raise ValueError("not a SHA-256 hex digest")
    return os.path.join(storage_dir(), sha256[:2], sha256)


def write_temp(stream, max_bytes, head_bytes):
    """Copy `stream` to a temporary file in the store, hashing as it goes.

    Returns (temp path, sha256, size, head). Raises TooLarge (temp file removed).
    """
    directory = storage_dir()
    digest, size, head = hashlib.sha256(), 0, bytearray()
    fd, temp_path = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=directory)
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge()
                if len(head) < head_bytes:
                    head.extend(chunk[:head_bytes - len(head)])
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        discard(temp_path)
        raise
    return temp_path, digest.hexdigest(), size, bytes(head)


def commit_temp(temp_path, sha256):
    """Give a written temporary file its final, hash-based name (atomic); returns that path."""
    final = path_for(sha256)
    os.makedirs(os.path.dirname(final), mode=0o750, exist_ok=True)
    os.chmod(temp_path, 0o440)
    # Replacing an identical file (a retry, or the same message twice) is harmless, and it
    # refreshes the file's age so the orphan sweep leaves it alone while its registration runs.
    os.replace(temp_path, final)
    _fsync_dir(os.path.dirname(final))
    return final


def discard(temp_path):
    try:
        os.unlink(temp_path)
    except FileNotFoundError:
        pass


def _fsync_dir(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_verified(sha256, size=None):
    """The file's bytes, only if they still hash to `sha256`; raises IntegrityFailure otherwise.

    Read once into memory and served from there, so what is verified is exactly what
    is sent (files are at most the upload limit).
    """
    try:
        with open(path_for(sha256), "rb") as handle:
            data = handle.read()
    except FileNotFoundError as exc:
        raise IntegrityFailure(f"{sha256} saknas") from exc
    if hashlib.sha256(data).hexdigest() != sha256 or (size is not None and len(data) != size):
        raise IntegrityFailure(f"{sha256} har ändrats")
    return io.BytesIO(data)


def file_problem(sha256, size):
    """None if the stored file still hashes to `sha256` and has `size` bytes, else "saknas" or "har ändrats".

    Reads in chunks: the check runs over every stored file, not one download.
    """
    digest, length = hashlib.sha256(), 0
    try:
        with open(path_for(sha256), "rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                length += len(chunk)
    except FileNotFoundError:
        return "saknas"
    return None if digest.hexdigest() == sha256 and length == size else "har ändrats"


def stored_files():
    """(sha256, path, age in seconds) of every stored file and every left-over temporary file."""
    root, now = storage_dir(), time.time()
    for directory, _, names in os.walk(root):
        for name in names:
            path = os.path.join(directory, name)
            try:
                age = now - os.stat(path).st_mtime
            except FileNotFoundError:
                continue
            yield (name if HASH_NAME.match(name) else None), path, age

"""Backup and restore: a consistent database copy, the stored files, the audit checkpoint file and a manifest.

The database is copied first (SQLite's online backup API, PostgreSQL's pg_dump: each a
consistent snapshot while the app goes on writing), the files after it. Stored files are
written to disk before the rows that name them are committed, so every file the copied
database refers to is already there; files added later are harmless extras.
"""
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import inspect, text

from kundweb.extensions import db

MANIFEST = "manifest.json"
SQLITE_COPY = "database.sqlite3"
POSTGRES_DUMP = "database.pgdump"
CHUNK = 1024 * 1024
# Temporary upload names (kundweb/records/storage.py): never finished files, never backed up.
TEMP_PREFIX = ".upload-"


class BackupError(Exception):
    """The backup or restore could not be made; the message says why (Swedish)."""


@dataclass(frozen=True)
class StoredArea:
    """A folder (or one file) of the app's stored files, by its name in the backup."""

    name: str
    path: str
    single_file: bool = False


def stored_areas(app):
    """Where this app keeps files: public-record attachments, company attachments, the audit checkpoint file."""
    areas = [StoredArea("records", app.config.get("RECORDS_STORAGE_DIR") or os.path.join(app.instance_path, "records")),
             StoredArea("company-attachments", app.config.get("COMPANY_ATTACHMENT_DIR")
                        or os.path.join(app.instance_path, "company-attachments"))]
    checkpoint = app.config.get("AUDIT_CHECKPOINT_FILE")
    if checkpoint:
        areas.append(StoredArea("audit-checkpoint", checkpoint, single_file=True))
    return areas


def make_backup(target, now):
    """Back up the current app's database and files into the new or empty folder `target`; returns the manifest.

    Raises BackupError.
    """
    app = current_app._get_current_object()
    if os.path.exists(target) and os.listdir(target):
        raise BackupError(f"Mappen {target} är inte tom. Välj en ny mapp för varje säkerhetskopia.")
    os.makedirs(target, mode=0o700, exist_ok=True)
    engine = db.engine
    if engine.dialect.name == "sqlite":
        database_file = SQLITE_COPY
        _sqlite_copy(engine.url.database, os.path.join(target, SQLITE_COPY), single_file=True)
        facts = _sqlite_facts(os.path.join(target, SQLITE_COPY))
    elif engine.dialect.name == "postgresql":
        database_file = POSTGRES_DUMP
        facts = _pg_dump_with_facts(engine, os.path.join(target, POSTGRES_DUMP))
    else:
        raise BackupError(f"Databasen {engine.dialect.name} kan inte säkerhetskopieras.")
    files = {database_file: _file_entry(os.path.join(target, database_file))}
    for area in stored_areas(app):
        for relative, source in _files_of(area):
            name = f"files/{area.name}/{relative}"
            destination = os.path.join(target, *name.split("/"))
            os.makedirs(os.path.dirname(destination), exist_ok=True)
            shutil.copy2(source, destination)
            files[name] = _file_entry(destination)
    manifest = {"kundweb_backup": 1, "created_at": now.isoformat(), "database": engine.dialect.name,
                "database_file": database_file, **facts, "files": files}
    with open(os.path.join(target, MANIFEST), "w", encoding="utf-8") as out:
        json.dump(manifest, out, ensure_ascii=False, indent=2, sort_keys=True)
        out.flush()
        os.fsync(out.fileno())
    return manifest


def verify_backup(source):
    """What a backup lacks, as Swedish sentences (empty: complete). Checks every file against the manifest."""
    manifest, problems = _read_manifest(source)
    if manifest is None:
        return problems
    database_file = manifest.get("database_file")
    if not database_file or database_file not in manifest.get("files", {}):
        problems.append("Manifestet nämner ingen databaskopia.")
    elif not os.path.isfile(os.path.join(source, database_file)):
        problems.append(f"Databaskopian saknas: {database_file}.")
    for name, entry in sorted(manifest.get("files", {}).items()):
        path = os.path.join(source, *name.split("/"))
        if not os.path.isfile(path):
            if name != database_file:
                problems.append(f"Filen saknas: {name}.")
        elif _sha256(path) != entry["sha256"]:
            problems.append(f"Filen är ändrad (SHA-256 stämmer inte): {name}.")
    listed = set(manifest.get("files", {})) | {MANIFEST}
    for root, _, names in os.walk(source):
        for file_name in names:
            name = os.path.relpath(os.path.join(root, file_name), source).replace(os.sep, "/")
            if name not in listed:
                problems.append(f"Filen finns inte i manifestet: {name}.")
    return problems


def restore_backup(source, force=False):
    """Put a verified backup back into the current app's database and file folders; returns the manifest.

    Raises BackupError if the backup is incomplete or altered, is of another database kind,
    or the database is not empty and `force` is not given.
    """
    app = current_app._get_current_object()
    problems = verify_backup(source)
    if problems:
        raise BackupError("Säkerhetskopian återställs inte: " + " ".join(problems))
    manifest, _ = _read_manifest(source)
    engine = db.engine
    if manifest["database"] != engine.dialect.name:
        raise BackupError(f"Säkerhetskopian är från {manifest['database']}, den här databasen är "
                          f"{engine.dialect.name}.")
    db.session.remove()
    existing = inspect(engine).get_table_names()
    if existing and not force:
        raise BackupError(f"Databasen är inte tom ({len(existing)} tabeller). Ange --force för att skriva över den.")
    database_copy = os.path.join(source, manifest["database_file"])
    if engine.dialect.name == "sqlite":
        engine.dispose()
        _sqlite_copy(database_copy, engine.url.database)
    else:
        program = _pg_program("pg_restore")
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        _run_pg(program, "pg_restore", engine.url, ["--no-owner", "--no-privileges", "--exit-on-error",
                                                    database_copy])
    areas = {area.name: area for area in stored_areas(app)}
    for name in manifest["files"]:
        if not name.startswith("files/"):
            continue
        _, area_name, relative = name.split("/", 2)
        area = areas.get(area_name)
        if area is None:
            continue  # e.g. a checkpoint file where this installation keeps none
        destination = area.path if area.single_file else os.path.join(area.path, *relative.split("/"))
        os.makedirs(os.path.dirname(destination) or ".", exist_ok=True)
        shutil.copy2(os.path.join(source, *name.split("/")), destination)
    return manifest


def _sqlite_copy(source_path, destination_path, single_file=False):
    """SQLite's online backup: a consistent copy even while other connections write.

    `single_file`: the copy leaves WAL mode, so reading it later makes no -wal/-shm files beside it.
    """
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=30)
    try:
        destination = sqlite3.connect(destination_path)
        try:
            source.backup(destination)
            if single_file:
                destination.execute("PRAGMA journal_mode=DELETE")
        finally:
            destination.close()
    finally:
        source.close()


def _pg_program(name):
    """The PostgreSQL client program: the server's own version's first (a newer server refuses older dumps)."""
    major = db.session.execute(text("SHOW server_version_num")).scalar_one()[:-4]
    db.session.remove()
    for candidate in (f"/usr/lib/postgresql/{major}/bin/{name}", shutil.which(name)):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise BackupError(f"Programmet {name} för PostgreSQL {major} finns inte. Installera postgresql-client-{major}.")


def _run_pg(program, name, url, arguments):
    env = {**os.environ, "PGHOST": url.host or "", "PGPORT": str(url.port or 5432),
           "PGUSER": url.username or "", "PGDATABASE": url.database or ""}
    if url.password:
        env["PGPASSWORD"] = url.password
    if name == "pg_restore":
        arguments = ["--dbname", url.database, *arguments]
    result = subprocess.run([program, *arguments], env=env, capture_output=True, text=True, timeout=3600,
                            check=False)
    if result.returncode != 0:
        raise BackupError(f"{name} misslyckades: {result.stderr.strip()[:500]}")


FACTS_SQL = ("SELECT version_num FROM alembic_version", "SELECT count(*) FROM audit_event",
             "SELECT last_id, last_hash FROM audit_chain_head")


def _facts(revision, count, head):
    return {"alembic_revision": revision[0] if revision else None, "audit_events": count,
            "audit_head": {"last_id": head[0], "last_hash": head[1]} if head else None}


def _sqlite_facts(copy_path):
    """The alembic revision and the audit chain's length and head, read from the copy itself."""
    connection = sqlite3.connect(copy_path)
    try:
        revision, count, head = (connection.execute(sql).fetchone() for sql in FACTS_SQL)
    finally:
        connection.close()
    return _facts(revision, count[0], head)


def _pg_dump_with_facts(engine, dump_path):
    """pg_dump of the same snapshot the facts are read in (an exported snapshot), so they agree exactly."""
    program = _pg_program("pg_dump")
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
        with connection.begin():
            snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            revision, count, head = (connection.execute(text(sql)).first() for sql in FACTS_SQL)
            # The snapshot lives as long as this transaction: pg_dump runs inside it.
            _run_pg(program, "pg_dump", engine.url, ["--format=custom", "--no-owner", "--no-privileges",
                                                     f"--snapshot={snapshot}", "--file", dump_path])
    return _facts(revision, count[0], head)


def _files_of(area):
    """(relative name with /, absolute path) of every finished file in an area."""
    if area.single_file:
        if os.path.isfile(area.path):
            yield os.path.basename(area.path), area.path
        return
    for root, _, names in os.walk(area.path):
        for file_name in sorted(names):
            if file_name.startswith(TEMP_PREFIX):
                continue
            path = os.path.join(root, file_name)
            yield os.path.relpath(path, area.path).replace(os.sep, "/"), path


def _read_manifest(source):
    path = os.path.join(source, MANIFEST)
    if not os.path.isfile(path):
        return None, [f"Manifestet saknas: {path}."]
    try:
        with open(path, encoding="utf-8") as handle:
            manifest = json.load(handle)
    except (OSError, ValueError) as exc:
        return None, [f"Manifestet går inte att läsa: {exc}."]
    if not isinstance(manifest, dict) or manifest.get("kundweb_backup") != 1:
        return None, ["Manifestet är inte en säkerhetskopia från Kundweb."]
    return manifest, []


def _file_entry(path):
    return {"sha256": _sha256(path), "size": os.path.getsize(path)}


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()

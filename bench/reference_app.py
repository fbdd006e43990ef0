"""A bare reference server for calibrating the benchmark (scripts/bench.py), not part of Kundweb.

Plain Flask that does only the work of two Kundweb scenarios, on the bench SQLite data (a copy
bench.py makes after setup), served by the same `gunicorn -w 2` with the same flags. Its scenarios (named
reference_*) are measured against THIS server's /livez, so they tell how close to /livez a
bare implementation can get on this machine: a ceiling for Kundweb's targets, not a target.

It does not import kundweb. Raw sqlite3, one connection per worker process (opened at the
first request, so after gunicorn forks), with kundweb.database.enable_sqlite_pragmas' pragmas.
No login, no CSRF, no templates, no security headers; the HTML is built with
markupsafe.escape. Endpoints:

  GET  /livez           "ok" as text/plain (as kundweb/api/views.py's, without Kundweb's hooks)
  GET  /search?q=       FTS5 prefix search over directory_person: the query folded the simple
                        way (lower case, accents off, [a-z0-9] words), each word '"word"*', the
                        first 11 index matches, an escaped <ul> of name, title and extension
  GET  /search-session  the same after one indexed SELECT of the user_session row whose
                        token_hash is the SHA-256 of the `ref_session` cookie (401 if none/ended)
  POST /post            INSERT one enquiry (form: channel, outcome, category, submission_key),
                        COMMIT, a short text answer
  POST /post-audited    the same plus, in the same transaction, the audit hash chain as
                        kundweb/audit/services.py `record` writes it (head lock UPDATE ... RETURNING,
                        canonical JSON, SHA-256, INSERT audit_event, UPDATE head), and after the
                        commit today's two counts (kundweb/enquiries/services.py `counts_today`)
"""
import hashlib
import json
import os
import re
import sqlite3
import unicodedata
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask import Flask, Response, request
from markupsafe import escape

app = Flask(__name__)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"  # how Kundweb (SQLAlchemy) stores times in SQLite
WORD = re.compile(r"[a-z0-9]+")
AGENT = "reference"
SEARCH_SQL = ("SELECT p.id, p.display_name, p.title, p.extension FROM directory_person p "
              "WHERE p.id IN (SELECT rowid FROM directory_person_fts WHERE directory_person_fts MATCH ? LIMIT 11)")
SESSION_SQL = ("SELECT username, display_name, email, directory_guid, roles, last_seen_at, roles_checked_at, ended_at "
               "FROM user_session WHERE token_hash = ?")  # the columns Kundweb's login check reads
INSERT_ENQUIRY = ("INSERT INTO enquiry (created_at, local_date, month, agent, channel, category_id, outcome, "
                  "submission_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id")
LOCK_HEAD = "UPDATE audit_chain_head SET last_id = last_id WHERE id = 1 RETURNING last_id, last_hash"
INSERT_EVENT = ("INSERT INTO audit_event (id, occurred_at, actor, action, object_type, object_id, remote_addr, "
                "details, prev_hash, row_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
MOVE_HEAD = "UPDATE audit_chain_head SET last_id = ?, last_hash = ? WHERE id = 1"
COUNTS_TODAY = ("SELECT (SELECT count(*) FROM enquiry WHERE agent = ? AND local_date = ?), "
                "(SELECT count(*) FROM enquiry WHERE local_date = ?)")

_connection = None


def db():
    """This worker's connection, opened at its first request (after the fork)."""
    global _connection
    if _connection is None:
        url = os.environ["KUNDWEB_DATABASE_URL"]
        if not url.startswith("sqlite:///"):
            raise RuntimeError("the reference app runs on SQLite only")
        connection = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)  # explicit BEGIN/COMMIT
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=10000", "foreign_keys=ON",
                       "mmap_size=268435456", "cache_size=-32768"):
            connection.execute(f"PRAGMA {pragma}")
        _connection = connection
    return _connection


def text(body, status=200):
    response = Response(body, status=status, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response


@app.get("/livez")
def livez():
    return text("ok\n")


def fold(value):
    decomposed = unicodedata.normalize("NFKD", value.lower())
    return WORD.findall("".join(c for c in decomposed if not unicodedata.combining(c)))


def search_fragment():
    terms = list(dict.fromkeys(fold(request.args.get("q", "")[:100])))[:6]
    rows = db().execute(SEARCH_SQL, (" ".join(f'"{t}"*' for t in terms),)).fetchall() if terms else []
    items = "".join(f"<li>{escape(name)} – {escape(title or '')} ({escape(extension or '')})</li>"
                    for _, name, title, extension in rows[:10])
    return Response(f'<ul class="hits">{items}</ul>\n', mimetype="text/html")


@app.get("/search")
def search():
    return search_fragment()


@app.get("/search-session")
def search_session():
    token = request.cookies.get("ref_session")
    row = db().execute(SESSION_SQL, (hashlib.sha256(token.encode()).hexdigest(),)).fetchone() if token else None
    if row is None or row[7] is not None:
        return text("no session\n", 401)
    return search_fragment()


def save(audited):
    form = request.form
    now = datetime.now(timezone.utc)
    local = now.astimezone(STOCKHOLM)
    channel, outcome, category_id = form["channel"], form["outcome"], int(form["category"])
    connection = db()
    connection.execute("BEGIN")
    try:
        try:
            enquiry_id = connection.execute(INSERT_ENQUIRY, (
                now.strftime(SQLITE_DATETIME), local.date().isoformat(), local.strftime("%Y-%m"), AGENT, channel,
                category_id, outcome, form["submission_key"])).fetchone()[0]
        except sqlite3.IntegrityError:
            connection.execute("ROLLBACK")
            return text("already logged\n", 409)
        if audited:
            last_id, last_hash = connection.execute(LOCK_HEAD).fetchone()
            details = {"channel": channel, "category_id": category_id, "outcome": outcome, "target_id": None,
                       "crisis_id": None, "has_note": False}
            details_json = json.dumps(details)
            event = {"id": last_id + 1, "occurred_at": now.isoformat(timespec="microseconds"), "actor": AGENT,
                     "action": "enquiry.logged", "object_type": "enquiry", "object_id": str(enquiry_id),
                     "remote_addr": request.remote_addr, "details": json.loads(details_json), "prev_hash": last_hash}
            row_hash = hashlib.sha256(json.dumps(event, sort_keys=True, separators=(",", ":"),
                                                 ensure_ascii=False).encode("utf-8")).hexdigest()
            connection.execute(INSERT_EVENT, (
                event["id"], now.strftime(SQLITE_DATETIME), AGENT, event["action"], event["object_type"],
                event["object_id"], event["remote_addr"], details_json, last_hash, row_hash))
            connection.execute(MOVE_HEAD, (event["id"], row_hash))
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise
    if not audited:
        return text(f"logged {enquiry_id}\n")
    today = local.date().isoformat()
    mine, team = connection.execute(COUNTS_TODAY, (AGENT, today, today)).fetchone()
    return text(f"logged {enquiry_id}; today {mine} yours, {team} all\n")


@app.post("/post")
def post():
    return save(audited=False)


@app.post("/post-audited")
def post_audited():
    return save(audited=True)

"""Health checks: /healthz (the R-API contract) and /livez (process only, no I/O); the public answers."""
from flask import current_app, jsonify, make_response, request

from kundweb import ldap_client
from kundweb.answers import public as public_answers
from kundweb.api import bp
from kundweb.database import can_take_writes
from kundweb.extensions import db
from kundweb.web import public_read_api

# How long /healthz lets another transaction's write lock delay its write probe.
HEALTH_LOCK_WAIT_MS = 500


@bp.route("/healthz")
def healthz():
    """The R-API health answer. The directory's status is the last one this process saw
    (never an inline wait on a slow directory); `?deep=1` asks the directory now, within its deadline."""
    try:
        # A database that reads but cannot take writes (another process holds the lock) is
        # not healthy either: saves would wait and fail. "locked" keeps the contract's keys.
        database = "ok" if can_take_writes(db.engine, "user_session", HEALTH_LOCK_WAIT_MS) else "locked"
    except Exception:  # noqa: BLE001 - any failure here means "database unreachable"
        database = "down"
    directory = ldap_client.get_directory(current_app).status(deep=request.args.get("deep") == "1")
    status = "ok" if database == "ok" else "error"
    response = jsonify({"status": status, "db": database, "directory": directory})
    response.status_code = 200 if status == "ok" else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/livez")
def livez():
    """Answers as long as the process serves requests; also the benchmarks' trivial baseline."""
    response = current_app.response_class("ok\n", mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/api/v1/answers")
@public_read_api
def answers():
    """Kunskapsbanken's published public answers (R-KB-5), optionally `?q=` words and `?category=` id."""
    try:
        public_list = public_answers.public_answers()
        found, etag = public_answers.filtered(public_list, request.args.get("q"), request.args.get("category"))
    except public_answers.PublicAnswerError as exc:
        return jsonify({"error": str(exc)}), 400
    # Weak comparison: nginx's gzip turns "x" into W/"x", and the content is the same.
    if request.if_none_match.contains_weak(etag):
        response = make_response("", 304)
    elif etag == public_list.etag:  # the whole list, serialised once per change
        response = current_app.response_class(public_list.json, mimetype="application/json")
    else:
        response = jsonify({"answers": [answer.item for answer in found]})
    response.set_etag(etag)
    response.headers["Cache-Control"] = "public, no-cache"
    return response

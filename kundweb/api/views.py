"""Health checks: /healthz (the R-API contract) and /livez (process only, no I/O)."""
from flask import current_app, jsonify, request

from kundweb import ldap_client
from kundweb.api import bp
from kundweb.database import can_take_writes
from kundweb.extensions import db

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

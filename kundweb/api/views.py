"""Health checks: /healthz (the R-API contract) and /livez (process only, no I/O)."""
from flask import current_app, jsonify
from sqlalchemy import text

from kundweb import ldap_client
from kundweb.api import bp
from kundweb.extensions import db


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # noqa: BLE001 - any failure here means "database unreachable"
        db.session.rollback()
        database = "down"
    directory = ldap_client.get_directory(current_app).status()
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

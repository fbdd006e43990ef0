"""Swedish error pages (JSON under /api/), and 503 when the database is unreachable."""
import logging

from flask import g, has_request_context, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy import event
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, SecurityError

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("Felaktig begäran", "Det som skickades gick inte att tolka. Gå tillbaka och försök igen."),
    401: ("Inloggning krävs", "Logga in för att fortsätta."),
    403: ("Åtkomst nekad", "Du har inte behörighet till den här sidan. Försöket har loggats."),
    404: ("Sidan finns inte", "Sidan du söker finns inte, eller har flyttats."),
    405: ("Otillåten metod", "Sidan kan inte användas på det här sättet."),
    413: ("För stor begäran", "Det som skickades är större än vad som tillåts. Ingenting har sparats."),
    429: ("För många försök", "Vänta en stund och försök igen."),
    500: ("Något gick fel", "Ett oväntat fel inträffade. Felet har loggats. Försök igen om en stund."),
    503: ("Tjänsten är inte tillgänglig",
          "Kundweb når inte sin databas just nu, så uppgifter kan inte visas eller sparas. "
          "Försök igen om en stund."),
}
# A 503 on a form post: what the person sent was not saved, and they must know to send it again.
NOT_SAVED = ("Kundweb når inte sin databas just nu, så det du skickade är inte sparat. "
             "Gå tillbaka till formuläret (det du skrev finns oftast kvar där) och försök igen om en stund.")
# A 503 after this request had committed: the save went through, only what followed failed.
SAVED_THEN_FAILED = ("Kundweb tappade kontakten med sin databas efter att det du skickade hade sparats. "
                     "Kontrollera att det syns innan du skickar det igen, när Kundweb svarar igen.")


def init_app(app):
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(SecurityError, handle_untrusted_host)
    app.register_error_handler(OperationalError, handle_database_down)
    app.register_error_handler(InterfaceError, handle_database_down)
    app.register_error_handler(Exception, handle_unexpected)
    from kundweb.extensions import db

    # Only flags, no query: the 503 page must know whether this request saved anything.
    if not event.contains(db.session, "after_commit", _note_commit):  # one Session class for every app
        event.listen(db.session, "after_begin", _note_connection)
        event.listen(db.session, "after_commit", _note_commit)


def _note_connection(session, transaction, connection):
    if has_request_context():
        g.kundweb_transaction_on_database = True


def _note_commit(session):
    # A commit that never reached the database (nothing was begun on a connection, e.g. the
    # database was unreachable from the start) saved nothing: saying "sparat" then would lose
    # what the person sent.
    if has_request_context() and g.pop("kundweb_transaction_on_database", False):
        g.kundweb_committed = True


def error_response(status, detail=None):
    """A response object: JSON for the API, otherwise the Swedish error page."""
    title, text = MESSAGES.get(status, MESSAGES[500])
    if request.path.startswith("/api/") or request.path == "/healthz":
        response = jsonify({"error": detail or text})
    else:
        # Error pages never ask for the logged-in user: the session store may be what failed.
        response = make_response(render_template("errors/error.html", status=status, title=title,
                                                 text=detail or text, show_user=False))
    response.status_code = status
    return response


def handle_csrf_error(error):
    return error_response(400, "Formuläret hade gått ut eller saknade sin säkerhetskod. "
                               "Ladda om sidan och försök igen.")


def handle_http_error(error):
    if error.code is None or error.code < 400:
        return error
    response = error_response(error.code)
    if error.code == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def handle_untrusted_host(error):
    """A Host header not in TRUSTED_HOSTS: 400, answered without building a URL (none can be built)."""
    log.warning("refused a request for an untrusted host on %s %s", request.method, request.path)
    text = "Adressen som begäran gällde hör inte till Kundweb."
    if request.path.startswith("/api/") or request.path == "/healthz":
        response = jsonify({"error": text})
    else:
        response = make_response(render_template("errors/untrusted_host.html", title=MESSAGES[400][0], text=text))
    response.status_code = 400
    return response


def handle_database_down(error):
    log.error("database unavailable: %s", error)
    _rollback_quietly()
    # The page is rendered as for nobody: Flask-Login's template context asks for the user,
    # and loading it again from the same database would fail this page too (a bare 500).
    g.kundweb_database_down = True
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return error_response(503)
    return error_response(503, SAVED_THEN_FAILED if g.get("kundweb_committed") else NOT_SAVED)


def handle_unexpected(error):
    log.exception("unhandled error on %s %s", request.method, request.path)
    _rollback_quietly()
    return error_response(500)


def _rollback_quietly():
    from kundweb.extensions import db

    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - already answering with an error page
        pass

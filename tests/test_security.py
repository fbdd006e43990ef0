"""Security baseline: CSRF on every state-changing route, headers everywhere, 503 when the DB is gone."""
import re

import pytest

from kundweb import create_app
from kundweb.config import DEFAULT_SECRET_KEY
from tests.conftest import csrf_token

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def _url_for_rule(rule):
    """A URL that matches the rule, with a plausible value for each argument."""
    from werkzeug.routing.converters import AnyConverter, IntegerConverter

    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        elif isinstance(converter, IntegerConverter):
            values[name] = 1
        else:
            values[name] = "x"
    return rule.build(values, append_unknown=False)[1]


def test_every_state_changing_route_refuses_a_request_without_csrf_token(app, client, login_as):
    login_as("admin")
    routes = [(rule, method) for rule in app.url_map.iter_rules()
              for method in (rule.methods or set()) & STATE_CHANGING]
    assert routes, "expected at least the login and logout forms"
    for rule, method in routes:
        response = client.open(_url_for_rule(rule), method=method, data={"x": "1"})
        assert response.status_code == 400, f"{method} {rule.rule} accepted a request without CSRF token"
        assert "säkerhetskod" in response.get_data(as_text=True)
    # and the session is still there: the refused logout did nothing
    assert client.get("/start/admin").status_code == 200


def test_get_routes_change_nothing(app, client, login_as):
    """No GET endpoint writes: the audit log is unchanged after visiting every one."""
    from kundweb.audit.models import AuditEvent
    from kundweb.extensions import db

    login_as("admin")
    with app.app_context():
        before = db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and rule.endpoint != "static":
            client.get(_url_for_rule(rule))
    with app.app_context():
        after = db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))
    assert after == before


HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _assert_security_headers(response):
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, name
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "HX-Request" in response.headers.get("Vary", "")


@pytest.mark.parametrize("path", ["/login", "/healthz", "/livez", "/nope", "/static/app.css"])
def test_headers_on_anonymous_responses(client, path):
    _assert_security_headers(client.get(path))


@pytest.mark.parametrize("path, status", [("/start/agent", 200), ("/start/admin", 403), ("/nope", 404)])
def test_authenticated_pages_and_errors_are_not_cached(client, login_as, path, status):
    login_as("agent")
    response = client.get(path)
    assert response.status_code == status
    _assert_security_headers(response)
    assert response.headers["Cache-Control"] == "no-store"


def test_htmx_fragment_requests_get_the_same_headers(client, login_as):
    login_as("agent")
    response = client.get("/start/agent", headers={"HX-Request": "true", "HX-Target": "main"})
    _assert_security_headers(response)
    assert response.headers["Cache-Control"] == "no-store"


def test_htmx_is_configured_without_eval_and_csrf_travels_in_a_header(client, login_as):
    login_as("employee")
    html = client.get("/start/employee").get_data(as_text=True)
    assert '"allowEval": false' in html and '"historyCacheSize": 0' in html
    assert '"includeIndicatorStyles": false' in html
    assert re.search(r'<body hx-headers=\'\{"X-CSRFToken": "[^"]+"\}\'', html)
    assert "<script>" not in html and " style=" not in html and "onclick" not in html


def test_csrf_token_in_header_is_accepted(client, login_as):
    login_as("employee")
    token = csrf_token(client, "/start/employee")
    response = client.post("/logout", headers={"X-CSRFToken": token})
    assert response.status_code == 302


def test_swedish_404_page(client):
    response = client.get("/finns-inte")
    assert response.status_code == 404
    assert "Sidan finns inte" in response.get_data(as_text=True)


def test_unexpected_error_gives_swedish_500_without_traceback(tmp_path):
    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3"})

    @app.route("/_boom_for_test")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/_boom_for_test")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Något gick fel" in html and "secret internals" not in html and "Traceback" not in html


@pytest.fixture
def app_without_database(tmp_path):
    # A PostgreSQL URL where nothing listens: the database is unreachable.
    return create_app({"ENV_NAME": "testing",
                       "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2"})


def test_healthz_answers_503_when_database_is_unreachable(app_without_database):
    response = app_without_database.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "error", "db": "down", "directory": "demo"}


def test_pages_answer_503_with_a_clear_message_when_database_is_unreachable(app_without_database):
    client = app_without_database.test_client()
    response = client.post("/login", data={"username": "anna", "password": "demo-anna",
                                           "csrf_token": csrf_token(client)})
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "når inte sin databas" in html and "Traceback" not in html


@pytest.mark.parametrize("overrides, problem", [
    ({"KUNDWEB_SECRET_KEY": None}, "SECRET_KEY"),
    ({"KUNDWEB_DEBUG": "1"}, "DEBUG"),
    ({"KUNDWEB_LDAP_TLS_VALIDATE": "0"}, "TLS"),
    ({"KUNDWEB_LDAP_URL": ""}, "demo directory"),
])
def test_production_refuses_unsafe_settings(overrides, problem):
    from kundweb.config import check_production_config

    config = {"SECRET_KEY": "a-long-random-value", "DEBUG": False, "LDAP_TLS_VALIDATE": True,
              "LDAP_URL": "ldaps://dc.example:636", "LDAP_START_TLS": False}
    if "KUNDWEB_SECRET_KEY" in overrides:
        config["SECRET_KEY"] = DEFAULT_SECRET_KEY
    if "KUNDWEB_DEBUG" in overrides:
        config["DEBUG"] = True
    if "KUNDWEB_LDAP_TLS_VALIDATE" in overrides:
        config["LDAP_TLS_VALIDATE"] = False
    if "KUNDWEB_LDAP_URL" in overrides:
        config["LDAP_URL"] = ""
    with pytest.raises(RuntimeError, match=problem):
        check_production_config(config)


def test_production_app_has_secure_cookies(monkeypatch):
    monkeypatch.setenv("KUNDWEB_ENV", "production")
    app = create_app({"SECRET_KEY": "x" * 40, "LDAP_TLS_VALIDATE": True, "LDAP_URL": "ldaps://dc.example:636",
                      "BASE_URL": "https://kundweb.lulea.se", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "ENV_NAME": "production"})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"

"""Security baseline: CSRF on every state-changing route, headers everywhere, 503 when the DB is gone."""
import io
import re

import pytest

from kundweb import create_app
from kundweb.config import DEFAULT_SECRET_KEY
from tests.conftest import DEMO_PASSWORDS, csrf_token, post_login

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


def test_every_state_changing_route_refuses_a_wrong_token_or_one_from_another_session(app, client, login_as):
    other = app.test_client()
    post_login(other, *DEMO_PASSWORDS["agent"])
    foreign = csrf_token(other, "/start/agent")
    login_as("admin")
    routes = [(rule, method) for rule in app.url_map.iter_rules()
              for method in (rule.methods or set()) & STATE_CHANGING]
    for rule, method in routes:
        for form, headers in (({"csrf_token": foreign}, {}), ({}, {"X-CSRFToken": foreign}),
                              ({"csrf_token": "x" * 40}, {})):
            response = client.open(_url_for_rule(rule), method=method, data=form, headers=headers)
            assert response.status_code == 400, f"{method} {rule.rule} accepted a token it did not issue"


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
    assert "inte sparat" in html and "Traceback" not in html


@pytest.mark.parametrize("overrides, problem", [
    ({"KUNDWEB_SECRET_KEY": None}, "SECRET_KEY"),
    ({"KUNDWEB_DEBUG": "1"}, "DEBUG"),
    ({"KUNDWEB_LDAP_TLS_VALIDATE": "0"}, "TLS"),
    ({"KUNDWEB_LDAP_URL": ""}, "demo directory"),
])
def test_production_refuses_unsafe_settings(overrides, problem):
    from kundweb.config import check_production_config

    config = {"SECRET_KEY": "Qm9vdGgtcmFuZG9tLWJ5dGVzLWZyb20tc2VjcmV0cy10b2tlbg", "DEBUG": False, "LDAP_TLS_VALIDATE": True,
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
    app = create_app({"SECRET_KEY": "Qm9vdGgtcmFuZG9tLWJ5dGVzLWZyb20tc2VjcmV0cy10b2tlbg",
                      "AUDIT_SEAL_KEY": "s" * 40, "LDAP_TLS_VALIDATE": True, "LDAP_URL": "ldaps://dc.example:636",
                      "BASE_URL": "https://kundweb.lulea.se", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "ENV_NAME": "production"})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


# --------------------------------------------------------------------------- the role × route matrix

ROLES = ("anonymous", "employee", "agent", "communicator", "admin", "editor")
# The expected status of every route for each role (in ROLES' order), GET and POST. The POST
# carries a valid CSRF token and no other field, so a permitted form answers 400 (shown again
# with its errors), 302 (done or sent on) or 404 (object missing). The ids are real rows made
# by `matrix_data`: Anna's (employee) record, a company case with a file, Cecilia's crisis draft,
# a functional entry and the demo users' directory entries (`person_id` is Bertil's, the agent).
# The editor (Elin, of her own unit) reads every answer but may change none of David's unit's: 403.
# 302 for anonymous is the way to the login page. A new route without a row here fails the test.
EXPECTED = {
    ("answers.goals_summary", "GET"): (302, 403, 302, 403, 302, 403),  # without htmx: the dashboard
    ("answers.public_answer", "GET"): (404, 404, 404, 404, 404, 404),  # no answer 1 here: never a draft leaked
    ("answers.public_index", "GET"): (200, 200, 200, 200, 200, 200),
    ("answers.report_csv", "GET"): (302, 403, 403, 403, 200, 200),
    ("answers.report_page", "GET"): (302, 403, 403, 403, 200, 200),
    ("api.answers", "GET"): (200, 200, 200, 200, 200, 200),
    ("answers.accept_proposal", "POST"): (302, 403, 403, 403, 404, 404),
    ("answers.mark_reviewed", "POST"): (302, 403, 403, 403, 302, 403),
    ("answers.my_proposals", "GET"): (302, 403, 200, 403, 200, 403),
    ("answers.proposal_queue", "GET"): (302, 403, 403, 403, 200, 200),
    ("answers.propose", "GET"): (302, 403, 200, 403, 200, 403),
    ("answers.propose", "POST"): (302, 403, 400, 403, 400, 403),
    ("answers.reject_proposal", "POST"): (302, 403, 403, 403, 404, 404),
    ("answers.review_due", "GET"): (302, 403, 403, 403, 200, 200),
    ("answers.archive", "POST"): (302, 403, 403, 403, 302, 403),
    ("answers.create", "GET"): (302, 403, 403, 403, 200, 200),
    ("answers.create", "POST"): (302, 403, 403, 403, 400, 400),
    ("answers.delete", "POST"): (302, 403, 403, 403, 302, 403),
    ("answers.edit", "GET"): (302, 403, 403, 403, 200, 403),
    ("answers.edit", "POST"): (302, 403, 403, 403, 400, 403),
    ("answers.history", "GET"): (302, 403, 403, 403, 200, 200),
    ("answers.import_answers", "GET"): (302, 403, 403, 403, 200, 200),
    ("answers.import_answers", "POST"): (302, 403, 403, 403, 400, 400),
    ("answers.index", "GET"): (302, 403, 403, 403, 200, 200),
    ("answers.publish", "POST"): (302, 403, 403, 403, 302, 403),
    ("answers.show", "GET"): (302, 403, 403, 403, 200, 200),
    ("api.healthz", "GET"): (200, 200, 200, 200, 200, 200),
    ("answers.options", "GET"): (302, 403, 302, 403, 302, 403),  # the page without htmx: to the enquiry form
    ("answers.panel", "GET"): (302, 403, 302, 403, 302, 403),
    ("api.livez", "GET"): (200, 200, 200, 200, 200, 200),
    ("auditlog.export_csv", "POST"): (302, 403, 403, 403, 200, 403),
    ("auditlog.index", "GET"): (302, 403, 403, 403, 200, 403),
    ("auditlog.verify", "POST"): (302, 403, 403, 403, 302, 403),
    ("auth.login", "GET"): (200, 302, 302, 302, 302, 302),
    ("auth.login", "POST"): (400, 302, 302, 302, 302, 302),
    ("companies.attach", "POST"): (302, 403, 403, 403, 400, 403),
    ("companies.attachment", "GET"): (302, 403, 403, 403, 200, 403),
    ("companies.case", "GET"): (302, 403, 403, 403, 200, 403),
    ("companies.cases", "GET"): (302, 403, 403, 403, 200, 403),
    ("comparisons.admin", "GET"): (302, 403, 403, 403, 200, 403),
    ("comparisons.import_kolada", "POST"): (302, 403, 403, 403, 400, 403),
    ("comparisons.save_choices", "POST"): (302, 403, 403, 403, 302, 403),
    ("companies.decide", "POST"): (302, 403, 403, 403, 400, 403),
    ("companies.edit", "GET"): (302, 403, 403, 403, 200, 403),
    ("companies.edit", "POST"): (302, 403, 403, 403, 302, 403),
    ("companies.edit_case", "GET"): (302, 403, 403, 403, 200, 403),
    ("companies.edit_case", "POST"): (302, 403, 403, 403, 400, 403),
    ("companies.index", "GET"): (302, 403, 200, 403, 200, 403),
    ("companies.new", "GET"): (302, 403, 403, 403, 200, 403),
    ("companies.new", "POST"): (302, 403, 403, 403, 400, 403),
    ("companies.new_case", "GET"): (302, 403, 403, 403, 200, 403),
    ("companies.new_case", "POST"): (302, 403, 403, 403, 400, 403),
    ("companies.prepare", "POST"): (302, 403, 403, 403, 400, 403),
    ("companies.show", "GET"): (302, 403, 403, 403, 200, 403),
    ("companies.withdraw", "POST"): (302, 403, 403, 403, 400, 403),
    ("crisis.add_script", "POST"): (302, 403, 403, 400, 400, 403),
    ("crisis.approve", "POST"): (302, 403, 403, 302, 302, 403),
    ("crisis.confirm", "POST"): (302, 403, 403, 302, 302, 403),
    ("crisis.reject", "POST"): (302, 403, 403, 400, 400, 403),
    ("crisis.edit_script", "GET"): (302, 403, 403, 404, 404, 403),
    ("crisis.edit_script", "POST"): (302, 403, 403, 404, 404, 403),
    ("crisis.move_script", "POST"): (302, 403, 403, 302, 302, 403),
    ("crisis.api_active", "GET"): (200, 200, 200, 200, 200, 200),
    ("crisis.atom_feed", "GET"): (200, 200, 200, 200, 200, 200),
    ("crisis.cap_index", "GET"): (200, 200, 200, 200, 200, 200),
    ("crisis.cap_alert", "GET"): (404, 404, 404, 404, 404, 404),  # the matrix's message is a draft: never leaked
    ("crisis.banner", "GET"): (200, 200, 200, 200, 200, 200),
    ("crisis.create", "GET"): (302, 403, 403, 200, 200, 403),
    ("crisis.create", "POST"): (302, 403, 403, 400, 400, 403),
    ("crisis.edit", "GET"): (302, 403, 403, 200, 200, 403),
    ("crisis.edit", "POST"): (302, 403, 403, 302, 302, 403),
    ("crisis.end", "POST"): (302, 403, 403, 302, 302, 403),
    ("crisis.index", "GET"): (302, 403, 403, 200, 200, 403),
    ("crisis.publish", "POST"): (302, 403, 403, 200, 200, 403),
    ("crisis.remove_script", "POST"): (302, 403, 403, 302, 302, 403),
    ("crisis.schedule", "POST"): (302, 403, 403, 400, 400, 403),
    ("crisis.show", "GET"): (302, 403, 403, 200, 200, 403),
    ("crisis.subscription", "POST"): (302, 302, 302, 302, 302, 302),
    ("directory.admin", "GET"): (302, 403, 403, 403, 200, 403),
    ("directory.api_public", "GET"): (200, 200, 200, 200, 200, 200),
    ("directory.api_switchboard", "GET"): (401, 401, 401, 401, 401, 401),
    ("directory.check_contact_field", "POST"): (302, 404, 200, 404, 200, 404),
    ("directory.confirm", "POST"): (302, 404, 302, 404, 302, 404),
    ("directory.deputy_options", "GET"): (302, 404, 200, 404, 200, 404),
    ("directory.end_absence", "POST"): (302, 404, 302, 404, 302, 404),
    ("directory.edit_function", "GET"): (302, 403, 403, 403, 200, 403),
    ("directory.edit_function", "POST"): (302, 403, 403, 403, 400, 403),
    ("directory.edit_person", "GET"): (302, 404, 302, 404, 200, 404),
    ("directory.fetch_me", "POST"): (302, 302, 302, 302, 302, 302),
    ("directory.function", "GET"): (302, 403, 200, 403, 200, 403),
    ("directory.functions", "GET"): (302, 403, 403, 403, 200, 403),
    ("directory.me", "GET"): (302, 200, 200, 200, 200, 200),
    ("directory.new_function", "GET"): (302, 403, 403, 403, 200, 403),
    ("directory.new_function", "POST"): (302, 403, 403, 403, 400, 403),
    ("directory.person", "GET"): (302, 404, 200, 404, 200, 404),
    ("directory.save_absence", "POST"): (302, 404, 400, 404, 400, 404),
    ("directory.save_contact", "POST"): (302, 404, 302, 404, 302, 404),
    ("directory.search", "GET"): (302, 403, 200, 403, 200, 403),
    ("directory.switchboard_download", "POST"): (302, 403, 403, 403, 200, 403),
    ("directory.sync_now", "POST"): (302, 403, 403, 403, 302, 403),
    ("enquiries.add_category", "POST"): (302, 403, 403, 403, 400, 403),
    ("enquiries.add_target", "POST"): (302, 403, 403, 403, 400, 403),
    ("enquiries.admin", "GET"): (302, 403, 403, 403, 200, 403),
    ("enquiries.callback_assignees", "GET"): (302, 403, 302, 403, 302, 403),
    ("enquiries.callback_done", "POST"): (302, 404, 404, 404, 404, 404),
    ("enquiries.callbacks_page", "GET"): (302, 200, 200, 200, 200, 200),
    ("enquiries.category_options", "GET"): (302, 403, 302, 403, 302, 403),
    ("enquiries.category_state", "POST"): (302, 403, 403, 403, 302, 403),
    ("enquiries.log_enquiry", "POST"): (302, 403, 400, 403, 400, 403),
    ("enquiries.log_forwarded", "GET"): (302, 403, 200, 403, 200, 403),
    ("enquiries.log_page", "GET"): (302, 403, 200, 403, 200, 403),
    ("enquiries.refresh_targets", "POST"): (302, 403, 403, 403, 302, 403),
    ("enquiries.rename_category", "POST"): (302, 403, 403, 403, 302, 403),
    ("enquiries.rename_target", "POST"): (302, 403, 403, 403, 302, 403),
    ("enquiries.target_state", "POST"): (302, 403, 403, 403, 302, 403),
    ("enquiries.undo", "POST"): (302, 403, 302, 403, 302, 403),
    ("goals.add_target", "POST"): (302, 403, 403, 403, 400, 403),
    ("goals.api_results", "GET"): (400, 400, 400, 400, 400, 400),
    ("goals.dashboard", "GET"): (302, 403, 200, 403, 200, 403),
    ("goals.export_csv", "GET"): (302, 403, 200, 403, 200, 403),
    ("goals.import_survey", "POST"): (302, 403, 403, 403, 400, 403),
    ("goals.import_telephony", "POST"): (302, 403, 403, 403, 400, 403),
    ("goals.inputs", "GET"): (302, 403, 403, 403, 200, 403),
    ("goals.month_state", "GET"): (302, 403, 403, 403, 200, 403),
    ("goals.month_state", "POST"): (302, 403, 403, 403, 400, 403),
    ("goals.export_xlsx", "GET"): (302, 403, 200, 403, 200, 403),
    ("goals.telephony_page", "GET"): (302, 403, 200, 403, 200, 403),
    ("goals.public", "GET"): (200, 200, 200, 200, 200, 200),
    ("goals.remove_target", "POST"): (302, 403, 403, 403, 302, 403),
    ("goals.report", "GET"): (302, 403, 200, 403, 200, 403),
    ("goals.save_survey_month", "POST"): (302, 403, 403, 403, 400, 403),
    ("goals.save_web_assessment", "POST"): (302, 403, 403, 403, 400, 403),
    ("goals.targets", "GET"): (302, 403, 403, 403, 200, 403),
    ("hours.add_exception", "POST"): (302, 403, 403, 403, 400, 403),
    ("hours.add_maintenance", "POST"): (302, 403, 403, 403, 400, 403),
    ("hours.add_period", "POST"): (302, 403, 403, 403, 400, 403),
    ("hours.admin", "GET"): (302, 403, 403, 403, 200, 403),
    ("hours.api_calendar", "GET"): (400, 400, 400, 400, 400, 400),
    ("hours.api_maintenance", "GET"): (400, 400, 400, 400, 400, 400),
    ("hours.api_now", "GET"): (200, 200, 200, 200, 200, 200),
    ("hours.remove_rule", "POST"): (302, 403, 403, 403, 302, 403),
    ("hours.set_early_close", "POST"): (302, 403, 403, 403, 400, 403),
    ("hours.set_weekly", "POST"): (302, 403, 403, 403, 400, 403),
    ("main.index", "GET"): (302, 302, 302, 302, 302, 302),
    ("main.start", "GET"): (302, 403, 403, 403, 200, 403),
    ("records.close", "POST"): (302, 400, 400, 404, 400, 404),
    ("records.correct", "GET"): (302, 200, 200, 404, 200, 404),
    ("records.correct", "POST"): (302, 400, 400, 404, 400, 404),
    ("records.document", "POST"): (302, 400, 400, 404, 400, 404),
    ("records.download", "GET"): (302, 200, 200, 404, 200, 404),
    ("records.export_csv", "POST"): (302, 403, 200, 403, 200, 403),
    ("records.export_package", "POST"): (302, 403, 200, 403, 200, 403),
    ("records.index", "GET"): (302, 200, 200, 200, 200, 200),
    ("records.new", "GET"): (302, 200, 200, 200, 200, 200),
    ("records.new", "POST"): (302, 400, 400, 400, 400, 400),
    ("records.register_search", "GET"): (302, 200, 200, 200, 200, 200),
    ("records.reopen", "POST"): (302, 400, 400, 404, 400, 404),
    ("records.show", "GET"): (302, 200, 200, 404, 200, 404),
    ("records.system_active", "POST"): (302, 403, 403, 403, 404, 403),
    ("records.systems", "GET"): (302, 403, 403, 403, 200, 403),
    ("records.systems", "POST"): (302, 403, 403, 403, 400, 403),
}
NOT_IN_MATRIX = {("static", "GET"), ("auth.logout", "POST")}  # static: headers tests; logout: CSRF tests


@pytest.fixture
def matrix_data(app, tmp_path, monkeypatch):
    """One real row behind each kind of id in the URLs, so 200/404 is about access, not absence."""
    from kundweb.answers import services as answers
    from kundweb.audit.services import Actor
    from kundweb.crisis import services as crisis
    from kundweb.database import utcnow
    from kundweb.directory import services as directory
    from kundweb.enquiries import services as enquiries
    from tests.companies_helpers import company, pdf, submit
    from tests.directory_helpers import add_demo_users
    from tests.records_helpers import EMPLOYEE, register, upload, wav_bytes

    monkeypatch.setitem(app.config, "COMPANY_ATTACHMENT_DIR", str(tmp_path / "bilagor"))
    with app.app_context():
        people = add_demo_users()
        item = register(EMPLOYEE, uploads=[upload(wav_bytes())])
        case = submit(company().id, uploads=[pdf()])
        draft = crisis.create_message(Actor("cecilia", frozenset({"communicator"})),
                                      crisis.MessageInput("Vattenläcka", "Kokas före användning.", "warning"))
        function = directory.save_function(Actor("david", frozenset({"admin"})), None,
                                           directory.FunctionInput(name="Växeln", phone="0920-45 30 00"), utcnow())
        answer = answers.create_answer(Actor("david", frozenset({"admin"})), {
            "question": "Var hämtas soporna?", "body": "Se hämtschemat.", "unit_id": people["david"].unit_id,
            "responsible_id": people["david"].id, "category_id": enquiries.add_category(
                Actor("david", frozenset({"admin"})), "Avfall", "Sophämtning").id}, status="published")
        return {
            "records": {"item_id": item.id, "attachment_id": item.attachments[0].id},
            "companies": {"company_id": case.company_id, "case_id": case.id, "attachment_id": case.attachments[0].id},
            "crisis": {"message_id": draft.id},
            "directory": {"person_id": people["bertil"].id, "function_id": function.id},
            "main": {"role": "admin"},
            "answers": {"answer_id": answer.id},
        }


def _matrix_url(rule, data):
    from werkzeug.routing.converters import AnyConverter, IntegerConverter

    known = data.get(rule.endpoint.split(".")[0], {})
    values = {}
    for name, converter in rule._converters.items():
        if name in known:
            values[name] = known[name]
        elif isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        else:
            values[name] = 1 if isinstance(converter, IntegerConverter) else "x"
    return rule.build(values, append_unknown=False)[1]


def test_every_route_is_in_the_role_matrix(app):
    routes = {(rule.endpoint, method) for rule in app.url_map.iter_rules()
              for method in (rule.methods or set()) & {"GET", "POST"}}
    missing = sorted(routes - set(EXPECTED) - NOT_IN_MATRIX)
    assert not missing, f"declare the expected status per role for {missing} in EXPECTED ({__name__})"
    assert not set(EXPECTED) - routes, f"EXPECTED names routes that are gone: {sorted(set(EXPECTED) - routes)}"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_declared_status_on_every_route(app, client, login_as, matrix_data, role):
    if role != "anonymous":
        login_as(role)
    token = csrf_token(client, "/login" if role == "anonymous" else f"/start/{role}")
    column = ROLES.index(role)
    wrong = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            if (rule.endpoint, method) in NOT_IN_MATRIX or (rule.endpoint, method) not in EXPECTED:
                continue
            response = client.open(_matrix_url(rule, matrix_data), method=method,
                                   data={"csrf_token": token} if method == "POST" else None)
            expected = EXPECTED[(rule.endpoint, method)][column]
            if response.status_code != expected:
                wrong.append(f"{method} {rule.rule} ({rule.endpoint}): {response.status_code}, expected {expected}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


# --------------------------------------------------------------------------- headers on every kind of answer

def _crisis_304(client, login_as, monkeypatch):
    etag = client.get("/api/v1/crisis").headers["ETag"]
    return client.get("/api/v1/crisis", headers={"If-None-Match": etag})


def _too_large_upload(client, login_as, monkeypatch):
    monkeypatch.setitem(client.application.config, "RECORDS_MAX_UPLOAD_MB", 1)
    login_as("employee")
    token = csrf_token(client, "/handlingar/ny")
    return client.post("/handlingar/ny", data={"csrf_token": token,
                                               "attachment": (io.BytesIO(b"\0" * (3 << 20)), "stor.wav")})


def _throttled_login(client, login_as, monkeypatch):
    token = csrf_token(client)
    for _ in range(10):  # bounded: the limit per user is 5
        response = client.post("/login", data={"username": "anna", "password": "fel", "csrf_token": token})
        if response.status_code == 429:
            return response
    return response


def _download(client, login_as, monkeypatch):
    login_as("agent")
    return client.get("/servicemal/export.csv?from=2025-03&to=2025-04")


RESPONSE_KINDS = {
    "200 page": (200, lambda c, login_as, m: login_as("agent").get("/start/agent")),
    "200 htmx fragment": (200, lambda c, login_as, m: login_as("agent").get(
        "/handlingar/register", headers={"HX-Request": "true", "HX-Target": "record-results"})),
    "302 redirect": (302, lambda c, login_as, m: c.get("/handlingar")),
    "304 not modified": (304, _crisis_304),
    "400 bad form": (400, lambda c, login_as, m: c.post("/login", data={"username": "anna"})),
    "400 bad API input": (400, lambda c, login_as, m: c.get("/api/v1/opening-hours?from=x&to=y")),
    "401 API token": (401, lambda c, login_as, m: c.get("/api/v1/directory/switchboard.csv")),
    "403 forbidden": (403, lambda c, login_as, m: login_as("employee").get("/admin/katalog")),
    "404 page": (404, lambda c, login_as, m: c.get("/finns-inte")),
    "404 API": (404, lambda c, login_as, m: c.get("/api/v1/finns-inte")),
    "405 method": (405, lambda c, login_as, m: c.get("/logout")),
    "413 too large": (413, _too_large_upload),
    "429 throttled": (429, _throttled_login),
    "200 static file": (200, lambda c, login_as, m: c.get("/static/app.css")),
    "200 JSON API": (200, lambda c, login_as, m: c.get("/api/v1/opening-hours/now")),
    "200 Atom feed": (200, lambda c, login_as, m: c.get("/feeds/crisis.atom")),
    "200 download": (200, _download),
}


@pytest.mark.parametrize("kind", RESPONSE_KINDS)
def test_security_headers_on_every_kind_of_response(client, login_as, monkeypatch, kind):
    status, ask = RESPONSE_KINDS[kind]
    response = ask(client, login_as, monkeypatch)
    assert response.status_code == status, kind
    _assert_security_headers(response)
    if response.status_code in (413, 429, 403) or kind.endswith("download"):
        assert response.headers["Cache-Control"] == "no-store"


def test_security_headers_on_500_and_503(tmp_path, app_without_database):
    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3"})

    @app.route("/_boom_for_test")
    def boom():
        raise RuntimeError("secret internals")

    failed = app.test_client().get("/_boom_for_test")
    assert failed.status_code == 500
    _assert_security_headers(failed)
    client = app_without_database.test_client()
    down = client.post("/login", data={"username": "anna", "password": "demo-anna", "csrf_token": csrf_token(client)})
    assert down.status_code == 503
    _assert_security_headers(down)
    _assert_security_headers(client.get("/healthz"))

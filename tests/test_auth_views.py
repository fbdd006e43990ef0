"""Login and logout through HTTP, with the demo directory and with a dead or silent one."""
import socket
import threading
import time
from urllib.parse import urljoin, urlsplit

import pytest

from kundweb import create_app
from tests.conftest import csrf_token, free_port, post_login


def test_login_page_in_demo_mode_lists_demo_users_and_says_demo(client):
    html = client.get("/login").get_data(as_text=True)
    assert "DEMO" in html
    for username in ("anna", "bertil", "cecilia", "david"):
        assert f"<code>{username}</code>" in html
    assert 'lang="sv"' in html and "Logga in" in html


@pytest.mark.parametrize("role, start", [
    ("employee", "/start/employee"), ("agent", "/start/agent"),
    ("communicator", "/start/communicator"), ("admin", "/start/admin"),
])
def test_each_role_lands_on_its_start_page(client, login_as, role, start):
    login_as(role)
    response = client.get("/")
    assert response.headers["Location"].endswith(start)
    page = client.get(start)
    assert page.status_code == 200
    assert "DEMO" in page.get_data(as_text=True)


def test_wrong_password_shows_generic_swedish_message(client):
    response = post_login(client, "bertil", "fel-lösenord")
    assert response.status_code == 401
    assert "Fel användarnamn eller lösenord" in response.get_data(as_text=True)


def test_disabled_account_gets_the_same_message(client):
    response = post_login(client, "helena", "demo-helena")
    assert response.status_code == 401
    assert "Fel användarnamn eller lösenord" in response.get_data(as_text=True)


def test_blank_fields_are_refused_with_field_messages(client):
    response = post_login(client, "  ", "")
    html = response.get_data(as_text=True)
    assert response.status_code in (400, 401)
    assert "Fyll i" in html


def test_sixth_wrong_password_is_throttled(client, app):
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_USER"]):
        assert post_login(client, "bertil", "fel").status_code == 401
    response = post_login(client, "bertil", "demo-bertil")
    assert response.status_code == 429
    assert "För många misslyckade inloggningsförsök" in response.get_data(as_text=True)


def test_employee_cannot_open_admin_start_page(client, login_as):
    login_as("employee")
    response = client.get("/start/admin")
    assert response.status_code == 403
    assert "Åtkomst nekad" in response.get_data(as_text=True)


def test_open_redirect_is_not_followed(client):
    token = csrf_token(client)
    response = client.post("/login?next=//evil.example/x", data={
        "username": "anna", "password": "demo-anna", "csrf_token": token})
    assert response.status_code == 302
    assert "evil.example" not in response.headers["Location"]


HOSTILE_NEXT = [  # as they stand in the query string, percent-encoding and all
    "//evil.example/x", "///evil.example", "/%09/evil.example", "/%0A/evil.example", "/%0D%0A/evil.example",
    "/%0D/evil.example", "%2F%2Fevil.example", "/%2F/evil.example", "%2F%5Cevil.example", "/%5Cevil.example",
    "/\\evil.example", "%5C%5Cevil.example", "https:evil.example", "https:/evil.example",
    "https://evil.example", "HTTPS://evil.example", "http:%5C%5Cevil.example", "javascript:alert(1)",
    "%20//evil.example", "/%00/evil.example", "/%E2%80%A8/evil.example", "/%E2%80%8B/evil.example",
    "%EF%BC%8F%EF%BC%8Fevil.example", "/%EF%BC%8Fevil.example", "/%EF%BC%BCevil.example",
    "/%252F%252Fevil.example", "/%255Cevil.example", "@evil.example", "evil.example", "%09", "%0A",
]


@pytest.mark.parametrize("raw_next", HOSTILE_NEXT)
def test_next_after_login_never_leaves_the_site_and_never_fails(client, raw_next):
    """What a browser would make of Location (it drops tabs and newlines, reads \\ as /) stays on this host."""
    response = client.post("/login?next=" + raw_next, data={
        "username": "anna", "password": "demo-anna", "csrf_token": csrf_token(client)})
    if "%00" in raw_next:  # a NUL anywhere in the request is refused before any view (web.refuse_nul_characters)
        assert response.status_code == 400 and "Location" not in response.headers
        return
    assert response.status_code == 302
    location = response.headers["Location"]
    assert all(ord(character) > 0x20 for character in location)
    as_browser_reads_it = location.replace("\\", "/").replace("\t", "").replace("\n", "").replace("\r", "")
    assert urlsplit(urljoin("http://kundweb.test/login", as_browser_reads_it)).netloc == "kundweb.test"
    assert location == "/" or (location.startswith("/") and location[1:2] not in ("/", "\\"))


@pytest.mark.parametrize("raw_next, location", [
    ("/start/agent", "/start/agent"),
    ("/katalog%3Fq%3Dl%25C3%25BCle%25C3%25A5", "/katalog?q=l%C3%BCle%C3%A5"),
    ("/admin/", "/admin/"),
])
def test_a_local_next_is_followed_after_login(client, raw_next, location):
    response = client.post("/login?next=" + raw_next, data={
        "username": "anna", "password": "demo-anna", "csrf_token": csrf_token(client)})
    assert response.status_code == 302 and response.headers["Location"] == location


def test_logout_ends_the_session_on_the_server_and_a_replayed_cookie_is_refused(app, client, login_as):
    login_as("agent")
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/start/agent")})
    assert response.status_code == 302
    assert "cookies" in response.headers["Clear-Site-Data"]
    replay = app.test_client()
    replay.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
    response = replay.get("/start/agent")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_session_ended_by_another_process_stops_working_at_the_next_request(app, client, login_as):
    """No worker keeps a session it has seen: an end written elsewhere (logout in another
    worker, a disabled account found by the re-check) refuses the very next request."""
    from kundweb.auth.models import UserSession
    from kundweb.database import utcnow
    from kundweb.extensions import db

    login_as("agent")
    assert client.get("/katalog?q=an", headers={"HX-Request": "true", "HX-Target": "directory-results"}
                      ).status_code == 200
    with app.app_context(), db.engine.begin() as other_process:
        other_process.execute(db.update(UserSession).values(ended_at=utcnow(), end_reason="account-disabled"))
    response = client.get("/katalog?q=an", headers={"HX-Request": "true", "HX-Target": "directory-results"})
    assert response.status_code in (302, 401) or "/login" in response.headers.get("HX-Redirect", "")
    assert client.get("/start/agent").status_code == 302


def test_logout_requires_post(client, login_as):
    login_as("employee")
    assert client.get("/logout").status_code == 405
    assert client.get("/start/employee").status_code == 200


def _app_with_directory(tmp_path, url, receive_timeout=1):
    return create_app({
        "ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3",
        "LDAP_URL": url, "LDAP_BASE_DN": "DC=kundweb,DC=test", "LDAP_BIND_DN": "CN=svc,DC=kundweb,DC=test",
        "LDAP_BIND_PASSWORD": "x", "LDAP_DOMAIN": "KUNDWEB", "LDAP_UPN_SUFFIX": "kundweb.test",
        "LDAP_CONNECT_TIMEOUT": 1.0, "LDAP_RECEIVE_TIMEOUT": receive_timeout,
        "LDAP_GROUP_ROLES": {},
    })


def _prepared(app):
    from tests.conftest import reset_schema

    reset_schema(app)
    return app.test_client()


def test_directory_down_gives_clear_error_quickly(tmp_path):
    app = _app_with_directory(tmp_path, f"ldap://127.0.0.1:{free_port()}")
    client = _prepared(app)
    assert "Demokonton" not in client.get("/login").get_data(as_text=True)
    started = time.monotonic()
    response = post_login(client, "anna", "pw")
    assert time.monotonic() - started < 5
    assert response.status_code == 503
    assert "Katalogtjänsten (Active Directory) svarar inte" in response.get_data(as_text=True)
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json["directory"] == "down"


def test_silent_directory_times_out_instead_of_hanging_the_worker(tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted = []
    stop = threading.Event()

    def accept_and_say_nothing():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept_and_say_nothing, daemon=True)
    thread.start()
    try:
        app = _app_with_directory(tmp_path, f"ldap://127.0.0.1:{listener.getsockname()[1]}", receive_timeout=1)
        client = _prepared(app)
        started = time.monotonic()
        response = post_login(client, "anna", "pw")
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        thread.join(2)
        for conn in accepted:
            conn.close()
        listener.close()
    assert accepted, "the app never connected to the silent server"
    assert response.status_code == 503
    assert elapsed < 4, f"took {elapsed:.1f}s"


def test_every_login_opens_a_new_session_and_a_cookie_planted_before_login_stays_anonymous(app, client):
    """No session fixation: whatever cookie the browser had before, logging in issues a new random token."""
    from kundweb.auth.models import UserSession
    from kundweb.extensions import db

    name = app.config["SESSION_COOKIE_NAME"]
    token = csrf_token(client)
    planted = client.get_cookie(name).value  # what an attacker could have set in the victim's browser
    assert client.post("/login", data={"username": "anna", "password": "demo-anna", "csrf_token": token}
                       ).status_code == 302
    first = client.get_cookie(name).value
    assert first != planted
    attacker = app.test_client()
    attacker.set_cookie(name, planted)
    assert attacker.get("/start/employee").status_code == 302  # still anonymous: sent to /login
    assert client.post("/logout", data={"csrf_token": csrf_token(client, "/start/employee")}).status_code == 302
    assert post_login(client, "anna", "demo-anna").status_code == 302
    assert client.get_cookie(name).value not in (planted, first)
    with app.app_context():
        hashes = db.session.scalars(db.select(UserSession.token_hash).filter_by(username="anna")).all()
        assert len(hashes) == len(set(hashes)) == 2


@pytest.mark.parametrize("name", ["anna\x00", "\x00", "an\x00na", "*)(uid=*\x00", "anna\x1b[2J", "anna\u202e"])
def test_a_name_with_nul_or_control_characters_gets_the_generic_refusal_not_an_error(app, client, name):
    """PostgreSQL cannot store a NUL: a NUL is refused (400) before anything is read or written; other
    control characters get the generic refusal, counted and audited under a readable key."""
    from kundweb.audit.models import AuditEvent
    from kundweb.auth.models import LoginFailure
    from kundweb.extensions import db

    response = post_login(client, name, "demo-anna")
    if "\x00" in name:
        assert response.status_code == 400
        with app.app_context():
            assert db.session.scalars(db.select(LoginFailure.username)).all() == []
            assert db.session.scalars(db.select(AuditEvent.id)).all() == []
        return
    assert response.status_code == 401
    assert "Fel användarnamn eller lösenord" in response.get_data(as_text=True)
    with app.app_context():
        (key,) = db.session.scalars(db.select(LoginFailure.username)).all()
        assert "\x00" not in key and key.isprintable()

"""The production sample in deploy/, run for real: Debian's nginx, configured from deploy/'s template, in
front of gunicorn started from the systemd unit's command line. What a user or an attacker sees through it."""
import http.client
import os
import pwd
import re
import shlex
import secrets
import shutil
import ssl
import subprocess
import sys

import pytest

from kundweb.auth.models import LoginFailure
from kundweb.extensions import db
from tests.conftest import free_port, real_servers_required
from tests.server_helpers import ROOT, Session, running, kundweb_environment

DEPLOY = ROOT / "deploy"
SERVER_NAME = "kundweb.test"
MB = 1024 * 1024
TEMP_KINDS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def nginx_binary():
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if found is None:
        message = "nginx is not installed (scripts/install-test-deps.sh installs it)"
        if real_servers_required():
            pytest.fail(message)
        pytest.skip(message)
    return found


def render_template(values):
    """deploy/nginx/kundweb.conf.template as the envsubst command its header gives would render it."""
    template = (DEPLOY / "nginx" / "kundweb.conf.template").read_text()
    documented = set(re.search(r"envsubst '([^']+)'", template).group(1).replace("$", "").split())
    used = set(re.findall(r"\$\{([A-Z_]+)\}", template))
    assert documented == used == set(values), (documented, used)
    for name, value in values.items():
        template = template.replace("${" + name + "}", value)
    return template


def unit_command(unit, replacements):
    """The ExecStart of a deploy/systemd unit, with the given words replaced."""
    text = (DEPLOY / "systemd" / unit).read_text()
    words = shlex.split(re.search(r"^ExecStart=(.+)$", text, re.MULTILINE).group(1))
    return [item for word in words for item in replacements.get(word, [word])]


def self_signed_certificate(folder):
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    f"/CN={SERVER_NAME}", "-addext", f"subjectAltName=DNS:{SERVER_NAME}",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True, timeout=60)
    return cert, key


def nginx_main_config(folder, site):
    """What Debian's /etc/nginx/nginx.conf gives a site file, with every path in `folder`."""
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};" if os.geteuid() == 0 else ""
    temp = "\n".join(f"  {kind}_temp_path {folder / kind};" for kind in TEMP_KINDS)
    return f"""daemon off;
{user}
worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} info;
events {{ worker_connections 64; }}
http {{
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log {folder / "access.log"};
{temp}
  include {site};
}}
"""


@pytest.fixture(scope="module")
def proxy(app, tmp_path_factory):
    """nginx on free loopback ports, gunicorn (as the unit starts it) on a unix socket behind it."""
    nginx = nginx_binary()
    folder = tmp_path_factory.mktemp("nginx")
    cert, key = self_signed_certificate(folder)
    socket_path = folder / "gunicorn.sock"
    gunicorn = unit_command("kundweb-web.service", {
        "/srv/kundweb/.venv/bin/gunicorn": [sys.executable, "-m", "gunicorn"],
        "unix:/run/kundweb/gunicorn.sock": [f"unix:{socket_path}"],
        "4": ["2"],  # workers: two are enough here, on a shared machine
    }) + ["--access-logfile", str(folder / "gunicorn-access.log")]
    env = kundweb_environment(folder, app.config["SQLALCHEMY_DATABASE_URI"], KUNDWEB_TRUSTED_PROXIES="1",
                              KUNDWEB_TRUSTED_HOSTS=SERVER_NAME, KUNDWEB_BASE_URL=f"https://{SERVER_NAME}")
    https_port, http_port = free_port(), free_port()
    site = folder / "kundweb.conf"
    site.write_text(render_template({
        "SERVER_NAME": SERVER_NAME, "HTTPS_LISTEN": f"127.0.0.1:{https_port}", "HTTP_LISTEN": f"127.0.0.1:{http_port}",
        "TLS_CERTIFICATE": str(cert), "TLS_CERTIFICATE_KEY": str(key), "KUNDWEB_ROOT": str(ROOT),
        "GUNICORN_ADDRESS": f"unix:{socket_path}"}))
    (folder / "nginx.conf").write_text(nginx_main_config(folder, site))
    for kind in TEMP_KINDS:
        (folder / kind).mkdir()
    with running(gunicorn, env, folder / "gunicorn.log", socket_path), \
            running([nginx, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", str(folder / "error.log")],
                    os.environ, folder / "nginx.log", https_port):
        yield {"https": https_port, "http": http_port, "folder": folder}


def _tls_connection(port):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return http.client.HTTPSConnection("127.0.0.1", port, timeout=30, context=context)


def _recorded_addresses(app):
    with app.app_context():
        return [row.remote_addr for row in db.session.execute(db.select(LoginFailure)).scalars()]


def test_the_client_address_reaches_the_app_through_nginx(app, proxy):
    client = Session(proxy["https"], host=SERVER_NAME, https=True)
    response, _ = client.log_in("anna", "wrong-password")
    assert response.status == 401
    # A client's own X-Forwarded-For does not count: nginx appends the address it saw, and only that is trusted.
    response, _ = client.log_in("bertil", "wrong-password", headers={"X-Forwarded-For": "203.0.113.7"})
    assert response.status == 401
    # gunicorn listens on a socket, where the peer has no address: 127.0.0.1 can only have come from nginx.
    assert _recorded_addresses(app) == ["127.0.0.1", "127.0.0.1"]


def test_a_host_not_trusted_is_refused_through_nginx(proxy):
    for path in ("/login", "/feeds/crisis.atom"):
        response, body = Session(proxy["https"], host="evil.example", https=True).request("GET", path)
        assert response.status == 400, body[:300]
        assert b"evil.example" not in body
    response, _ = Session(proxy["https"], host=SERVER_NAME, https=True).request("GET", "/feeds/crisis.atom")
    assert response.status == 200


def test_plain_http_redirects_to_the_configured_name_only(proxy):
    response, _ = Session(proxy["http"], host="evil.example").request("GET", "/login")
    assert response.status == 301
    assert response.getheader("Location") == f"https://{SERVER_NAME}/login"


def test_security_headers_arrive_through_nginx(proxy):
    response, _ = Session(proxy["https"], host=SERVER_NAME, https=True).request("GET", "/login")
    assert response.status == 200
    assert response.getheader("Content-Security-Policy", "").startswith("default-src 'self'")
    assert response.getheader("X-Frame-Options") == "DENY"
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    assert response.headers.get_all("Strict-Transport-Security") == ["max-age=31536000"]
    assert "nginx/" not in (response.getheader("Server") or "")  # no version given away


def test_static_files_are_served_by_nginx_with_their_headers(proxy):
    response, body = Session(proxy["https"], host=SERVER_NAME, https=True).request("GET", "/static/app.css")
    assert response.status == 200
    assert body == (ROOT / "kundweb" / "static" / "app.css").read_bytes()
    assert response.getheader("Content-Type").startswith("text/css")
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    assert response.headers.get_all("Strict-Transport-Security") == ["max-age=31536000"]
    assert "/static/app.css" not in (proxy["folder"] / "gunicorn-access.log").read_text()


def test_the_request_size_limit_holds_through_nginx(proxy):
    # Over the app's 1 MB: nginx passes it on, the app refuses it with its Swedish page.
    response, body = Session(proxy["https"], host=SERVER_NAME, https=True).request(
        "POST", "/login", body=b"username=" + b"a" * (2 * MB), headers=FORM)
    assert response.status == 413
    assert "För stor begäran".encode() in body
    # Chunked: nginx counts it too and hands the app a length it refuses.
    conn = _tls_connection(proxy["https"])
    conn.request("POST", "/login", body=iter([b"a" * (64 * 1024)] * 32), encode_chunked=True,
                 headers={"Host": SERVER_NAME, **FORM})
    response = conn.getresponse()
    assert response.status == 413
    conn.close()
    # Over the largest upload: nginx refuses it by Content-Length, before the body, with a Swedish page.
    conn = _tls_connection(proxy["https"])
    conn.putrequest("POST", "/handlingar/ny", skip_host=True)
    conn.putheader("Host", SERVER_NAME)
    conn.putheader("Content-Type", "multipart/form-data; boundary=x")
    conn.putheader("Content-Length", str(3000 * MB))
    conn.endheaders()
    response = conn.getresponse()
    body = response.read()
    conn.close()
    assert response.status == 413
    assert "För stor begäran".encode() in body


def test_the_upload_routes_take_their_large_files_through_nginx(proxy):
    from tests.records_helpers import wav_bytes

    agent = Session(proxy["https"], host=SERVER_NAME, https=True)
    response, _ = agent.log_in("bertil", "demo-bertil")
    assert response.status == 302
    token = agent.csrf_token("/handlingar/ny")
    response, body = agent.post_multipart("/handlingar/ny", {"csrf_token": token, "action": "prefill"},
                                          {"attachment": ("samtal.wav", wav_bytes(seconds=600))})  # 9.6 MB
    assert response.status == 400, body[:300]
    assert "Det här är en ljudfil".encode() in body


def test_the_scheduler_unit_runs_the_kundweb_scheduler_command():
    command = unit_command("kundweb-scheduler.service",
                           {"/srv/kundweb/.venv/bin/flask": [sys.executable, "-m", "flask"]})
    assert command[-2:] == ["kundweb", "scheduler"]
    result = subprocess.run([*command, "--help"], cwd=ROOT, env={**os.environ, "FLASK_APP": "app.py",
                                                               "KUNDWEB_ENV": "testing"},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "scheduler" in result.stdout


def test_the_example_environment_starts_production_behind_one_proxy():
    values = dict(line.split("=", 1) for line in (DEPLOY / "kundweb.env.example").read_text().splitlines()
                  if line and not line.startswith("#"))
    placeholders = [name for name, value in values.items() if value == "change-me"]
    assert "KUNDWEB_SECRET_KEY" in placeholders
    values.update({name: secrets.token_urlsafe(32) for name in placeholders})  # what the admin fills in
    script = ("from kundweb import create_app; app = create_app(); "
              "print(app.config['TRUSTED_HOSTS'], app.config['TRUSTED_PROXIES'], app.config['SESSION_COOKIE_SECURE'])")
    env = {key: value for key, value in os.environ.items() if not key.startswith("KUNDWEB_")}
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env={**env, **values},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["['kundweb.lulea.se']", "1", "True"]

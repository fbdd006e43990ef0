"""SMTP credentials travel only over verified TLS: STARTTLS or SMTPS, against real local SMTP servers."""
import ssl
import subprocess

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from kundweb.mail import send_mail
from tests.conftest import Inbox, free_port

LOGIN, PASSWORD = "kundweb", "smtp-hemligt-1"
# The SMTPS server is TLS from the first byte, which aiosmtpd's warning does not know about.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1; the file doubles as the CA file that trusts it."""
    folder = tmp_path_factory.mktemp("smtp-tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True, timeout=60)
    return cert, key


class Logins:
    """The credentials the server was offered, to see whether they ever reached it."""

    def __init__(self):
        self.seen = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        self.seen.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=(auth_data.login.decode(), auth_data.password.decode()) == (LOGIN, PASSWORD))


@pytest.fixture(params=["starttls", "smtps"])
def tls_smtp_server(request, app, certificate):
    """A real SMTP server that takes a login only over TLS, by STARTTLS or SMTPS; the app pointed at it."""
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key))
    inbox, logins = Inbox(), Logins()
    if request.param == "starttls":
        controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), tls_context=context,
                                require_starttls=True, authenticator=logins, auth_required=True,
                                auth_require_tls=True)
    else:
        # TLS from the first byte; aiosmtpd only counts STARTTLS as TLS, so it is told not to insist.
        controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), ssl_context=context,
                                authenticator=logins, auth_required=True, auth_require_tls=False)
    controller.start()
    settings = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": controller.port, "MAIL_USERNAME": LOGIN,
                "MAIL_PASSWORD": PASSWORD, "MAIL_USE_TLS": request.param == "starttls",
                "MAIL_USE_SSL": request.param == "smtps", "MAIL_CA_CERTS_FILE": str(cert), "MAIL_TIMEOUT": 5}
    old = {name: app.config.get(name) for name in settings}
    app.config.update(settings)
    try:
        yield inbox, logins
    finally:
        app.config.update(old)
        controller.stop()


def test_mail_goes_with_a_login_over_verified_tls(app_context, tls_smtp_server):
    inbox, logins = tls_smtp_server
    send_mail("anna@kundweb.demo", "Påminnelse", "Kontrollera dina uppgifter.")
    assert logins.seen == [(LOGIN, PASSWORD)]
    assert [recipients for recipients, _ in inbox.messages] == [["anna@kundweb.demo"]]


def test_a_certificate_nobody_vouches_for_stops_the_mail_before_the_password_is_sent(app, app_context,
                                                                                      tls_smtp_server):
    inbox, logins = tls_smtp_server
    app.config["MAIL_CA_CERTS_FILE"] = None  # the system's CAs do not know this self-signed certificate
    with pytest.raises(ssl.SSLCertVerificationError):
        send_mail("anna@kundweb.demo", "Påminnelse", "Kontrollera dina uppgifter.")
    assert logins.seen == [] and inbox.messages == []

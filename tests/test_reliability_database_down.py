"""PostgreSQL stopped for real while an agent saves an enquiry: "inte sparat", and the retry saves it once.

The test runs its own PostgreSQL cluster (never the shared one), so it runs in both suite
passes: it stops that server with `pg_ctl stop -m immediate` (connections cut as in a
crash), posts the enquiry as a plain form and as htmx, starts the server again and sends
the same submission twice more. SQLite has no equivalent here: the tests run as root, who
reads a file whatever its mode, and a removed database file stays open and writable to the
connections already pooled, so neither makes SQLite "down".
"""
import re

import pytest

from kundweb import create_app
from kundweb.audit.services import Actor
from kundweb.enquiries import services as enquiries
from kundweb.enquiries.models import Enquiry
from kundweb.extensions import db
from tests.conftest import csrf_token, post_login, reset_schema
from tests.postgres_cluster import throwaway_cluster

HTMX = {"HX-Request": "true", "HX-Target": "enquiry-logger", "HX-Current-URL": "http://localhost/arenden"}


@pytest.fixture
def app_on_own_cluster(tmp_path):
    with throwaway_cluster("kundweb-down-") as cluster:
        # connect_timeout bounds each attempt while the server is down (refused at once on loopback anyway).
        url = cluster.create_database("kundweb") + "?connect_timeout=5"
        app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": url,
                          "RECORDS_STORAGE_DIR": str(tmp_path / "records"),
                          "AUDIT_CHECKPOINT_FILE": str(tmp_path / "audit-checkpoints.log")})
        reset_schema(app)
        try:
            yield app, cluster
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def _enquiries(app):
    with app.app_context():
        count = db.session.scalar(db.select(db.func.count()).select_from(Enquiry))
        db.session.remove()
    return count


def _says_only_not_saved(response):
    html = response.get_data(as_text=True)
    assert response.status_code == 503, (response.status_code, html[:500])
    assert "inte sparat" in html, html[:1000]
    assert "sparat" not in html.replace("inte sparat", ""), html  # never a "Sparat:" beside it
    assert "Traceback" not in html and "OperationalError" not in html and "psycopg" not in html


def test_an_enquiry_posted_while_postgresql_is_stopped_is_not_saved_and_its_retry_saves_once(app_on_own_cluster):
    app, cluster = app_on_own_cluster
    client = app.test_client()
    assert post_login(client, "bertil", "demo-bertil").status_code == 302
    with app.app_context():
        category_id = enquiries.add_category(Actor("david", frozenset({"admin"})), "Kundcenter", "Avfall").id
        db.session.remove()
    html = client.get("/arenden").get_data(as_text=True)
    data = {"csrf_token": csrf_token(client, "/arenden"), "channel": "telefon", "category": str(category_id),
            "outcome": "direct", "submission_key": re.search(r'name="submission_key"[^>]*value="([^"]+)"', html)[1],
            "form_state": re.search(r'name="form_state" value="([^"]*)"', html)[1]}

    cluster.stop("immediate")
    _says_only_not_saved(client.post("/arenden", data=data))
    _says_only_not_saved(client.post("/arenden", data=data, headers=HTMX))
    page = client.get("/arenden")  # a page asked for meanwhile: the neutral 503, nothing about saving
    assert page.status_code == 503 and "sparat" not in page.get_data(as_text=True)
    assert client.get("/healthz").json["db"] == "down"

    cluster.start()
    retried = client.post("/arenden", data=data, headers=HTMX)  # the alert's "Försök igen": same key
    assert retried.status_code == 200, retried.get_data(as_text=True)[:1000]
    assert "Sparat:" in retried.get_data(as_text=True)
    assert _enquiries(app) == 1
    again = client.post("/arenden", data=data)  # and the plain form sent once more
    assert again.status_code in (200, 302, 400)
    assert _enquiries(app) == 1

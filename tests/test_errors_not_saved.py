"""The no-JavaScript 503 page says whether what was sent was saved: a failed POST is named as NOT saved."""
import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from kundweb import create_app
from kundweb.extensions import db
from tests.conftest import csrf_token


@pytest.fixture
def app_without_database():
    # A PostgreSQL URL where nothing listens: the database is really unreachable.
    return create_app({"ENV_NAME": "testing",
                       "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2"})


def test_post_while_the_database_is_unreachable_says_it_was_not_saved(app_without_database):
    client = app_without_database.test_client()
    response = client.post("/login", data={"username": "anna", "password": "demo-anna",
                                           "csrf_token": csrf_token(client)})
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "inte sparat" in html
    assert "försök igen" in html.lower()
    assert "gått förlorat" not in html


def test_page_while_the_database_is_unreachable_says_nothing_about_saving(app_without_database):
    response = app_without_database.test_client().get("/resultat")
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "når inte sin databas" in html
    assert "sparat" not in html and "gått förlorat" not in html


def test_post_that_committed_before_the_database_failed_does_not_claim_it_was_not_saved(tmp_path):
    """The save went through and only what came after it failed: "not saved" would invite a second one."""
    app = create_app({"ENV_NAME": "testing", "WTF_CSRF_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3"})

    @app.route("/_test_commit_then_fail", methods=["POST"])
    def commit_then_fail():
        db.session.execute(text("SELECT 1"))
        db.session.commit()
        raise OperationalError("SELECT 1", {}, Exception("the database went away after the commit"))

    @app.route("/_test_fail_before_commit", methods=["POST"])
    def fail_before_commit():
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    client = app.test_client()
    after = client.post("/_test_commit_then_fail").get_data(as_text=True)
    before = client.post("/_test_fail_before_commit").get_data(as_text=True)
    assert "inte sparat" not in after and "Kontrollera" in after
    assert "inte sparat" in before

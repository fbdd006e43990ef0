"""Stale entries: flagged for admins, and their owners reminded by e-mail through a real SMTP server,
at most once per person in 30 days, also across restarts."""
import email
import email.policy
from datetime import timedelta

import pytest

from kundweb import create_app
from kundweb.audit.services import Actor
from kundweb.database import utcnow
from kundweb.directory import services
from kundweb.directory.models import Person
from kundweb.extensions import db
from tests.directory_helpers import add_person


@pytest.fixture
def stale_and_fresh(app):
    """Three stale people (one of them hidden), one fresh, one stale but departed."""
    now = utcnow()
    with app.app_context():
        people = {
            "stale1": add_person("stale1", "Åke Gammal", now, extension="4001"),
            "stale2": add_person("stale2", "Märit Äldre", now, extension="4002"),
            "hidden": add_person("hidden", "Sara Skyddad", now, hidden=True),
            "fresh": add_person("fresh", "Nils Färsk", now),
            "gone": add_person("gone", "Olle Slutat", now),
        }
        for key, person in people.items():
            person.created_at = now - timedelta(days=900)
            person.confirmed_at = None if key == "stale2" else now - timedelta(days=400)
        people["fresh"].confirmed_at = now - timedelta(days=30)
        people["gone"].active = False
        db.session.commit()
    return now


def reminded(inbox):
    return sorted(rcpt[0] for rcpt, _ in inbox.messages)


def test_admins_see_who_has_not_confirmed_for_a_year(app, stale_and_fresh, login_as):
    with app.app_context():
        count, people = services.stale_people(stale_and_fresh)
        assert count == 3 and [p.username for p in people][0] == "stale2"  # never confirmed comes first
    html = login_as("admin").get("/admin/katalog").get_data(as_text=True)
    assert "Inte bekräftade på över ett år (3)" in html
    assert "Åke Gammal" in html and "Märit Äldre" in html and "Nils Färsk" not in html and "Olle Slutat" not in html


def test_one_reminder_per_stale_person_and_none_again_within_30_days(app, app_context, smtp_server, stale_and_fresh):
    now = stale_and_fresh
    report = services.send_reminders(now)
    assert sorted(report.sent) == ["hidden", "stale1", "stale2"]
    assert reminded(smtp_server) == ["hidden@kundweb.demo", "stale1@kundweb.demo", "stale2@kundweb.demo"]
    raw = next(text for rcpt, text in smtp_server.messages if rcpt == ["stale1@kundweb.demo"])
    message = email.message_from_string(raw, policy=email.policy.default)
    assert message["Subject"] == "Stämmer dina kontaktuppgifter i växeln?"
    body = message.get_content()
    assert "Hej Åke!" in body and "Anknytning:      4001" in body and "Mina kontaktuppgifter" in body

    assert services.send_reminders(now + timedelta(hours=1)).sent == []
    assert services.send_reminders(now + timedelta(days=29)).sent == []
    assert len(smtp_server.messages) == 3
    # A month later whoever is still stale hears from us again.
    assert sorted(services.send_reminders(now + timedelta(days=30, minutes=1)).sent) == ["hidden", "stale1", "stale2"]


def test_no_reminder_after_a_restart(app, smtp_server, stale_and_fresh):
    """The reminder is remembered in the database: a new process (a restarted scheduler) sends nothing."""
    with app.app_context():
        assert len(services.send_reminders(stale_and_fresh).sent) == 3
    restarted = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                            "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": app.config["MAIL_PORT"]})
    with restarted.app_context():
        from kundweb import scheduler

        scheduler.directory_reminders(restarted)
    assert len(smtp_server.messages) == 3


def test_confirming_stops_the_reminders(app, app_context, smtp_server, stale_and_fresh):
    person = db.session.scalars(db.select(Person).filter_by(username="stale1")).one()
    services.confirm_current(Actor("stale1", frozenset()), person, stale_and_fresh)
    assert "stale1" not in services.send_reminders(stale_and_fresh).sent


def test_a_mail_server_that_is_down_sends_nothing_and_is_tried_again(app, app_context, stale_and_fresh):
    from tests.conftest import free_port

    old = app.config["MAIL_SERVER"], app.config["MAIL_PORT"]
    app.config["MAIL_SERVER"], app.config["MAIL_PORT"] = "127.0.0.1", free_port()  # nothing listens
    try:
        report = services.send_reminders(stale_and_fresh)
    finally:
        app.config["MAIL_SERVER"], app.config["MAIL_PORT"] = old
    assert report.sent == [] and len(report.failed) == 1  # stops at the first refused connection
    assert all(person.reminder_sent_at is None for person in db.session.scalars(db.select(Person)))


def test_no_mail_server_configured_means_no_reminders(app, app_context, stale_and_fresh):
    old = app.config["MAIL_SERVER"]
    app.config["MAIL_SERVER"] = ""
    try:
        assert services.send_reminders(stale_and_fresh).sent == []
    finally:
        app.config["MAIL_SERVER"] = old

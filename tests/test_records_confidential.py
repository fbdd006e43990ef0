"""Confidential public-record items: only those who may read an item may document, close or reopen it.

An agent sees every item in the register, but a confidential item's sender and
description are masked from him; he cannot judge where it belongs, so he is not
offered the actions, the server refuses them (403, audited), and the page says
who may handle it.
"""
import pytest

from kundweb.audit.models import AuditEvent
from kundweb.extensions import db
from kundweb.records import services
from tests.conftest import csrf_token
from tests.records_helpers import (  # noqa: F401 - clean_store is an autouse fixture
    ADMIN, AGENT, EMPLOYEE, PEOPLE, clean_store, register,
)

SECRET_TEXT = "Uppgifter om hennes hälsa"


@pytest.fixture
def secret(app):
    """Anna's confidential item about a matter the municipality is responsible for, and a business system."""
    with app.app_context():
        item = register(EMPLOYEE, confidential=True, legal_ground="OSL 26 kap. 1 §", sender="Hemliga Hanna",
                        description=SECRET_TEXT)
        system = services.add_business_system(ADMIN, "Ärendehanteringen")
        return item.id, system.id


@pytest.fixture
def petty_secret(app):
    """Anna's confidential item of little importance (may be closed)."""
    with app.app_context():
        return register(EMPLOYEE, confidential=True, legal_ground="OSL 26 kap. 1 §", description=SECRET_TEXT,
                        concerns_matter=False).id


def _status(app, item_id):
    with app.app_context():
        return services.current_revision(db.session.get(services.RecordItem, item_id)).status


def _denials(app):
    with app.app_context():
        return [(e.actor, e.details["intent"]) for e in db.session.scalars(
            db.select(AuditEvent).filter_by(action="records.access_denied").order_by(AuditEvent.id))]


def _document(client, item_id, system_id):
    token = csrf_token(client, f"/handlingar/{item_id}")
    return client.post(f"/handlingar/{item_id}/dokumentera", data={
        "csrf_token": token, "doc-system": str(system_id), "doc-reference": "BN 2026-77", "doc-revision": "1"})


# --------------------------------------------------------------------------- services

def test_the_service_refuses_an_agent_who_may_not_read_the_item_and_audits_it(app, app_context, secret):
    item_id, system_id = secret
    with pytest.raises(services.MayNotHandle):
        services.document(AGENT, PEOPLE["bertil"], item_id, system_id, "BN 2026-77")
    with pytest.raises(services.MayNotHandle):
        services.close(AGENT, PEOPLE["bertil"], item_id, "Reklam")
    assert services.current_revision(db.session.get(services.RecordItem, item_id)).status == "open"
    assert _denials(app) == [("bertil", "document"), ("bertil", "close")]


def test_the_registrant_and_the_custodians_may_document_it(app, app_context, secret):
    item_id, system_id = secret
    services.document(EMPLOYEE, PEOPLE["anna"], item_id, system_id, "BN 2026-77")
    services.reopen(ADMIN, PEOPLE["david"], item_id, "Fel system")
    with pytest.raises(services.MayNotHandle):  # reopening is handling it too
        services.reopen(AGENT, PEOPLE["bertil"], item_id, "x")
    services.document(ADMIN, PEOPLE["david"], item_id, system_id, "BN 2026-78")
    assert services.current_revision(db.session.get(services.RecordItem, item_id)).status == "documented"


def test_an_item_once_confidential_stays_for_its_readers_only(app, app_context, secret):
    item_id, system_id = secret
    # Corrected to not confidential: the earlier revision still holds what was hidden, and so does the item.
    services.correct(EMPLOYEE, PEOPLE["anna"], item_id, services.ItemInput(
        kind="voicemail", arrived_at=services.current_revision(db.session.get(services.RecordItem, item_id))
        .arrived_at, sender="Hemliga Hanna", description=SECRET_TEXT, concerns_matter=True), "Ingen sekretess")
    with pytest.raises(services.MayNotHandle):
        services.document(AGENT, PEOPLE["bertil"], item_id, system_id, "BN 2026-77")


def test_who_may_handle_names_the_registrant_and_the_custodians_role(app, app_context, secret):
    item = db.session.get(services.RecordItem, secret[0])
    assert services.who_may_handle(item) == ("Anna Andersson", "Administratör")


# --------------------------------------------------------------------------- pages

def test_an_agent_is_not_offered_the_actions_and_is_told_who_may(app, client, login_as, secret, petty_secret):
    login_as("agent")
    for item_id in secret[0], petty_secret:
        html = client.get(f"/handlingar/{item_id}").get_data(as_text=True)
        assert SECRET_TEXT not in html
        assert f"/handlingar/{item_id}/dokumentera" not in html and "Spara dokumentationen" not in html
        assert f"/handlingar/{item_id}/avsluta" not in html
        assert "Anna Andersson" in html and "Administratör" in html
        assert "kan dokumenteras" in html


def test_an_agents_post_is_refused_with_403_audited_and_nothing_changes(app, client, login_as, secret,
                                                                          petty_secret):
    item_id, system_id = secret
    login_as("agent")
    response = _document(client, item_id, system_id)
    assert response.status_code == 403
    assert "får dokumenteras" in response.get_data(as_text=True)
    token = csrf_token(client, f"/handlingar/{petty_secret}")
    closed = client.post(f"/handlingar/{petty_secret}/avsluta", data={
        "csrf_token": token, "close-reason": "Reklam", "close-revision": "1"})
    assert closed.status_code == 403
    assert _status(app, item_id) == _status(app, petty_secret) == "open"
    assert _denials(app) == [("bertil", "document"), ("bertil", "close")]


@pytest.mark.parametrize("role", ["employee", "admin"])
def test_the_registrant_and_an_admin_document_it_through_the_page(app, client, login_as, secret, role):
    item_id, system_id = secret
    login_as(role)
    html = client.get(f"/handlingar/{item_id}").get_data(as_text=True)
    assert SECRET_TEXT in html and "Spara dokumentationen" in html
    assert _document(client, item_id, system_id).status_code == 302
    assert _status(app, item_id) == "documented"
    assert _denials(app) == []


def test_an_agent_still_documents_an_item_that_is_not_confidential(app, client, login_as, secret):
    _, system_id = secret
    with app.app_context():
        plain = register(EMPLOYEE, description="Sophämtning").id
    login_as("agent")
    assert "Spara dokumentationen" in client.get(f"/handlingar/{plain}").get_data(as_text=True)
    assert _document(client, plain, system_id).status_code == 302
    assert _status(app, plain) == "documented"


def test_an_agents_correction_of_an_item_he_may_not_read_is_refused_and_audited(app, client, login_as, secret):
    item_id, _ = secret
    login_as("agent")
    assert client.get(f"/handlingar/{item_id}/rattelse").status_code == 403  # the form would show what is hidden
    token = csrf_token(client, f"/handlingar/{item_id}")
    response = client.post(f"/handlingar/{item_id}/rattelse", data={
        "csrf_token": token, "kind": "voicemail", "arrived_at": "2026-12-01T10:00", "sender": "x",
        "description": "y", "concerns_matter": "no", "reason": "z", "revision": "1"})
    assert response.status_code == 403 and "Anna Andersson" in response.get_data(as_text=True)
    assert _denials(app) == [("bertil", "correct")]
    with app.app_context():
        assert len(db.session.get(services.RecordItem, item_id).revisions) == 1

"""Hosts and absolute URLs: only KUNDWEB_BASE_URL names Kundweb's address, never a request's Host header."""
import secrets
import xml.etree.ElementTree as ET

import pytest

from kundweb import create_app
from kundweb.audit.services import Actor
from kundweb.crisis import services as crisis

ATOM = "{http://www.w3.org/2005/Atom}"
COMMUNICATOR = Actor("cecilia", frozenset({"communicator"}))
PRODUCTION = {"ENV_NAME": "production", "SECRET_KEY": secrets.token_urlsafe(32),
              "AUDIT_SEAL_KEY": secrets.token_urlsafe(32), "LDAP_URL": "ldaps://127.0.0.1:636", "BASE_URL": "https://kundweb.lulea.se"}


@pytest.fixture
def base_url(app):
    old = app.config["BASE_URL"]
    app.config["BASE_URL"] = "https://kundweb.lulea.se"
    yield app.config["BASE_URL"]
    app.config["BASE_URL"] = old


def _publish(app, title):
    with app.app_context():
        message = crisis.create_message(COMMUNICATOR, crisis.MessageInput(title, "Vattnet är avstängt.", "warning"))
        crisis.publish_now(COMMUNICATOR, message.id)
        return message.id


def test_the_feed_rendered_first_for_a_foreign_host_never_names_it(app, client, base_url):
    message_id = _publish(app, "Vattenläcka i centrum")
    poisoned = client.get("/feeds/crisis.atom", headers={"Host": "evil.example"})
    honest = client.get("/feeds/crisis.atom")
    for response in (poisoned, honest):
        assert response.status_code == 200
        assert b"evil.example" not in response.data
        root = ET.fromstring(response.data)
        assert root.find(f"{ATOM}id").text == "tag:lulea.se,2026:kundweb/crisis"
        links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
        assert links == {"self": "https://kundweb.lulea.se/feeds/crisis.atom",
                         "alternate": "https://kundweb.lulea.se/api/v1/crisis"}
        assert [entry.find(f"{ATOM}id").text for entry in root.findall(f"{ATOM}entry")] == [
            f"tag:lulea.se,2026:kundweb/crisis/{message_id}"]


def test_entry_ids_do_not_change_when_the_address_does(app, client, base_url):
    message_id = _publish(app, "Strömavbrott")
    app.config["BASE_URL"] = "https://kundweb.intranat.lulea.se"
    with app.app_context():  # a new edit: a new etag, so the feed is rendered again
        crisis.update_message(COMMUNICATOR, message_id, crisis.MessageInput("Strömavbrott i Bergnäset",
                                                                            "Elen är borta.", "warning"))
    root = ET.fromstring(client.get("/feeds/crisis.atom").data)
    assert root.find(f"{ATOM}entry/{ATOM}id").text == f"tag:lulea.se,2026:kundweb/crisis/{message_id}"
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == "https://kundweb.intranat.lulea.se/feeds/crisis.atom"


def test_production_trusts_only_the_host_of_its_base_url(app):
    production = create_app({**PRODUCTION, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    client = production.test_client()
    assert client.get("/livez", headers={"Host": "kundweb.lulea.se"}).status_code == 200
    refused = client.get("/feeds/crisis.atom", headers={"Host": "evil.example"})
    assert refused.status_code == 400
    assert "Felaktig begäran" in refused.get_data(as_text=True)
    assert b"evil.example" not in refused.data
    assert client.get("/api/v1/crisis", headers={"Host": "evil.example"}).json["error"]


def test_trusted_hosts_can_name_more_than_the_base_url(app):
    production = create_app({**PRODUCTION, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                             "TRUSTED_HOSTS": ["kundweb.lulea.se", "kundweb"]})
    client = production.test_client()
    assert client.get("/livez", headers={"Host": "kundweb"}).status_code == 200
    assert client.get("/livez", headers={"Host": "kundweb.evil.example"}).status_code == 400


@pytest.mark.parametrize("base_url", ["", "kundweb.lulea.se", "http://kundweb.lulea.se", "https://"])
def test_production_refuses_to_start_without_an_https_base_url(app, base_url):
    with pytest.raises(RuntimeError, match="KUNDWEB_BASE_URL"):
        create_app({**PRODUCTION, "BASE_URL": base_url,
                    "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})


def test_email_links_come_from_the_base_url_outside_any_request(app, base_url):
    from kundweb.external_urls import external_url

    with app.app_context():
        assert external_url("directory.me") == "https://kundweb.lulea.se/katalog/mina-uppgifter"

"""Public read APIs for other origins: weak ETags give 304, CORS on every one, and the
maintenance windows of the digital channels as their own endpoint."""
from datetime import datetime

import pytest

from kundweb.audit.services import Actor
from kundweb.crisis import services as crisis
from kundweb.hours import services as hours

ADMIN = Actor("david", frozenset({"admin"}))
COMMUNICATOR = Actor("cecilia", frozenset({"communicator"}))
PUBLIC_READ_APIS = [
    "/api/v1/crisis", "/feeds/crisis.atom", "/api/v1/opening-hours?from=2026-12-20&to=2027-01-10",
    "/api/v1/opening-hours/now", "/api/v1/opening-hours/maintenance?from=2026-12-20&to=2027-01-10",
    "/api/v1/results?year=2026", "/api/v1/directory/public",
]
ETAG_ENDPOINTS = ["/api/v1/crisis", "/feeds/crisis.atom", "/kris/banner", "/static/app.css"]


def at(text):
    return datetime.fromisoformat(text)


@pytest.fixture
def active_message(app):
    with app.app_context():
        message = crisis.create_message(COMMUNICATOR, crisis.MessageInput("Storm", "Träd över ledningar.", "warning"))
        crisis.publish_now(COMMUNICATOR, message.id)


@pytest.mark.parametrize("path", PUBLIC_READ_APIS)
def test_every_public_read_api_allows_any_origin_without_credentials(client, path):
    response = client.get(path, headers={"Origin": "https://www.lulea.se"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_a_bad_request_to_a_public_api_is_readable_from_other_origins_too(client):
    response = client.get("/api/v1/opening-hours?from=x&to=y", headers={"Origin": "https://www.lulea.se"})
    assert response.status_code == 400 and response.headers["Access-Control-Allow-Origin"] == "*"


def test_staff_pages_get_no_cors(client):
    assert "Access-Control-Allow-Origin" not in client.get("/login").headers


@pytest.mark.parametrize("path", ETAG_ENDPOINTS)
@pytest.mark.usefixtures("active_message")
def test_a_weak_etag_from_a_gzipping_proxy_still_gives_304(client, path):
    etag = client.get(path).headers["ETag"]
    assert etag.startswith('"')
    for sent in (etag, f"W/{etag}", f'"other", W/{etag}'):
        response = client.get(path, headers={"If-None-Match": sent})
        assert response.status_code == 304, sent
        assert response.get_data() == b""
    assert client.get(path, headers={"If-None-Match": 'W/"other"'}).status_code == 200


def test_crisis_api_exposes_its_etag_to_scripts_on_other_origins(client):
    response = client.get("/api/v1/crisis")
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]


def test_maintenance_windows_are_public_in_their_own_endpoint(app, client):
    with app.app_context():
        hours.add_maintenance_window(ADMIN, at("2026-12-28T22:00:00+01:00"), at("2026-12-29T02:00:00+01:00"),
                                     "Uppgradering av e-tjänsteplattformen")
        hours.add_maintenance_window(ADMIN, at("2027-01-01T01:00:00+01:00"), at("2027-01-01T03:00:00+01:00"),
                                     "Byte av server")
        hours.add_maintenance_window(ADMIN, at("2027-03-01T01:00:00+01:00"), at("2027-03-01T03:00:00+01:00"),
                                     "Senare")
    response = client.get("/api/v1/opening-hours/maintenance?from=2026-12-29&to=2027-01-01")
    assert response.status_code == 200
    assert response.json == {"timezone": "Europe/Stockholm", "windows": [
        {"starts_at": "2026-12-28T22:00:00+01:00", "ends_at": "2026-12-29T02:00:00+01:00",
         "note": "Uppgradering av e-tjänsteplattformen"},
        {"starts_at": "2027-01-01T01:00:00+01:00", "ends_at": "2027-01-01T03:00:00+01:00", "note": "Byte av server"},
    ]}
    # The contract of the calendar itself is unchanged.
    day = client.get("/api/v1/opening-hours?from=2026-12-29&to=2026-12-29").json["days"][0]
    assert set(day) == {"date", "open", "opens", "closes", "kind", "note"}


@pytest.mark.parametrize("query", ["", "from=2026-12-29", "from=x&to=y", "from=2027-01-10&to=2027-01-01",
                                   "from=2026-01-01&to=2027-01-02"])
def test_bad_maintenance_requests_get_400_json(client, query):
    response = client.get(f"/api/v1/opening-hours/maintenance?{query}")
    assert response.status_code == 400
    assert response.is_json and response.json["error"]

"""The public crisis feeds: the Atom feed's all-clear entries, its <updated>, its ETag and its text."""
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

from kundweb.audit.services import Actor
from kundweb.crisis import services
from kundweb.database import utcnow

COMMUNICATOR = Actor("cecilia", frozenset({"communicator"}))
ATOM = "{http://www.w3.org/2005/Atom}"
TAG = "tag:lulea.se,2026:kundweb/crisis"


def _published(severity, starts_at, ends_at, title="Vattenläcka", body="Vattnet är avstängt.\r\nKoka vattnet."):
    """A message published at `starts_at` (in the past is fine: the clock is the service's `now`)."""
    message = services.create_message(COMMUNICATOR, services.MessageInput(title, body, severity),
                                      now=starts_at - timedelta(minutes=1))
    services.schedule(COMMUNICATOR, message.id, starts_at, ends_at, now=starts_at - timedelta(minutes=1))
    return message.id


def _entries(client):
    root = ET.fromstring(client.get("/feeds/crisis.atom").data)
    return root, {entry.find(f"{ATOM}id").text: entry for entry in root.findall(f"{ATOM}entry")}


def test_an_ended_message_leaves_an_all_clear_entry_for_the_configured_time(app, client, monkeypatch):
    now = utcnow().replace(microsecond=0)
    with app.app_context():
        warning = _published("warning", now - timedelta(hours=5), now - timedelta(hours=1), title="Strömavbrott")
        info = _published("info", now - timedelta(hours=5), now - timedelta(hours=2), title="Sophämtning")
        expired = _published("critical", now - timedelta(hours=30), now - timedelta(hours=25), title="Gammalt")
    root, entries = _entries(client)
    assert set(entries) == {f"{TAG}/{warning}/avslutat", f"{TAG}/{info}/avslutat"}
    all_clear = entries[f"{TAG}/{warning}/avslutat"]
    assert all_clear.find(f"{ATOM}title").text == "Faran över: Strömavbrott"
    assert datetime.fromisoformat(all_clear.find(f"{ATOM}updated").text) == now - timedelta(hours=1)
    assert entries[f"{TAG}/{info}/avslutat"].find(f"{ATOM}title").text == "Avslutat: Sophämtning"
    # The feed changed last when the newest all-clear appeared.
    assert datetime.fromisoformat(root.find(f"{ATOM}updated").text) == now - timedelta(hours=1)
    assert f"{TAG}/{expired}/avslutat" not in entries
    monkeypatch.setitem(app.config, "CRISIS_ALL_CLEAR_HOURS", 1.5)
    root, entries = _entries(client)
    assert set(entries) == {f"{TAG}/{warning}/avslutat"}


def test_feed_updated_is_the_latest_change_and_never_an_invented_older_date(app, client, monkeypatch):
    now = utcnow().replace(microsecond=0)
    with app.app_context():
        _published("warning", now - timedelta(hours=5), now - timedelta(hours=3))
        active = _published("info", now - timedelta(hours=2), None)
        services.update_message(COMMUNICATOR, active, services.MessageInput("Ny rubrik", "Text", "info"),
                                now=now - timedelta(minutes=30))
    root, entries = _entries(client)
    assert datetime.fromisoformat(root.find(f"{ATOM}updated").text) == now - timedelta(minutes=30)
    assert len(entries) == 2
    monkeypatch.setitem(app.config, "CRISIS_ALL_CLEAR_HOURS", 0)
    with app.app_context():
        services.end_now(COMMUNICATOR, active, now=now - timedelta(minutes=10))
    root, entries = _entries(client)
    # Nothing left to show: the feed last changed when the last entry left it, not in 2018.
    assert entries == {}
    assert datetime.fromisoformat(root.find(f"{ATOM}updated").text) == now - timedelta(minutes=10)


def test_the_feed_has_no_carriage_returns(app, client, monkeypatch):
    now = utcnow()
    with app.app_context():
        _published("critical", now - timedelta(hours=1), None, body="Rad ett\r\nRad två\r\n\r\nStycke två")
        _published("warning", now - timedelta(hours=3), now - timedelta(hours=2), body="Slut\r\nnu")
    text = client.get("/feeds/crisis.atom").get_data(as_text=True)
    assert "\r" not in text and "&#13;" not in text and "&#xD;" not in text.upper()
    _, entries = _entries(client)
    assert len(entries) == 2


def test_etag_changes_when_an_all_clear_appears_and_when_it_expires(app, client, monkeypatch):
    now = utcnow()
    with app.app_context():
        message_id = _published("warning", now - timedelta(hours=1), None)
    active = client.get("/feeds/crisis.atom").headers["ETag"]
    with app.app_context():
        services.end_now(COMMUNICATOR, message_id)
    ended = client.get("/feeds/crisis.atom", headers={"If-None-Match": active})
    assert ended.status_code == 200 and ended.headers["ETag"] != active
    assert client.get("/feeds/crisis.atom", headers={"If-None-Match": ended.headers["ETag"]}).status_code == 304
    monkeypatch.setitem(app.config, "CRISIS_ALL_CLEAR_HOURS", 0)
    expired = client.get("/feeds/crisis.atom", headers={"If-None-Match": ended.headers["ETag"]})
    assert expired.status_code == 200 and expired.headers["ETag"] not in (active, ended.headers["ETag"])
    assert ET.fromstring(expired.data).find(f"{ATOM}entry") is None

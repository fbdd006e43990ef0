"""The public crisis feeds: the Atom feed's all-clear entries, its <updated>, its ETag and its text."""
import re
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


CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"
SENT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
ALERT_ORDER = ["identifier", "sender", "sent", "status", "msgType", "scope"]
INFO_ORDER = ["language", "category", "event", "urgency", "severity", "certainty", "effective", "expires",
              "senderName", "headline", "description", "web", "area"]


def _cap(client, message_id):
    response = client.get(f"/api/v1/crisis/{message_id}.cap.xml")
    assert response.status_code == 200 and response.mimetype == "application/cap+xml"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    alert = ET.fromstring(response.data)
    _check_cap_rules(alert)
    return alert


def _check_cap_rules(alert):
    """The CAP 1.2 schema's rules this feed must keep: elements present, in the schema's order."""
    assert alert.tag == f"{CAP}alert"
    names = [child.tag.removeprefix(CAP) for child in alert]
    assert names[:6] == ALERT_ORDER
    msg_type = alert.find(f"{CAP}msgType").text
    assert msg_type in ("Alert", "Update", "Cancel")
    assert names[6:] == (["references", "info"] if msg_type != "Alert" else ["info"])
    assert SENT.match(alert.find(f"{CAP}sent").text)
    assert not re.search(r"[\s,<&]", alert.find(f"{CAP}identifier").text)
    info_names = [child.tag.removeprefix(CAP) for child in alert.find(f"{CAP}info")]
    assert info_names == [name for name in INFO_ORDER if name in info_names]
    assert {"language", "category", "event", "urgency", "severity", "certainty", "area"} <= set(info_names)
    info = alert.find(f"{CAP}info")
    assert info.find(f"{CAP}urgency").text in ("Immediate", "Expected", "Future", "Past", "Unknown")
    assert info.find(f"{CAP}severity").text in ("Extreme", "Severe", "Moderate", "Minor", "Unknown")
    assert info.find(f"{CAP}area/{CAP}areaDesc").text == "Luleå kommun"
    for reference in (alert.findtext(f"{CAP}references") or "").split():
        sender, identifier, sent = reference.split(",")
        assert sender and identifier and SENT.match(sent)


def test_cap_alert_update_and_cancel_with_references(app, client):
    now = utcnow().replace(microsecond=0)
    with app.app_context():
        message_id = _published("critical", now - timedelta(hours=2), None, title="Strömavbrott")
    alert = _cap(client, message_id)
    assert alert.findtext(f"{CAP}msgType") == "Alert"
    assert alert.findtext(f"{CAP}identifier") == f"lulea.se-kundweb-crisis-{message_id}-v1"
    assert alert.findtext(f"{CAP}sender") == "kundcenter@lulea.se"
    first_sent = alert.findtext(f"{CAP}sent")
    assert datetime.fromisoformat(first_sent) == now - timedelta(hours=2)
    info = alert.find(f"{CAP}info")
    assert info.findtext(f"{CAP}severity") == "Severe" and info.findtext(f"{CAP}event") == "Strömavbrott"
    assert info.findtext(f"{CAP}description") == "Vattnet är avstängt.\nKoka vattnet."
    assert info.findtext(f"{CAP}web") == f"http://localhost/api/v1/crisis/{message_id}.cap.xml"
    with app.app_context():
        services.update_message(COMMUNICATOR, message_id, services.MessageInput("Strömavbrott i Porsön", "Text",
                                                                                "warning"), now=now - timedelta(hours=1))
    alert = _cap(client, message_id)
    assert alert.findtext(f"{CAP}msgType") == "Update"
    assert alert.findtext(f"{CAP}identifier") == f"lulea.se-kundweb-crisis-{message_id}-v2"
    assert alert.findtext(f"{CAP}references") == f"kundcenter@lulea.se,lulea.se-kundweb-crisis-{message_id}-v1,{first_sent}"
    assert alert.find(f"{CAP}info").findtext(f"{CAP}severity") == "Moderate"
    v2_sent = alert.findtext(f"{CAP}sent")
    with app.app_context():
        services.end_now(COMMUNICATOR, message_id, now=now - timedelta(minutes=5))
    alert = _cap(client, message_id)
    assert alert.findtext(f"{CAP}msgType") == "Cancel"
    assert f"lulea.se-kundweb-crisis-{message_id}-v2,{v2_sent}" in alert.findtext(f"{CAP}references")
    index = ET.fromstring(client.get("/feeds/crisis.cap").data)
    links = [entry.find(f"{ATOM}link[@rel='alternate']") for entry in index.findall(f"{ATOM}entry")]
    assert [(link.get("type"), link.get("href")) for link in links] == [
        ("application/cap+xml", f"http://localhost/api/v1/crisis/{message_id}.cap.xml")]


def test_cap_never_shows_a_draft_or_unknown_id_and_answers_304(app, client):
    now = utcnow()
    with app.app_context():
        draft = services.create_message(COMMUNICATOR, services.MessageInput("Utkast", "Hemligt", "info")).id
        active = _published("info", now - timedelta(hours=1), None)
    assert client.get(f"/api/v1/crisis/{draft}.cap.xml").status_code == 404
    assert client.get("/api/v1/crisis/999999.cap.xml").status_code == 404
    index = client.get("/feeds/crisis.cap")
    assert index.mimetype == "application/atom+xml" and "Utkast" not in index.get_data(as_text=True)
    assert client.get("/feeds/crisis.cap", headers={"If-None-Match": index.headers["ETag"]}).status_code == 304
    first = client.get(f"/api/v1/crisis/{active}.cap.xml")
    assert client.get(f"/api/v1/crisis/{active}.cap.xml",
                      headers={"If-None-Match": first.headers["ETag"]}).status_code == 304

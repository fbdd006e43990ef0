"""Crisis information: lifecycle with a controlled clock, banner/JSON/Atom, escaping, access, notifications."""
import email
import email.policy
import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest

from kundweb.audit.models import AuditEvent
from kundweb.audit.services import Actor
from kundweb.crisis import services
from kundweb.crisis.models import CrisisTransition
from kundweb.database import utcnow
from kundweb.extensions import db
from tests.conftest import csrf_token

COMMUNICATOR = Actor("cecilia", frozenset({"communicator"}))
XSS_TITLE = 'Strömavbrott <script>alert("x")</script>'
XSS_BODY = 'Det är <img src=x onerror=alert(1)> fel.\n\nLäs [mer](https://www.lulea.se/el) eller javascript:alert(1)'
ATOM = "{http://www.w3.org/2005/Atom}"


def _draft(title="Vattenläcka i centrum", body="Vattnet är avstängt.", severity="warning", **extra):
    return services.create_message(COMMUNICATOR, services.MessageInput(title, body, severity, **extra))


def test_lifecycle_scheduled_active_ended_with_controlled_clock(app, app_context):
    t0 = utcnow()
    message = _draft()
    assert message.status(t0) == "draft" and services.active_messages(t0) == []
    services.schedule(COMMUNICATOR, message.id, t0 + timedelta(hours=1), t0 + timedelta(hours=3), now=t0)
    assert message.status(t0) == "scheduled" and services.active_messages(t0) == []
    during = t0 + timedelta(hours=1, seconds=1)
    assert [m.id for m in services.active_messages(during)] == [message.id]
    at_end = t0 + timedelta(hours=3)
    assert services.active_messages(at_end) == []  # start <= now < end: the end itself is over
    assert message.status(at_end) == "ended"


def test_publish_now_and_end_now(app, app_context):
    message = _draft()
    services.publish_now(COMMUNICATOR, message.id)
    assert [m.id for m in services.active_messages()] == [message.id]
    services.end_now(COMMUNICATOR, message.id)
    assert services.active_messages() == []
    with pytest.raises(services.CrisisError):
        services.update_message(COMMUNICATOR, message.id, services.MessageInput("Ny", "Text", "info"))


@pytest.mark.parametrize("data, message", [
    (services.MessageInput("", "Text", "info"), "rubrik"),
    (services.MessageInput("Rubrik", "   ", "info"), "text"),
    (services.MessageInput("Rubrik", "Text", "panic"), "allvarlighetsgrad"),
    (services.MessageInput("x" * 201, "Text", "info"), "högst 200"),
])
def test_invalid_messages_are_refused(app, app_context, data, message):
    with pytest.raises(services.CrisisError, match=f"(?i){message}"):
        services.create_message(COMMUNICATOR, data)


def test_several_messages_active_most_severe_first(app, app_context):
    info, critical = _draft("Info", severity="info"), _draft("Kritisk", severity="critical")
    for message in (info, critical):
        services.publish_now(COMMUNICATOR, message.id)
    assert [m.title for m in services.active_messages()] == ["Kritisk", "Info"]


def test_every_change_is_audited_with_before_and_after(app, app_context):
    message = _draft()
    services.update_message(COMMUNICATOR, message.id, services.MessageInput("Ny rubrik", "Ny text", "critical"))
    services.publish_now(COMMUNICATOR, message.id)
    services.end_now(COMMUNICATOR, message.id)
    events = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["crisis.created", "crisis.edited", "crisis.published", "crisis.ended"]
    edit = events[1].details
    assert (edit["before"]["title"], edit["after"]["title"]) == ("Vattenläcka i centrum", "Ny rubrik")
    assert all(e.actor == "cecilia" for e in events)


def test_body_keeps_paragraphs_and_links_but_no_html():
    html = str(services.body_html(XSS_BODY))
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert '<a href="https://www.lulea.se/el">mer</a>' in html
    assert 'href="javascript' not in html
    assert html.count("<p>") == 2


def _publish_xss(app):
    with app.app_context():
        message = _draft(XSS_TITLE, XSS_BODY, "critical")
        services.publish_now(COMMUNICATOR, message.id)
        services.add_script(COMMUNICATOR, message.id, "Får jag <b>el</b>?", "Ja <i>snart</i>.")
        return message.id


def test_xss_is_escaped_in_page_fragment_json_and_atom(app, client, login_as):
    _publish_xss(app)
    login_as("agent")
    for path in ("/start/agent", "/kris/banner"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in html and "&lt;script&gt;" in html
        assert "<img src=x" not in html
    agent_page = client.get("/start/agent").get_data(as_text=True)
    assert "Får jag &lt;b&gt;el&lt;/b&gt;?" in agent_page
    raw_json = client.get("/api/v1/crisis").get_data(as_text=True)
    assert "<script>" not in raw_json
    assert json.loads(raw_json)["active"][0]["title"] == XSS_TITLE
    feed = client.get("/feeds/crisis.atom")
    assert feed.mimetype == "application/atom+xml"
    assert "<script>" not in feed.get_data(as_text=True)
    root = ET.fromstring(feed.data)
    entry = root.find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}title").text == f"Allvarlig: {XSS_TITLE}"
    assert "<img" not in entry.find(f"{ATOM}content").text


def test_banner_json_and_atom_follow_the_message(app, client):
    assert "crisis-banner--" not in client.get("/login").get_data(as_text=True)
    assert client.get("/api/v1/crisis").json == {"active": []}
    assert ET.fromstring(client.get("/feeds/crisis.atom").data).find(f"{ATOM}entry") is None
    with app.app_context():
        message = _draft(severity="critical")
        services.publish_now(COMMUNICATOR, message.id)
        message_id = message.id
    page = client.get("/login").get_data(as_text=True)
    assert "crisis-banner--critical" in page and 'role="alert"' in page
    body = client.get("/api/v1/crisis").json
    item = body["active"][0]
    assert set(item) == {"id", "title", "text", "severity", "starts_at", "ends_at", "updated_at"}
    assert item["id"] == message_id and item["severity"] == "critical" and item["ends_at"] is None
    assert item["starts_at"][-6:] in ("+01:00", "+02:00")
    assert len(ET.fromstring(client.get("/feeds/crisis.atom").data).findall(f"{ATOM}entry")) == 1
    with app.app_context():
        services.end_now(COMMUNICATOR, message_id)
    assert "crisis-banner--" not in client.get("/login").get_data(as_text=True)
    assert client.get("/api/v1/crisis").json == {"active": []}


@pytest.mark.parametrize("path", ["/kris/banner", "/api/v1/crisis", "/feeds/crisis.atom"])
def test_unchanged_answers_304_and_an_edit_changes_the_etag(app, client, path):
    with app.app_context():
        message = _draft()
        services.publish_now(COMMUNICATOR, message.id)
        message_id = message.id
    first = client.get(path)
    etag = first.headers["ETag"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    with app.app_context():
        services.update_message(COMMUNICATOR, message_id, services.MessageInput("Ändrad", "Text", "warning"))
    changed = client.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert "Ändrad" in changed.get_data(as_text=True)


def test_crisis_extends_opening_hours_for_its_duration(app, client):
    with app.app_context():
        # 400 days ahead is beyond the default days, so the communicator chose them.
        start = utcnow() + timedelta(days=400)
        first = start.astimezone(services.STOCKHOLM).date()
        message = _draft(hours_opens=None, hours_closes=__import__("datetime").time(20, 0), hours_from=first,
                         hours_until=first + timedelta(days=2), hours_on_holidays=True)
        services.schedule(COMMUNICATOR, message.id, start, start + timedelta(days=2))
        day = start.astimezone(services.STOCKHOLM).date()
    body = client.get(f"/api/v1/opening-hours?from={day.isoformat()}&to={day.isoformat()}").json
    assert body["days"][0]["closes"] == "20:00" and body["days"][0]["kind"] == "extended"


def test_agent_scripts_are_pinned_only_while_active(app, client, login_as):
    with app.app_context():
        message = _draft()
        services.add_script(COMMUNICATOR, message.id, "Kan jag dricka vattnet?", "Koka det först.")
        message_id = message.id
    login_as("agent")
    assert "Kan jag dricka vattnet?" not in client.get("/start/agent").get_data(as_text=True)
    with app.app_context():
        services.publish_now(COMMUNICATOR, message_id)
    assert "Kan jag dricka vattnet?" in client.get("/start/agent").get_data(as_text=True)


@pytest.mark.parametrize("role", ["employee", "agent"])
def test_only_communicators_write_crisis_messages(app, client, login_as, role):
    login_as(role)
    token = csrf_token(client, "/")
    response = client.post("/kris/ny", data={"title": "x", "body": "y", "severity": "info", "csrf_token": token})
    assert response.status_code == 403
    assert client.get("/kris").status_code == 403
    with app.app_context():
        assert services.all_messages() == []
        assert db.session.scalars(db.select(AuditEvent).filter_by(action="access.denied")).first() is not None


def test_communicator_writes_previews_and_publishes_through_the_ui(app, client, login_as):
    login_as("communicator")
    token = csrf_token(client, "/kris/ny")
    created = client.post("/kris/ny", data={"title": "Storm", "body": "Stanna inne.", "severity": "warning",
                                            "csrf_token": token})
    assert created.status_code == 302
    preview = client.get(created.headers["Location"]).get_data(as_text=True)
    assert "Så här ser bannern ut" in preview and "crisis-banner--warning" in preview
    assert "crisis-banner--" not in client.get("/login").get_data(as_text=True)  # still a draft
    confirmation = client.post(created.headers["Location"] + "/publicera", data={"csrf_token": token})
    assert confirmation.status_code == 200  # publishing asks first (see test_crisis_publish.py)
    assert "crisis-banner--" not in client.get("/login").get_data(as_text=True)
    confirm_token = re.search(r'name="token"[^>]*value="([^"]+)"', confirmation.get_data(as_text=True)).group(1)
    assert client.post(created.headers["Location"] + "/bekrafta",
                       data={"csrf_token": token, "token": confirm_token}).status_code == 302
    assert "crisis-banner--warning" in client.get("/start/communicator").get_data(as_text=True)


def test_schedule_form_rejects_end_before_start(app, client, login_as):
    with app.app_context():
        message_id = _draft().id
    login_as("communicator")
    response = client.post(f"/kris/{message_id}/schemalagg", data={
        "starts_at": "2030-05-01T10:00", "ends_at": "2030-05-01T09:00", "csrf_token": csrf_token(client, "/kris")})
    assert response.status_code == 400
    assert "Sluttiden måste vara senare" in response.get_data(as_text=True)


def test_nonexistent_local_time_is_refused(app, client, login_as):
    with app.app_context():
        message_id = _draft().id
    login_as("communicator")
    response = client.post(f"/kris/{message_id}/schemalagg", data={
        "starts_at": "2027-03-28T02:30", "ends_at": "", "csrf_token": csrf_token(client, "/kris")})
    assert response.status_code == 400
    assert "Den tiden finns inte" in response.get_data(as_text=True)


def test_start_notice_reaches_subscribers_once_through_real_smtp(app, app_context, smtp_server):
    from kundweb.mail import send_mail

    services.set_subscription(Actor("anna", frozenset({"employee"})), "anna@kundweb.demo", True)
    services.set_subscription(Actor("bertil", frozenset({"agent"})), "bertil@kundweb.demo", True)
    message = _draft("Översvämning", severity="critical")
    t0 = utcnow()
    services.schedule(COMMUNICATOR, message.id, t0 + timedelta(minutes=10), None, now=t0)
    assert services.handle_started_messages(send_mail, now=t0) == []  # not started yet
    later = t0 + timedelta(minutes=11)
    assert services.handle_started_messages(send_mail, now=later) == [message.id]
    assert services.handle_started_messages(send_mail, now=later + timedelta(minutes=1)) == []
    assert sorted(rcpt[0] for rcpt, _ in smtp_server.messages) == ["anna@kundweb.demo", "bertil@kundweb.demo"]
    assert "Översvämning" in smtp_server.messages[0][1]
    transition = db.session.scalars(db.select(CrisisTransition)).one()
    assert transition.recipients == 2


@pytest.mark.parametrize("title", ["Vattenläcka\ni centrum", "Vattenläcka\r\nBcc: alla@example.org", "Vatten\x00läcka"])
def test_a_title_is_one_line_or_it_is_refused_in_swedish(app_context, title):
    # The title is the notice e-mail's subject and the feeds' headline: a line break in it was a
    # mail header the notices' job could not write (or another header, had it been written as is).
    with pytest.raises(services.CrisisError, match="Rubriken ska vara en enda rad"):
        _draft(title)


def test_a_notice_whose_title_has_a_line_break_still_reaches_everyone_through_real_smtp(app, app_context, smtp_server):
    """A title saved before titles were checked: its notice goes out on one subject line, and the others with it."""
    from kundweb.mail import send_mail

    services.set_subscription(Actor("anna", frozenset({"employee"})), "anna@kundweb.demo", True)
    services.set_subscription(Actor("bertil", frozenset({"agent"})), "bertil@kundweb.demo", True)
    message = _draft()
    message.title = "Vattenläcka\r\nBcc: alla@example.org"
    db.session.commit()
    t0 = utcnow()
    services.schedule(COMMUNICATOR, message.id, t0 + timedelta(minutes=1), None, now=t0)
    assert services.handle_started_messages(send_mail, now=t0 + timedelta(minutes=2)) == [message.id]
    assert sorted(rcpt[0] for rcpt, _ in smtp_server.messages) == ["anna@kundweb.demo", "bertil@kundweb.demo"]
    for _, text in smtp_server.messages:
        mail = email.message_from_string(text, policy=email.policy.default)
        assert mail["Subject"] == "Krisinformation: Vattenläcka Bcc: alla@example.org"
        assert mail["Bcc"] is None  # the line break never made a header of its own


def test_a_message_that_ended_while_nobody_watched_is_not_mailed(app, app_context):
    sent = []
    message = _draft()
    t0 = utcnow()
    services.schedule(COMMUNICATOR, message.id, t0 + timedelta(minutes=1), t0 + timedelta(minutes=2), now=t0)
    services.set_subscription(Actor("anna", frozenset()), "anna@kundweb.demo", True)
    assert services.handle_started_messages(lambda *a: sent.append(a), now=t0 + timedelta(hours=1)) == [message.id]
    assert sent == []


def test_subscription_through_the_start_page(app, client, login_as):
    login_as("employee")
    token = csrf_token(client, "/start/employee")
    assert client.post("/kris/prenumeration", data={"subscribe": "y", "csrf_token": token}).status_code == 302
    with app.app_context():
        assert services.is_subscribed("anna")
    assert 'checked' in client.get("/start/employee").get_data(as_text=True)
    client.post("/kris/prenumeration", data={"csrf_token": token})
    with app.app_context():
        assert not services.is_subscribed("anna")


def test_cached_schedule_still_starts_and_ends_messages_on_time(app, app_context):
    message = _draft()
    t0 = utcnow()
    services.schedule(COMMUNICATOR, message.id, t0 + timedelta(minutes=5), t0 + timedelta(minutes=10), now=t0)
    cache = services.ScheduleCache(seconds=3600)
    app.extensions["kundweb_crisis_schedule"] = cache
    try:
        assert services.active_messages(t0) == []  # this read fills the cache
        # Another process ends the message early: written to the database behind this process's back.
        db.session.execute(db.update(services.CrisisMessage).values(ends_at=t0 + timedelta(minutes=6)))
        db.session.commit()
        # Start and end are decided per call from the cached times: on time, with no new read.
        assert [m.id for m in services.active_messages(t0 + timedelta(minutes=5))] == [message.id]
        assert [m.id for m in services.active_messages(t0 + timedelta(minutes=7))] == [message.id]  # stale
        cache.forget()  # what the cache's expiry does a few seconds later
        assert services.active_messages(t0 + timedelta(minutes=7)) == []
    finally:
        app.extensions.pop("kundweb_crisis_schedule")


def test_several_messages_stack_most_severe_in_full_others_one_line_with_update_time(app, client):
    with app.app_context():
        for title, severity in (("Info", "info"), ("Kritisk", "critical"), ("Varning", "warning")):
            message = _draft(title, severity=severity)
            services.publish_now(COMMUNICATOR, message.id)
        updated = message.updated_at.astimezone(services.STOCKHOLM).strftime("%H.%M")
    html = client.get("/kris/banner").get_data(as_text=True)
    sections = re.findall(r'<section class="crisis-banner[^"]*"[^>]*>.*?</section>', html, re.S)
    assert len(sections) == 3
    assert "crisis-banner--critical" in sections[0] and 'role="alert"' in sections[0] and "<details" not in sections[0]
    for section in sections[1:]:
        assert 'role="status"' in section and "<details" in section and "<summary" in section
    assert html.count("uppdaterad kl.") == 3 and f">{updated}</time>" in html

"""Publishing a crisis message: one confirmation step, the four-eyes rule, a confirmed end."""
import re
from datetime import timedelta

import pytest

from kundweb.audit.models import AuditEvent
from kundweb.audit.services import Actor
from kundweb.crisis import services
from kundweb.database import utcnow
from kundweb.extensions import db
from tests.conftest import csrf_token

CECILIA = Actor("cecilia", frozenset({"communicator"}))
DORA = Actor("dora", frozenset({"communicator"}))
TOKEN = re.compile(r'name="token"[^>]*value="([^"]+)"')


def _draft(severity="warning", actor=CECILIA):
    return services.create_message(actor, services.MessageInput("Vattenläcka", "Vattnet är avstängt.", severity))


def _actions():
    return [e.action for e in db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id))]


def _active_ids():
    return [m.id for m in services.active_messages()]


def test_a_past_start_is_planned_as_now_and_published_only_when_confirmed(app, app_context):
    message = _draft()
    now = utcnow()
    plan = services.plan_publication(message.id, now - timedelta(days=2), None, now)
    assert plan.immediate and plan.starts_at == now
    assert message.status(now) == "draft" and _active_ids() == []
    token = services.confirmation_token(CECILIA, plan)
    assert services.confirm_publication(CECILIA, message.id, token, now=now) == "published"
    assert _active_ids() == [message.id]
    assert _actions()[-1] == "crisis.published"


def test_a_start_within_the_next_minute_counts_as_now(app, app_context):
    message = _draft()
    now = utcnow()
    assert services.plan_publication(message.id, now + timedelta(seconds=50), None, now).immediate
    assert not services.plan_publication(message.id, now + timedelta(minutes=5), None, now).immediate


def test_a_future_start_is_confirmed_as_scheduled_and_audited_so(app, app_context):
    message = _draft()
    now = utcnow()
    plan = services.plan_publication(message.id, now + timedelta(hours=2), now + timedelta(hours=5), now)
    assert not plan.immediate
    outcome = services.confirm_publication(CECILIA, message.id, services.confirmation_token(CECILIA, plan), now=now)
    assert outcome == "scheduled" and message.status(now) == "scheduled"
    assert _actions()[-1] == "crisis.scheduled"


def test_scheduling_a_past_start_is_audited_as_published_not_scheduled(app, app_context):
    message = _draft()
    now = utcnow()
    services.schedule(CECILIA, message.id, now - timedelta(days=2), None, now=now)
    assert message.status(now) == "active"
    assert _actions()[-1] == "crisis.published"


@pytest.mark.parametrize("tamper", ["garbage", "other_user", "edited_after", "other_message"])
def test_a_token_that_does_not_match_what_was_confirmed_is_refused(app, app_context, tamper):
    message, other = _draft(), _draft()
    now = utcnow()
    plan = services.plan_publication(message.id, None, None, now)
    token = services.confirmation_token(CECILIA, plan)
    actor, target = CECILIA, message.id
    if tamper == "garbage":
        token = token[:-4] + "AAAA"
    elif tamper == "other_user":
        actor = DORA
    elif tamper == "edited_after":
        services.update_message(CECILIA, message.id, services.MessageInput("Ny rubrik", "Ny text", "info"),
                                now=now + timedelta(seconds=5))
    else:
        target = other.id
    with pytest.raises(services.CrisisError, match="Bekräftelsen"):
        services.confirm_publication(actor, target, token, now=now + timedelta(seconds=10))
    assert _active_ids() == []


def test_subscriber_count_in_the_plan_is_the_real_one(app, app_context):
    services.set_subscription(Actor("anna", frozenset()), "anna@kundweb.demo", True)
    services.set_subscription(Actor("bertil", frozenset({"agent"})), "bertil@kundweb.demo", True)
    message = _draft()
    assert services.plan_publication(message.id, None, None, utcnow()).subscribers == 2


def test_four_eyes_author_cannot_approve_another_communicator_can(app, app_context):
    message = _draft("critical")
    now = utcnow()
    plan = services.plan_publication(message.id, None, None, now, require_approval=True)
    assert plan.needs_approval
    token = services.confirmation_token(CECILIA, plan)
    assert services.confirm_publication(CECILIA, message.id, token, require_approval=True, now=now) == "pending"
    assert message.status(now) == "pending" and _active_ids() == []
    with pytest.raises(services.CrisisError, match="någon annan"):
        services.approve(CECILIA, message.id, now=now)
    assert _active_ids() == []
    assert services.approve(DORA, message.id, now=now + timedelta(seconds=1)) == "published"
    assert [m.id for m in services.active_messages(now + timedelta(seconds=2))] == [message.id]
    assert _actions()[-3:] == ["crisis.approval_requested", "crisis.approved", "crisis.published"]


def test_four_eyes_rejection_needs_a_reason_and_returns_a_draft(app, app_context):
    message = _draft("critical")
    now = utcnow()
    plan = services.plan_publication(message.id, now + timedelta(hours=1), None, now, require_approval=True)
    services.confirm_publication(CECILIA, message.id, services.confirmation_token(CECILIA, plan),
                                 require_approval=True, now=now)
    with pytest.raises(services.CrisisError, match="skäl"):
        services.reject(DORA, message.id, "  ", now=now)
    services.reject(DORA, message.id, "Fel adress i texten.", now=now)
    assert message.status(now) == "draft" and message.rejection_reason == "Fel adress i texten."
    event = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.action == "crisis.rejected" and event.details["reason"] == "Fel adress i texten."


def test_four_eyes_an_edit_withdraws_the_request_so_the_approver_sees_what_goes_out(app, app_context):
    message = _draft("critical")
    now = utcnow()
    plan = services.plan_publication(message.id, None, None, now, require_approval=True)
    services.confirm_publication(CECILIA, message.id, services.confirmation_token(CECILIA, plan),
                                 require_approval=True, now=now)
    services.update_message(CECILIA, message.id, services.MessageInput("Ny rubrik", "Ny text", "critical"),
                            now=now + timedelta(seconds=1), require_approval=True)
    assert message.status(now) == "draft"
    with pytest.raises(services.CrisisError, match="väntar inte"):
        services.approve(DORA, message.id, now=now + timedelta(seconds=2))
    assert _active_ids() == []


def test_four_eyes_only_for_critical_and_only_when_switched_on(app, app_context):
    now = utcnow()
    warning, critical = _draft("warning"), _draft("critical")
    assert not services.plan_publication(warning.id, None, None, now, require_approval=True).needs_approval
    assert not services.plan_publication(critical.id, None, None, now, require_approval=False).needs_approval


def test_with_four_eyes_a_published_message_cannot_be_raised_to_critical(app, app_context):
    message = _draft("warning")
    services.publish_now(CECILIA, message.id)
    with pytest.raises(services.CrisisError, match="godkänn"):
        services.update_message(CECILIA, message.id, services.MessageInput("R", "T", "critical"),
                                require_approval=True)


# The views: what a communicator does in the browser, and what a crafted POST gets.

def _view_draft(app, severity="warning"):
    with app.app_context():
        return _draft(severity).id


def _state(app, message_id):
    with app.app_context():
        return services.get_message(message_id).status(utcnow())


def test_publish_now_shows_the_confirmation_and_publishes_nothing(app, client, login_as):
    message_id = _view_draft(app)
    with app.app_context():
        services.set_subscription(Actor("anna", frozenset()), "anna@kundweb.demo", True)
    login_as("communicator")
    token = csrf_token(client, f"/kris/{message_id}")
    page = client.post(f"/kris/{message_id}/publicera", data={"csrf_token": token})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Bekräfta publiceringen" in html
    assert "crisis-banner--warning" in html  # the banner exactly as it will look
    assert "e-post till 1 prenumerant" in html and "Atom" in html and "JSON" in html
    assert re.search(r"Visas från</dt>\s*<dd>nu", html)
    assert _state(app, message_id) == "draft"
    confirmed = client.post(f"/kris/{message_id}/bekrafta",
                            data={"csrf_token": token, "token": TOKEN.search(html).group(1)})
    assert confirmed.status_code == 302 and _state(app, message_id) == "active"


def test_a_past_start_through_the_schedule_form_asks_for_confirmation(app, client, login_as):
    message_id = _view_draft(app)
    login_as("communicator")
    token = csrf_token(client, f"/kris/{message_id}")
    two_days_ago = (utcnow() - timedelta(days=2)).astimezone(services.STOCKHOLM).strftime("%Y-%m-%dT%H:%M")
    page = client.post(f"/kris/{message_id}/schemalagg", data={"starts_at": two_days_ago, "ends_at": "",
                                                               "csrf_token": token})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Bekräfta publiceringen" in html
    assert "redan passerats" in html  # says why it goes out now
    assert _state(app, message_id) == "draft"
    back = client.get(re.search(r'href="([^"]*/kris/\d+\?[^"]*)"', html).group(1).replace("&amp;", "&"))
    back_html = back.get_data(as_text=True)
    assert two_days_ago in back_html  # going back keeps what was typed
    schedule_form = re.search(r'<form[^>]*/schemalagg".*?</form>', back_html, re.S).group(0)
    assert 'name="csrf_token"' in schedule_form  # and can be sent again


def test_a_future_start_is_confirmed_as_schemalagd(app, client, login_as):
    message_id = _view_draft(app)
    login_as("communicator")
    token = csrf_token(client, f"/kris/{message_id}")
    later = (utcnow() + timedelta(days=1)).astimezone(services.STOCKHOLM)
    page = client.post(f"/kris/{message_id}/schemalagg", data={"starts_at": later.strftime("%Y-%m-%dT%H:%M"),
                                                               "ends_at": "", "csrf_token": token})
    html = page.get_data(as_text=True)
    assert "Bekräfta schemaläggningen" in html and "schemalagd" in html
    assert later.strftime("%Y-%m-%d %H:%M") in html
    client.post(f"/kris/{message_id}/bekrafta", data={"csrf_token": token, "token": TOKEN.search(html).group(1)})
    assert _state(app, message_id) == "scheduled"


@pytest.mark.parametrize("token", [None, "", "forged.token.value"])
def test_a_crafted_post_straight_to_confirm_publishes_nothing(app, client, login_as, token):
    message_id = _view_draft(app)
    login_as("communicator")
    data = {"csrf_token": csrf_token(client, f"/kris/{message_id}")}
    if token is not None:
        data["token"] = token
    response = client.post(f"/kris/{message_id}/bekrafta", data=data, follow_redirects=True)
    assert "Bekräftelsen gäller inte" in response.get_data(as_text=True)
    assert _state(app, message_id) == "draft"


@pytest.mark.parametrize("path", ["publicera", "bekrafta", "godkann", "avvisa", "avsluta", "schemalagg"])
def test_an_agent_gets_403_on_every_publishing_step(app, client, login_as, path):
    message_id = _view_draft(app)
    login_as("agent")
    response = client.post(f"/kris/{message_id}/{path}", data={"csrf_token": csrf_token(client, "/"),
                                                              "token": "x", "reason": "x", "confirm": "yes"})
    assert response.status_code == 403
    assert _state(app, message_id) == "draft"


def test_ending_is_confirmed_first(app, client, login_as):
    message_id = _view_draft(app)
    with app.app_context():
        services.publish_now(CECILIA, message_id)
    login_as("communicator")
    token = csrf_token(client, f"/kris/{message_id}")
    page = client.post(f"/kris/{message_id}/avsluta", data={"csrf_token": token})
    assert page.status_code == 200 and "Avsluta meddelandet?" in page.get_data(as_text=True)
    assert _state(app, message_id) == "active"
    done = client.post(f"/kris/{message_id}/avsluta", data={"csrf_token": token, "confirm": "yes"})
    assert done.status_code == 302 and _state(app, message_id) == "ended"


def test_four_eyes_through_the_views(app, client, login_as):
    app.config["CRISIS_REQUIRE_APPROVAL"] = True
    try:
        message_id = _view_draft(app, "critical")
        login_as("communicator")
        token = csrf_token(client, f"/kris/{message_id}")
        html = client.post(f"/kris/{message_id}/publicera", data={"csrf_token": token}).get_data(as_text=True)
        assert "godkänn" in html
        client.post(f"/kris/{message_id}/bekrafta", data={"csrf_token": token, "token": TOKEN.search(html).group(1)})
        assert _state(app, message_id) == "pending"
        page = client.get(f"/kris/{message_id}").get_data(as_text=True)
        assert "Väntar på godkännande" in page
        own = client.post(f"/kris/{message_id}/godkann", data={"csrf_token": token}, follow_redirects=True)
        assert "någon annan" in own.get_data(as_text=True) and _state(app, message_id) == "pending"
        client.post("/logout", data={"csrf_token": token})
        login_as("admin")
        token = csrf_token(client, f"/kris/{message_id}")
        assert client.post(f"/kris/{message_id}/godkann", data={"csrf_token": token}).status_code == 302
        assert _state(app, message_id) == "active"
    finally:
        app.config["CRISIS_REQUIRE_APPROVAL"] = False

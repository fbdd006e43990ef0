"""Agent scripts of a crisis: edited and reordered by communicators, shown beside the agents' work, live."""
import re

import pytest

from kundweb.audit.models import AuditEvent
from kundweb.audit.services import Actor
from kundweb.crisis import services
from kundweb.crisis.models import CrisisScript
from kundweb.extensions import db
from tests.conftest import csrf_token

COMMUNICATOR = Actor("cecilia", frozenset({"communicator"}))


def _active_with_scripts(*questions):
    message = services.create_message(COMMUNICATOR, services.MessageInput("Vattenläcka", "Vattnet är avstängt.",
                                                                          "warning"))
    services.publish_now(COMMUNICATOR, message.id)
    scripts = [services.add_script(COMMUNICATOR, message.id, q, f"Svar på {q}") for q in questions]
    return message.id, [s.id for s in scripts]


def _questions(message_id):
    return [s.question for s in services.get_message(message_id).scripts]


def _events(action):
    return db.session.scalars(db.select(AuditEvent).filter_by(action=action).order_by(AuditEvent.id)).all()


def test_a_script_is_edited_and_the_change_audited_with_before_and_after(app_context):
    message_id, (script_id,) = _active_with_scripts("Kan jag dricka vattnet?")
    services.edit_script(COMMUNICATOR, message_id, script_id, "  Får jag dricka vattnet? ", "Koka det först.")
    script = db.session.get(CrisisScript, script_id)
    assert (script.question, script.answer) == ("Får jag dricka vattnet?", "Koka det först.")
    (event,) = _events("crisis.script_edited")
    assert event.actor == "cecilia" and event.object_id == str(message_id)
    assert event.details["before"] == {"question": "Kan jag dricka vattnet?",
                                       "answer": "Svar på Kan jag dricka vattnet?"}
    assert event.details["after"] == {"question": "Får jag dricka vattnet?", "answer": "Koka det först."}


@pytest.mark.parametrize("question, answer, message", [
    ("", "Svar", "Skriv både frågan och svaret."),
    ("Fråga", "  ", "Skriv både frågan och svaret."),
    ("F" * 301, "Svar", "högst 300 tecken"),
])
def test_an_invalid_edit_is_refused_and_nothing_changes(app_context, question, answer, message):
    message_id, (script_id,) = _active_with_scripts("Kan jag dricka vattnet?")
    with pytest.raises(services.CrisisError, match=message):
        services.edit_script(COMMUNICATOR, message_id, script_id, question, answer)
    db.session.rollback()
    assert _questions(message_id) == ["Kan jag dricka vattnet?"] and not _events("crisis.script_edited")


def test_scripts_move_up_and_down_and_each_move_is_audited(app_context):
    message_id, (a, b, c) = _active_with_scripts("A?", "B?", "C?")
    services.move_script(COMMUNICATOR, message_id, c, "up")
    assert _questions(message_id) == ["A?", "C?", "B?"]
    services.move_script(COMMUNICATOR, message_id, a, "down")
    assert _questions(message_id) == ["C?", "A?", "B?"]
    # At the edge there is nowhere to go: nothing changes, nothing is audited.
    with pytest.raises(services.CrisisError, match="redan först"):
        services.move_script(COMMUNICATOR, message_id, c, "up")
    with pytest.raises(services.CrisisError, match="redan sist"):
        services.move_script(COMMUNICATOR, message_id, b, "down")
    assert [(e.details["script_id"], e.details["from"], e.details["to"]) for e in _events("crisis.script_moved")] \
        == [(c, 3, 2), (a, 1, 2)]


def test_a_move_after_a_removal_keeps_the_order_without_gaps(app_context):
    message_id, (a, b, c) = _active_with_scripts("A?", "B?", "C?")
    services.remove_script(COMMUNICATOR, message_id, b)
    services.move_script(COMMUNICATOR, message_id, c, "up")
    assert _questions(message_id) == ["C?", "A?"]
    assert [s.position for s in services.get_message(message_id).scripts] == [0, 1]


def test_scripts_of_an_ended_message_cannot_be_changed(app_context):
    message_id, (a, b) = _active_with_scripts("A?", "B?")
    services.end_now(COMMUNICATOR, message_id)
    with pytest.raises(services.CrisisError, match="avslutats"):
        services.edit_script(COMMUNICATOR, message_id, a, "Ny?", "Nytt svar")
    with pytest.raises(services.CrisisError, match="avslutats"):
        services.move_script(COMMUNICATOR, message_id, b, "up")


def _ids(app):
    with app.app_context():
        return _active_with_scripts("A?", "B?")


def test_communicator_edits_a_script_through_the_page_without_javascript(app, client, login_as):
    message_id, (a, _) = _ids(app)
    login_as("communicator")
    show = client.get(f"/kris/{message_id}").get_data(as_text=True)
    assert f"/kris/{message_id}/manus/{a}/andra" in show
    form = client.get(f"/kris/{message_id}/manus/{a}/andra")
    assert form.status_code == 200 and 'value="A?"' in form.get_data(as_text=True)
    response = client.post(f"/kris/{message_id}/manus/{a}/andra",
                           data={"csrf_token": csrf_token(client, f"/kris/{message_id}"),
                                 "question": "Ändrad fråga?", "answer": "Ändrat svar."})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/kris/{message_id}#scripts")
    page = client.get(f"/kris/{message_id}").get_data(as_text=True)
    assert "Ändrad fråga?" in page and "Ändrat svar." in page and "Frågan är ändrad" in page


def test_an_empty_edit_shows_the_form_again_with_a_swedish_message(app, client, login_as):
    message_id, (a, _) = _ids(app)
    login_as("communicator")
    response = client.post(f"/kris/{message_id}/manus/{a}/andra",
                           data={"csrf_token": csrf_token(client, f"/kris/{message_id}"), "question": "",
                                 "answer": "Svar"})
    assert response.status_code == 400 and "Skriv frågan." in response.get_data(as_text=True)
    with app.app_context():
        assert _questions(message_id) == ["A?", "B?"]


def test_communicator_moves_a_script_with_a_plain_button(app, client, login_as):
    message_id, (a, b) = _ids(app)
    login_as("communicator")
    show = client.get(f"/kris/{message_id}").get_data(as_text=True)
    assert f'action="/kris/{message_id}/manus/{b}/upp"' in show
    response = client.post(f"/kris/{message_id}/manus/{b}/upp",
                           data={"csrf_token": csrf_token(client, f"/kris/{message_id}")})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/kris/{message_id}#scripts")
    with app.app_context():
        assert _questions(message_id) == ["B?", "A?"]


@pytest.mark.parametrize("role", ["employee", "agent"])
@pytest.mark.parametrize("method, suffix", [("get", "andra"), ("post", "andra"), ("post", "upp"), ("post", "ned")])
def test_only_communicators_edit_or_move_scripts(app, client, login_as, role, method, suffix):
    message_id, (a, b) = _ids(app)
    login_as(role)
    data = {"csrf_token": csrf_token(client, "/start"), "question": "X?", "answer": "Y"} if method == "post" else None
    response = getattr(client, method)(f"/kris/{message_id}/manus/{b}/{suffix}", data=data)
    assert response.status_code == 403
    with app.app_context():
        assert _questions(message_id) == ["A?", "B?"]


def _poll(client, etag=None):
    return client.get("/kris/banner?manus=1", headers={"If-None-Match": etag} if etag else {})


def test_the_banner_poll_brings_the_scripts_out_of_band_and_a_script_change_changes_the_etag(app, client, login_as):
    message_id, (a, _) = _ids(app)
    login_as("agent")
    first = _poll(client)
    html = first.get_data(as_text=True)
    assert re.search(r'id="crisis-scripts-list"[^>]*hx-swap-oob="true"', html) and "A?" in html
    etag = first.headers["ETag"]
    assert _poll(client, etag).status_code == 304
    with app.app_context():
        services.edit_script(COMMUNICATOR, message_id, a, "Ny fråga?", "Nytt svar.")
    changed = _poll(client, etag)
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert "Ny fråga?" in changed.get_data(as_text=True)
    etag = changed.headers["ETag"]
    with app.app_context():
        services.move_script(COMMUNICATOR, message_id, a, "down")
    moved = _poll(client, etag)
    assert moved.status_code == 200 and moved.headers["ETag"] != etag
    etag = moved.headers["ETag"]
    with app.app_context():
        services.add_script(COMMUNICATOR, message_id, "Tillagd under krisen?", "Ja.")
    added = _poll(client, etag)
    assert added.status_code == 200 and "Tillagd under krisen?" in added.get_data(as_text=True)
    assert _poll(client, added.headers["ETag"]).status_code == 304


@pytest.mark.parametrize("role", [None, "employee"])
def test_the_banner_poll_shows_scripts_to_agents_only(app, client, login_as, role):
    _ids(app)
    if role:
        login_as(role)
    response = _poll(client)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Vattenläcka" in html
    assert "crisis-scripts-list" not in html and "A?" not in html
    # Not the agents' variant: a shared cache never hands one to the other under the same ETag.
    assert response.headers["ETag"] == client.get("/kris/banner").headers["ETag"]


@pytest.mark.parametrize("path", ["/arenden", "/katalog"])
def test_the_agents_work_pages_show_the_scripts_panel_and_poll_for_it(app, client, login_as, path):
    _ids(app)
    login_as("agent")
    html = client.get(path).get_data(as_text=True)
    panel = html.split('id="crisis-scripts"')[1]
    assert "A?" in panel and "Svar på B?" in panel and 'type="search"' in panel
    assert re.search(r'hx-get="/kris/banner\?manus=1"', html)


def test_the_panel_is_there_but_hidden_without_an_active_crisis(app, client, login_as):
    login_as("agent")
    html = client.get("/arenden").get_data(as_text=True)
    assert re.search(r'id="crisis-scripts"[^>]*hidden', html) and 'id="crisis-scripts-list"' in html

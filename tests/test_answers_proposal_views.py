"""Proposal and review pages: the agent's form (page and dialog fragment), Mina förslag, the editor's queue, Granskad."""
from datetime import timedelta

import pytest

from kundweb.answers import review
from kundweb.answers.models import Answer, AnswerProposal
from kundweb.audit.models import AuditEvent
from kundweb.database import utcnow
from kundweb.extensions import db
from tests.answers_flow_helpers import BUILDING, make_answer
from tests.conftest import csrf_token, post_login
from tests.directory_helpers import add_person

# Erik (demo password demo-erik, Kundcenter) is in KW-Kundtjanst-Kvall: mapped to the editor role here.
EDITOR_GROUP = {"CN=KW-Kundtjanst-Kvall,OU=Grupper,DC=kundweb,DC=demo": "editor"}
DIALOG = {"HX-Request": "true", "HX-Target": "proposal-dialog"}


@pytest.fixture
def units(app):
    with app.app_context():
        people = {name: add_person(name, department=department) for name, department in
                  (("bertil", "Kundcenter"), ("erik", "Kundcenter"), ("elsa", BUILDING))}
        return {name: person.unit_id for name, person in people.items()}


@pytest.fixture
def agent(login_as, units):
    return login_as("agent")


@pytest.fixture
def editor(app, monkeypatch, units):
    """Erik, logged in as an editor of Kundcenter's answers."""
    monkeypatch.setitem(app.config, "LDAP_GROUP_ROLES", {**app.config["LDAP_GROUP_ROLES"], **EDITOR_GROUP})
    client = app.test_client()
    assert post_login(client, "erik", "demo-erik").status_code == 302
    return client


def _propose(client, text, owner_unit, headers=None, **extra):
    token = csrf_token(client, "/kunskapsbanken/forslag/nytt")
    return client.post("/kunskapsbanken/forslag/nytt", data={"csrf_token": token, "text": text,
                                                            "owner": f"unit-{owner_unit}", **extra},
                       headers=headers or {})


def _count(app, model):
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_the_form_is_a_page_and_for_the_dialog_only_the_fragment(agent, units):
    page = agent.get("/kunskapsbanken/forslag/nytt")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html and "Saknas svar" in html
    assert "Stadsbyggnadsförvaltningen" in html and "HX-Request" in page.headers.get("Vary", "")
    fragment = agent.get("/kunskapsbanken/forslag/nytt?arende=", headers=DIALOG).get_data(as_text=True)
    assert "<html" not in fragment and 'hx-post="/kunskapsbanken/forslag/nytt"' in fragment
    assert 'hx-target="#proposal-dialog"' in fragment
    # A boosted or history-restore request for the same URL still gets the whole page.
    restore = agent.get("/kunskapsbanken/forslag/nytt", headers={"HX-Request": "true",
                                                                "HX-History-Restore-Request": "true"})
    assert "<html" in restore.get_data(as_text=True)


def test_from_an_answer_the_form_asks_what_is_wrong(app, agent, units):
    with app.app_context():
        answer = make_answer(add_person("elsa", department=BUILDING))
        answer_id, unit_id = answer.id, answer.unit_id
    html = agent.get(f"/kunskapsbanken/forslag/nytt?svar={answer_id}", headers=DIALOG).get_data(as_text=True)
    assert "Fel i svaret" in html and "Behöver jag bygglov för en altan?" in html and "Vad är fel i svaret?" in html
    assert agent.get("/kunskapsbanken/forslag/nytt?svar=999999").status_code == 404
    token = csrf_token(agent, "/kunskapsbanken/forslag/nytt")
    response = agent.post("/kunskapsbanken/forslag/nytt", data={"csrf_token": token, "answer_id": str(answer_id),
                                                               "text": "Gränsen är 1,8 meter nu."})
    assert response.status_code == 302
    with app.app_context():
        proposal = db.session.scalars(db.select(AnswerProposal)).one()
        assert (proposal.kind, proposal.answer_id, proposal.unit_id) == ("error", answer_id, unit_id)


def test_a_sent_proposal_takes_the_agent_to_mina_forslag(app, agent, units):
    response = _propose(agent, "Hur långt från tomtgränsen får jag bygga ett plank?", units["elsa"])
    assert response.status_code == 302 and response.headers["Location"].endswith("/kunskapsbanken/mina-forslag")
    html = agent.get("/kunskapsbanken/mina-forslag").get_data(as_text=True)
    assert "Tack! Förslaget är skickat" in html
    assert "plank" in html and "Stadsbyggnadsförvaltningen" in html and "Öppet" in html


def test_from_the_dialog_a_sent_proposal_answers_with_the_thanks_fragment(agent, units):
    response = _propose(agent, "Får jag ha höns i villaområdet?", units["elsa"], headers=DIALOG)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert "Tack! Förslaget är skickat till redaktörerna för Stadsbyggnadsförvaltningen" in html
    assert response.headers["HX-Trigger"] == "proposalSent"
    listed = agent.get("/kunskapsbanken/mina-forslag", headers={"HX-Request": "true", "HX-Target": "my-proposals"})
    fragment = listed.get_data(as_text=True)
    assert "<html" not in fragment and 'id="my-proposals"' in fragment and "höns" in fragment


@pytest.mark.parametrize("text, owner, message", [
    ("", "elsa", "Skriv frågan som saknar svar."),
    ("Bygglov?", None, "Välj förvaltning eller bolag ur listan."),
    ("Bygglov?", "elsa", "Ärendet finns inte."),
])
def test_bad_input_is_shown_again_in_swedish_and_nothing_is_saved(app, agent, units, text, owner, message):
    extra = {"enquiry_id": "424242"} if message.startswith("Ärendet") else {}
    response = _propose(agent, text, units[owner] if owner else "x", **extra)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html and "Traceback" not in html
    assert _count(app, AnswerProposal) == 0


def test_in_the_dialog_bad_input_comes_back_as_the_form_fragment_for_htmx_to_swap(app, agent, units):
    # htmx swaps no 4xx answer (base.html), so the form with its errors is a 200 fragment there.
    response = _propose(agent, "", units["elsa"], headers=DIALOG)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html and "Skriv frågan som saknar svar." in html
    assert _count(app, AnswerProposal) == 0


def test_the_editor_accepts_from_the_queue_and_the_agent_sees_the_result(app, agent, editor, units):
    _propose(agent, "Var kan jag ladda ner blanketten för autogiro?", units["erik"])
    with app.app_context():
        proposal_id = db.session.scalars(db.select(AnswerProposal)).one().id
        written_id = make_answer(add_person("erik", department="Kundcenter"), "Hur betalar jag med autogiro?").id
    queue = editor.get("/kunskapsbanken/forslag").get_data(as_text=True)
    assert "autogiro" in queue and "Hur betalar jag med autogiro?" in queue  # among the answers to name
    token = csrf_token(editor, "/kunskapsbanken/forslag")
    prefix = f"p{proposal_id}-"
    response = editor.post(f"/kunskapsbanken/forslag/{proposal_id}/genomfort", data={
        "csrf_token": token, prefix + "response": "Nu finns ett svar med länken.", prefix + "answer_id": str(written_id)})
    assert response.status_code == 302
    assert "Inga förslag väntar på dig." in editor.get("/kunskapsbanken/forslag").get_data(as_text=True)
    html = agent.get("/kunskapsbanken/mina-forslag").get_data(as_text=True)
    assert "Genomfört" in html and "Nu finns ett svar med länken." in html and "Hur betalar jag med autogiro?" in html


def test_a_rejection_needs_a_word_back(app, agent, editor, units):
    _propose(agent, "Var kan jag ladda ner blanketten för autogiro?", units["erik"])
    with app.app_context():
        proposal_id = db.session.scalars(db.select(AnswerProposal)).one().id
    token = csrf_token(editor, "/kunskapsbanken/forslag")
    response = editor.post(f"/kunskapsbanken/forslag/{proposal_id}/avbojt", data={"csrf_token": token})
    assert response.status_code == 400 and "Skriv ett besked till den som föreslog." in response.get_data(as_text=True)
    response = editor.post(f"/kunskapsbanken/forslag/{proposal_id}/avbojt", data={
        "csrf_token": token, f"p{proposal_id}-response": "Finns redan under 'betala'."})
    assert response.status_code == 302
    html = agent.get("/kunskapsbanken/mina-forslag").get_data(as_text=True)
    assert "Avböjt" in html and "Finns redan under" in html


def test_an_editor_of_another_department_gets_403_and_it_is_audited(app, agent, editor, units):
    _propose(agent, "Bygglov för carport?", units["elsa"])
    with app.app_context():
        proposal_id = db.session.scalars(db.select(AnswerProposal)).one().id
    assert "carport" not in editor.get("/kunskapsbanken/forslag").get_data(as_text=True)
    token = csrf_token(editor, "/kunskapsbanken/forslag")
    for decision in ("genomfort", "avbojt"):
        response = editor.post(f"/kunskapsbanken/forslag/{proposal_id}/{decision}",
                               data={"csrf_token": token, f"p{proposal_id}-response": "Nej."})
        assert response.status_code == 403
    with app.app_context():
        assert db.session.get(AnswerProposal, proposal_id).state == "open"
        denied = db.session.scalars(db.select(AuditEvent).filter_by(action="access.denied", actor="erik")).all()
        assert [(e.object_type, e.object_id) for e in denied] == [("answer_proposal", str(proposal_id))] * 2


def test_granskad_with_one_click_moves_the_date_and_only_in_scope(app, editor, units):
    now = utcnow()
    with app.app_context():
        due = make_answer(add_person("erik", department="Kundcenter"), "Hur byter jag elavtal?",
                          review_by=review.local_date(now) - timedelta(days=2)).id
        foreign = make_answer(add_person("elsa", department=BUILDING), "Bygglov för altan?",
                              review_by=review.local_date(now) - timedelta(days=2)).id
    html = editor.get("/kunskapsbanken/granska").get_data(as_text=True)
    assert "Hur byter jag elavtal?" in html and "Bygglov för altan?" not in html and "Granskad" in html
    token = csrf_token(editor, "/kunskapsbanken/granska")
    response = editor.post(f"/kunskapsbanken/svar/{due}/granskad", data={"csrf_token": token},
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "är granskat" in html and "Inga svar behöver granskas just nu." in html
    assert editor.post(f"/kunskapsbanken/svar/{foreign}/granskad", data={"csrf_token": token}).status_code == 403
    assert editor.post(f"/kunskapsbanken/svar/{due}/granskad", data={}).status_code == 400  # no CSRF token
    with app.app_context():
        assert db.session.get(Answer, due).review_by == review.add_months(review.local_date(now), 12)
        assert db.session.get(Answer, foreign).review_by < review.local_date(now)


def test_the_partials_for_other_pages_link_to_the_form_with_and_without_javascript(app, units):
    """_propose_link.html (beside an answer, on the enquiry form) and _reviewed_button.html, as the lead includes them."""
    from flask import render_template

    with app.app_context():
        answer = make_answer(add_person("elsa", department=BUILDING))
        with app.test_request_context("/"):
            beside_answer = render_template("answers/proposals/_propose_link.html", answer=answer)
            on_enquiry_form = render_template("answers/proposals/_propose_link.html", enquiry_id=42)
            before_logging = render_template("answers/proposals/_propose_link.html")
            reviewed = render_template("answers/proposals/_reviewed_button.html", answer=answer)
    url = f"/kunskapsbanken/forslag/nytt?svar={answer.id}"
    assert f'href="{url}"' in beside_answer and f'hx-get="{url}"' in beside_answer
    assert "Fel i svaret?" in beside_answer and 'id="proposal-dialog"' in beside_answer
    assert 'href="/kunskapsbanken/forslag/nytt?arende=42"' in on_enquiry_form and "Saknas svar?" in on_enquiry_form
    assert 'href="/kunskapsbanken/forslag/nytt"' in before_logging
    assert f'action="/kunskapsbanken/svar/{answer.id}/granskad"' in reviewed and 'name="csrf_token"' in reviewed


def test_a_proposal_from_an_enquiry_remembers_it_and_the_editor_sees_which(app, agent, editor, units):
    from kundweb.audit.services import Actor
    from kundweb.enquiries import services as enquiries

    with app.app_context():
        category = enquiries.add_category(Actor("david", frozenset({"admin"})), "Kundcenter", "Fakturor")
        enquiry, _ = enquiries.log_enquiry(Actor("bertil", frozenset({"agent"})),
                                           enquiries.EnquiryInput("telefon", category.id, "direct"))
        enquiry_id = enquiry.id
    form = agent.get(f"/kunskapsbanken/forslag/nytt?arende={enquiry_id}", headers=DIALOG).get_data(as_text=True)
    assert f"Förslaget kopplas till ärende {enquiry_id}." in form
    assert _propose(agent, "Varför kom det två fakturor?", units["erik"],
                    enquiry_id=str(enquiry_id)).status_code == 302
    with app.app_context():
        assert db.session.scalars(db.select(AnswerProposal)).one().enquiry_id == enquiry_id
    assert f"ärende {enquiry_id}" in editor.get("/kunskapsbanken/forslag").get_data(as_text=True)

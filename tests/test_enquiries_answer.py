"""'Svar som användes' (R-KB-4): an enquiry names the published answer the agent gave, or none."""
import re
from types import SimpleNamespace

import pytest

from kundweb.audit.models import AuditEvent
from kundweb.audit.services import Actor
from kundweb.enquiries import services
from kundweb.enquiries.models import Enquiry
from kundweb.extensions import db
from tests.answers_search_helpers import make_answer, past
from tests.conftest import csrf_token

AGENT = Actor("bertil", frozenset({"agent"}))
ADMIN = Actor("david", frozenset({"admin"}))
HTMX = {"HX-Request": "true", "HX-Target": "enquiry-logger"}


@pytest.fixture
def category(app):
    with app.app_context():
        return SimpleNamespace(id=services.add_category(ADMIN, "Stadsbyggnadsförvaltningen", "Bygglov").id)


@pytest.fixture
def answers(app):
    """One answer in each state, by status."""
    with app.app_context():
        return SimpleNamespace(**{status: make_answer(f"Bygglov för altan ({status})", status=status).id
                                  for status in ("published", "draft", "archived")})


def _log(category, answer_id, key=None):
    return services.log_enquiry(AGENT, services.EnquiryInput("telefon", category.id, "direct", submission_key=key,
                                                             answer_id=answer_id))


def _stored():
    return db.session.scalars(db.select(Enquiry.answer_id)).all()


# --------------------------------------------------------------------------- the service

def test_a_published_answer_is_stored_with_the_enquiry_and_audited(app_context, category, answers):
    enquiry, created = _log(category, answers.published)
    assert created and enquiry.answer_question == "Bygglov för altan (published)"
    assert _stored() == [answers.published]
    event = db.session.scalars(db.select(AuditEvent).filter_by(action="enquiry.logged")).one()
    assert event.details["answer_id"] == answers.published


def test_a_stale_but_published_answer_may_be_named(app_context, category):
    answer_id = make_answer("Snöröjning på min gata", review_by=past(30)).id
    _log(category, answer_id)
    assert _stored() == [answer_id]


@pytest.mark.parametrize("which", ["draft", "archived", "missing", "huge"])
def test_only_a_published_answer_can_be_named(app_context, category, answers, which):
    answer_id = {"missing": answers.published + 1000, "huge": 10**20}.get(which) or getattr(answers, which)
    with pytest.raises(services.EnquiryError, match="Svaret som användes finns inte bland de publicerade svaren"):
        _log(category, answer_id)
    assert _stored() == [] and db.session.scalars(db.select(AuditEvent).filter_by(action="enquiry.logged")).all() == []


def test_no_answer_named_costs_no_answer_lookup(app_context, category, monkeypatch):
    """The enquiry save is a hot path: the answer is looked up only when one is named."""
    lookups = []
    statement = services._PUBLISHED_ANSWER
    monkeypatch.setattr(statement, "first_in", lambda *args: lookups.append(args) or None)
    enquiry, _ = _log(category, None)
    assert lookups == [] and _stored() == [None] and enquiry.answer_question is None


# --------------------------------------------------------------------------- the form

def _form(client, category_id, **extra):
    html = client.get("/arenden").get_data(as_text=True)
    key = re.search(r'name="submission_key"[^>]*value="([^"]+)"', html)
    state = re.search(r'name="form_state" value="([^"]*)"', html)
    data = {"csrf_token": csrf_token(client, "/arenden"), "channel": "telefon", "category": str(category_id),
            "outcome": "direct", "submission_key": key.group(1), "form_state": state.group(1)}
    data.update(extra)
    return data


def _stored_in(app):
    with app.app_context():
        return _stored()


def test_the_form_saves_the_answer_and_then_clears_it_for_the_next_call(app, login_as, category, answers):
    client = login_as("agent")
    html = client.post("/arenden", data=_form(client, category.id, answer=str(answers.published)),
                       headers=HTMX).get_data(as_text=True)
    assert _stored_in(app) == [answers.published]
    assert "svar: ”Bygglov för altan (published)”" in html  # in the saved line
    field = html.split('id="answer-field"')[1]
    assert 'hx-swap-oob="true"' in field.split(">")[0] and " selected" not in field.split("</select>")[0]


def test_a_form_without_an_answer_leaves_the_answer_field_alone(app, login_as, category):
    client = login_as("agent")
    html = client.post("/arenden", data=_form(client, category.id, answer=""), headers=HTMX).get_data(as_text=True)
    assert _stored_in(app) == [None] and 'id="answer-field"' not in html


@pytest.mark.parametrize("value, message", [
    ("abc", "Svar som användes: Välj ett svar ur listan, eller inget."),
    ("-3", "Svar som användes: Välj ett svar ur listan, eller inget."),
    ("DRAFT", "Svaret som användes finns inte bland de publicerade svaren."),
    ("99999999999999999999", "Svaret som användes finns inte bland de publicerade svaren."),
])
def test_a_bad_answer_is_refused_with_a_swedish_message_and_nothing_saved(app, login_as, category, answers,
                                                                          value, message):
    client = login_as("agent")
    value = str(answers.draft) if value == "DRAFT" else value
    response = client.post("/arenden", data=_form(client, category.id, answer=value))
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html and "Traceback" not in html
    assert _stored_in(app) == []


def test_an_answer_opened_from_the_search_is_beside_the_form_and_chosen(app, login_as, answers):
    client = login_as("agent")
    html = client.get(f"/arenden?svar={answers.published}").get_data(as_text=True)
    panel = html.split('id="answer-panel"')[1].split("</section>")[0]
    assert "Bygglov för altan (published)" in panel and "Så här gör du." in panel
    assert f'<option value="{answers.published}" selected>Bygglov för altan (published)</option>' in html


@pytest.mark.parametrize("which", ["draft", "archived"])
def test_an_unpublished_answer_is_neither_shown_nor_chosen(app, login_as, answers, which):
    client = login_as("agent")
    html = client.get(f"/arenden?svar={getattr(answers, which)}").get_data(as_text=True)
    assert f"({which})" not in html and 'class="card answer-panel"' not in html


def test_the_chosen_answer_stays_chosen_when_the_form_comes_back_with_errors(app, login_as, category, answers):
    client = login_as("agent")
    response = client.post("/arenden", data=_form(client, category.id, answer=str(answers.published), wait="x"))
    assert response.status_code == 400
    assert f'<option value="{answers.published}" selected>' in response.get_data(as_text=True)


def test_the_enquiry_page_offers_a_proposal_and_the_open_answer_a_correction(app, login_as, answers):
    client = login_as("agent")
    html = client.get(f"/arenden?svar={answers.published}").get_data(as_text=True)
    assert html.count('id="proposal-dialog"') == 1  # one dialog for both links
    assert re.search(r'hx-get="/kunskapsbanken/forslag/nytt"[^>]*>Saknas svar\? Föreslå ett nytt', html)
    assert re.search(rf'hx-get="/kunskapsbanken/forslag/nytt\?svar={answers.published}"[^>]*>Fel i svaret\?', html)
    dialog = client.get(f"/kunskapsbanken/forslag/nytt?svar={answers.published}",
                        headers={"HX-Request": "true", "HX-Target": "proposal-dialog"})
    assert dialog.status_code == 200 and "Fel i svaret" in dialog.get_data(as_text=True)

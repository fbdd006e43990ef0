"""Kunskapsbanken's editor pages: list, new/edit with inline errors, show, history with diffs, publish/archive."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from kundweb.answers import services
from kundweb.answers.models import Answer
from kundweb.audit.models import AuditEvent
from kundweb.database import utcnow
from kundweb.extensions import db
from tests.answers_editing_helpers import BUILDING_EDITOR, SOCIAL_EDITOR, fields, owners
from tests.conftest import csrf_token


@pytest.fixture
def setup(app):
    with app.app_context():
        return owners()


def _form(setup, **changes):
    data = {"question": "Hur lång tid tar ett bygglov?", "phrasings": "Handläggningstid bygglov",
            "keywords": "bygglov tid", "body": "Normalt inom tio veckor.\n\n1. Skicka in\n2. Vänta",
            "links": "Ansök om bygglov | https://www.lulea.se/bygglov", "owner": f"unit:{setup.building}",
            "responsible": "hanna", "category_id": str(setup.bygglov), "visibility": "publik", "review_by": ""}
    data.update(changes)
    return data


def _answer(app, setup, actor=BUILDING_EDITOR, **changes):
    with app.app_context():
        return services.create_answer(actor, fields(setup, **changes)).id


def test_an_editor_creates_a_draft_through_the_form(app, client, login_as, setup):
    login_as("editor")
    page = client.get("/kunskapsbanken/nytt").get_data(as_text=True)
    assert "Ägare (förvaltning eller bolag)" in page and "Stadsbyggnadsförvaltningen" in page
    assert "Socialförvaltningen" not in page  # not an owner Erik may choose
    response = client.post("/kunskapsbanken/nytt", data={**_form(setup), "csrf_token": csrf_token(client, "/kunskapsbanken/nytt")})
    assert response.status_code == 302
    with app.app_context():
        answer = db.session.scalars(select(Answer)).one()
        assert (answer.status, answer.created_by, answer.links) == (
            "draft", "elin", [{"label": "Ansök om bygglov", "url": "https://www.lulea.se/bygglov"}])
    shown = client.get(response.location).get_data(as_text=True)
    assert "<ol><li>Skicka in</li><li>Vänta</li></ol>" in shown and "Utkast" in shown and "Hanna Strand" in shown


def test_errors_show_at_their_fields_and_nothing_typed_is_lost(app, client, login_as, setup):
    login_as("editor")
    response = client.post("/kunskapsbanken/nytt", data={
        **_form(setup, links="Farlig | javascript:alert(1)", responsible="finnsinte"),
        "csrf_token": csrf_token(client, "/kunskapsbanken/nytt")})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Länk 1: Länken måste vara en webbadress" in page and "aktiv person i katalogen" in page
    assert "Normalt inom tio veckor." in page and "Handläggningstid bygglov" in page and "finnsinte" in page
    assert "Traceback" not in page
    with app.app_context():
        assert db.session.scalars(select(Answer)).all() == []


def test_an_editor_of_another_department_gets_403_and_it_is_audited(app, client, login_as, setup):
    answer_id = _answer(app, setup, actor=SOCIAL_EDITOR, unit_id=setup.social)
    login_as("editor")
    assert client.get(f"/kunskapsbanken/{answer_id}").status_code == 200  # reading is fine
    assert client.get(f"/kunskapsbanken/{answer_id}/andra").status_code == 403
    token = csrf_token(client, f"/kunskapsbanken/{answer_id}")
    assert client.post(f"/kunskapsbanken/{answer_id}/andra", data={**_form(setup), "csrf_token": token}).status_code == 403
    assert client.post(f"/kunskapsbanken/{answer_id}/publicera", data={"csrf_token": token}).status_code == 403
    assert client.post("/kunskapsbanken/nytt", data={**_form(setup, owner=f"unit:{setup.social}"),
                                                     "csrf_token": token}).status_code == 403
    with app.app_context():
        denied = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "answer.edit_denied")
                                   .order_by(AuditEvent.id)).all()
        assert [(e.actor, e.details["attempted"]) for e in denied] == [("elin", "edit"), ("elin", "edit"),
                                                                        ("elin", "published"), ("elin", "create")]
        assert db.session.get(Answer, answer_id).status == "draft" and len(db.session.scalars(select(Answer)).all()) == 1


@pytest.mark.parametrize("role", ["employee", "agent", "communicator"])
def test_other_roles_get_403_on_the_editor_pages(app, client, login_as, setup, role):
    answer_id = _answer(app, setup)
    login_as(role)
    for path in ("/kunskapsbanken", f"/kunskapsbanken/{answer_id}", "/kunskapsbanken/nytt", "/kunskapsbanken/import",
                 f"/kunskapsbanken/{answer_id}/historik"):
        assert client.get(path).status_code == 403, path


def test_publish_edit_history_and_archive(app, client, login_as, setup):
    answer_id = _answer(app, setup)
    login_as("editor")
    token = csrf_token(client, f"/kunskapsbanken/{answer_id}")
    assert client.post(f"/kunskapsbanken/{answer_id}/publicera", data={"csrf_token": token}).status_code == 302
    edit_page = client.get(f"/kunskapsbanken/{answer_id}/andra").get_data(as_text=True)
    assert 'name="expected_version" type="hidden" value="2"' in edit_page
    assert "Anmälan attefallsåtgärd | https://www.lulea.se/bygglov</textarea>" in edit_page
    assert 'value="hanna"' in edit_page
    response = client.post(f"/kunskapsbanken/{answer_id}/andra", data={
        **_form(setup, question="Behöver jag bygglov för ett attefallshus?", expected_version="2",
                body="Nej, men du behöver göra en anmälan till Stadsbyggnadsförvaltningen."),
        "csrf_token": token})
    assert response.status_code == 302
    history = client.get(f"/kunskapsbanken/{answer_id}/historik").get_data(as_text=True)
    assert "Version 3" in history and "Version 1" in history
    assert "+ Nej, men du behöver göra en anmälan till Stadsbyggnadsförvaltningen." in history
    assert "− Nej, men du behöver göra en anmälan." in history
    assert client.post(f"/kunskapsbanken/{answer_id}/arkivera", data={"csrf_token": token}).status_code == 302
    assert "Arkiverad" in client.get(f"/kunskapsbanken/{answer_id}").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Answer, answer_id).status == "archived"


def test_a_stale_answer_says_so_and_the_list_filters_it(app, client, login_as, setup):
    fresh = _answer(app, setup, question="Färsk fråga")
    stale = _answer(app, setup, question="Gammal fråga", review_by=services.local_today(utcnow()) + timedelta(days=1))
    with app.app_context():
        db.session.get(Answer, stale).review_by = date(2020, 1, 1)  # as if a year went by
        db.session.commit()
    login_as("editor")
    assert "Inaktuellt" in client.get(f"/kunskapsbanken/{stale}").get_data(as_text=True)
    assert "Inaktuellt" not in client.get(f"/kunskapsbanken/{fresh}").get_data(as_text=True)
    listed = client.get("/kunskapsbanken?inaktuella=1").get_data(as_text=True)
    assert "Gammal fråga" in listed and "Färsk fråga" not in listed


def test_the_editor_start_page_lists_drafts_and_answers_due(app, client, login_as, setup):
    _answer(app, setup, question="Ett utkast om bygglov")
    login_as("editor")
    page = client.get("/start/editor").get_data(as_text=True)
    assert "Ett utkast om bygglov" in page and "Att granska" in page and "Kunskapsbanken" in page


def test_typed_text_is_escaped_on_every_editor_page(app, client, login_as, setup):
    answer_id = _answer(app, setup, body="<script>alert(1)</script> [klicka](javascript:alert(1))",
                        question="<img src=x onerror=alert(1)>?", phrasings="<b>fet</b>",
                        links=[{"label": "<i>x</i>", "url": "https://www.lulea.se/\"><script>"}])
    login_as("editor")
    for path in (f"/kunskapsbanken/{answer_id}", f"/kunskapsbanken/{answer_id}/historik", "/kunskapsbanken",
                 f"/kunskapsbanken/{answer_id}/andra", "/start/editor"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>alert(1)" not in page and "<img src=x" not in page and "<b>fet" not in page, path
        assert 'href="javascript' not in page and "<i>x</i>" not in page and '"><script>' not in page, path
    shown = client.get(f"/kunskapsbanken/{answer_id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown


def test_the_list_filters_by_status_owner_category_and_text(app, client, login_as, setup):
    _answer(app, setup, question="Hur lång tid tar ett bygglov?")
    _answer(app, setup, actor=SOCIAL_EDITOR, unit_id=setup.social, question="Hur söker jag försörjningsstöd?")
    with app.app_context():
        services.publish_answer(BUILDING_EDITOR, services.list_answers(services.AnswerFilter(text="bygglov"),
                                                                       date(2026, 3, 2))[0])
    login_as("editor")

    def listed(query):
        page = client.get(f"/kunskapsbanken?{query}").get_data(as_text=True)
        return {q for q in ("Hur lång tid tar ett bygglov?", "Hur söker jag försörjningsstöd?") if q in page}

    assert len(listed("")) == 2
    assert listed("status=published") == {"Hur lång tid tar ett bygglov?"}
    assert listed(f"agare=unit:{setup.social}") == {"Hur söker jag försörjningsstöd?"}
    assert listed(f"kategori={setup.energi}") == set()
    assert listed("q=FÖRSÖRJNING") == {"Hur söker jag försörjningsstöd?"}
    assert listed("q=%25") == set()  # a LIKE wildcard typed in the box is a plain character


def test_a_draft_is_deleted_from_its_page_but_a_published_answer_is_kept(app, client, login_as, setup):
    draft = _answer(app, setup, question="Ett utkast")
    published = _answer(app, setup, question="Publicerat")
    with app.app_context():
        services.publish_answer(BUILDING_EDITOR, services.get_answer(published))
    login_as("editor")
    token = csrf_token(client, f"/kunskapsbanken/{draft}")
    assert "Ta bort utkastet" in client.get(f"/kunskapsbanken/{draft}").get_data(as_text=True)
    assert "Ta bort utkastet" not in client.get(f"/kunskapsbanken/{published}").get_data(as_text=True)
    response = client.post(f"/kunskapsbanken/{draft}/ta-bort", data={"csrf_token": token}, follow_redirects=True)
    assert "Utkastet är borttaget." in response.get_data(as_text=True)
    kept = client.post(f"/kunskapsbanken/{published}/ta-bort", data={"csrf_token": token}, follow_redirects=True)
    assert "Arkivera svaret i stället." in kept.get_data(as_text=True)
    with app.app_context():
        assert [a.question for a in db.session.scalars(select(Answer))] == ["Publicerat"]


def test_a_published_answers_page_offers_granskad_which_moves_its_review_date(app, client, login_as, setup):
    answer_id = _answer(app, setup)
    with app.app_context():
        answer = db.session.get(Answer, answer_id)
        services.publish_answer(BUILDING_EDITOR, answer)
        answer.review_by = date(2020, 1, 1)
        db.session.commit()
    login_as("editor")
    page = client.get(f"/kunskapsbanken/{answer_id}").get_data(as_text=True)
    assert f'action="/kunskapsbanken/svar/{answer_id}/granskad"' in page
    token = csrf_token(client, f"/kunskapsbanken/{answer_id}")
    assert client.post(f"/kunskapsbanken/svar/{answer_id}/granskad", data={"csrf_token": token}).status_code == 302
    with app.app_context():
        assert db.session.get(Answer, answer_id).review_by > services.local_today(utcnow())

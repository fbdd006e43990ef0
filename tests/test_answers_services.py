"""Kunskapsbanken answers as services: versions, diffs, who may edit, publish/archive, validation (R-KB-1, R-KB-2)."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from kundweb.answers import services
from kundweb.answers.models import Answer, AnswerVersion
from kundweb.audit.models import AuditEvent
from kundweb.enquiries import services as enquiries
from kundweb.extensions import db
from kundweb.safe_markup import body_html
from tests.answers_editing_helpers import (ADMIN, AGENT, BUILDING_EDITOR, ENERGY_EDITOR, SOCIAL_EDITOR, fields,
                                           owners)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def setup(app_context):
    return owners()


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def _events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def test_a_new_answer_is_a_draft_with_version_one_and_a_year_to_review(setup):
    answer = services.create_answer(BUILDING_EDITOR, fields(setup), NOW)
    assert (answer.status, answer.version, answer.created_by) == ("draft", 1, "elin")
    assert answer.review_by == date(2027, 3, 2)
    [version] = services.versions(answer)
    assert version.number == 1 and version.snapshot["question"] == "Behöver jag bygglov för ett attefallshus?"
    assert version.snapshot["links"] == [{"label": "Anmälan attefallsåtgärd", "url": "https://www.lulea.se/bygglov"}]
    [event] = _events("answer.created")
    assert (event.actor, event.object_id) == ("elin", str(answer.id))


def test_every_change_is_a_new_version_naming_what_changed_and_shown_as_a_diff(setup):
    answer = services.create_answer(BUILDING_EDITOR, fields(setup), NOW)
    later = NOW + timedelta(days=1)
    services.update_answer(BUILDING_EDITOR, answer, {
        "body": "Nej, men du behöver göra en anmälan.\n\n1. Fyll i anmälan\n2. Vänta på startbesked\n3. Bygg",
        "keywords": "attefall friggebod anmälan startbesked"}, later)
    assert answer.version == 2 and answer.updated_at == later
    newest = services.versions(answer)[0]
    assert (newest.number, newest.changed_fields, newest.changed_by) == (2, "keywords,body", "elin")
    assert newest.snapshot["body"].endswith("3. Bygg") and services.versions(answer)[1].snapshot["body"].endswith(
        "startbesked")
    changes = {change.field: change for change in services.version_diff(answer, 2)}
    assert set(changes) == {"keywords", "body"}
    assert ("+", "3. Bygg") in changes["body"].lines and ("-", "3. Bygg") not in changes["body"].lines
    assert (" ", "1. Fyll i anmälan") in changes["body"].lines
    assert changes["keywords"].label == "Sökord"
    [event] = _events("answer.edited")
    assert event.details["changed"] == ["keywords", "body"]


def test_the_first_version_diff_shows_every_field_with_names_not_numbers(setup):
    answer = services.create_answer(BUILDING_EDITOR, fields(setup), NOW)
    changes = {change.field: change for change in services.version_diff(answer, 1)}
    assert changes["unit_id"].after == "Stadsbyggnadsförvaltningen"
    assert changes["responsible_id"].after == "Hanna Strand"
    assert changes["category_id"].after == "Stadsbyggnad – Bygglov"
    assert changes["visibility"].after == "Publik"
    with pytest.raises(services.AnswerNotFound):
        services.version_diff(answer, 7)


def test_saving_without_a_change_makes_no_version(setup):
    answer = services.create_answer(BUILDING_EDITOR, fields(setup), NOW)
    services.update_answer(BUILDING_EDITOR, answer, fields(setup, review_by=answer.review_by), NOW)
    assert answer.version == 1 and _count(AnswerVersion) == 1 and _events("answer.edited") == []


def test_publish_and_archive_add_versions_and_an_archived_answer_is_never_deleted(setup):
    answer = services.create_answer(BUILDING_EDITOR, fields(setup), NOW)
    services.publish_answer(BUILDING_EDITOR, answer, NOW + timedelta(hours=1))
    assert (answer.status, answer.version, answer.published_at) == ("published", 2, NOW + timedelta(hours=1))
    assert services.published_answers() == [answer] and services.published_answers(visibility="intern") == []
    with pytest.raises(services.IllegalTransition):
        services.publish_answer(BUILDING_EDITOR, answer, NOW)
    with pytest.raises(services.IllegalTransition, match="Arkivera"):
        services.delete_draft(BUILDING_EDITOR, answer, NOW)
    services.archive_answer(BUILDING_EDITOR, answer, NOW + timedelta(hours=2))
    assert answer.status == "archived" and services.published_answers() == []
    with pytest.raises(services.IllegalTransition, match="Arkivera"):
        services.delete_draft(ADMIN, answer, NOW)
    assert _count(Answer) == 1 and [v.changed_fields for v in services.versions(answer)] == ["status", "status", (
        "question,phrasings,keywords,body,links,unit_id,company_id,responsible_id,category_id,visibility,"
        "review_by,status")]
    assert [c.after for c in services.version_diff(answer, 3)] == ["Arkiverad"]
    assert len(_events("answer.published")) == 1 and len(_events("answer.archived")) == 1


def test_a_draft_never_published_may_be_deleted_audited_with_its_text(setup):
    answer = services.create_answer(BUILDING_EDITOR, fields(setup), NOW)
    answer_id = answer.id
    services.delete_draft(BUILDING_EDITOR, answer, NOW)
    assert _count(Answer) == 0 and _count(AnswerVersion) == 0
    [event] = _events("answer.deleted")
    assert event.object_id == str(answer_id) and event.details["before"]["question"].startswith("Behöver jag")


def test_an_editor_of_another_department_gets_refused_and_the_attempt_is_audited(setup):
    answer = services.create_answer(BUILDING_EDITOR, fields(setup), NOW)
    for attempt in (lambda: services.update_answer(SOCIAL_EDITOR, answer, {"body": "Fel svar."}, NOW),
                    lambda: services.publish_answer(SOCIAL_EDITOR, answer, NOW),
                    lambda: services.create_answer(SOCIAL_EDITOR, fields(setup), NOW)):
        with pytest.raises(PermissionError):
            attempt()
    db.session.expire_all()
    assert answer.body.startswith("Nej, men") and answer.version == 1 and answer.status == "draft"
    denied = _events("answer.edit_denied")
    assert [(e.actor, e.details["attempted"]) for e in denied] == [("frida", "edit"), ("frida", "published"),
                                                                    ("frida", "create")]
    assert _count(Answer) == 1


def test_an_editor_may_not_move_an_answer_out_of_their_own_department(setup):
    answer = services.create_answer(BUILDING_EDITOR, fields(setup), NOW)
    with pytest.raises(services.NotAllowed):
        services.update_answer(BUILDING_EDITOR, answer, {"unit_id": setup.social}, NOW)
    db.session.expire_all()
    assert answer.unit_id == setup.building and [e.details["attempted"] for e in _events("answer.edit_denied")] == [
        "move"]


def test_an_agent_cannot_edit_and_an_admin_can_edit_anything(setup):
    answer = services.create_answer(ADMIN, fields(setup, unit_id=None, company_id=setup.energy,
                                                  category_id=setup.energi), NOW)
    with pytest.raises(services.NotAllowed):
        services.update_answer(AGENT, answer, {"body": "Ring oss."}, NOW)
    services.update_answer(ADMIN, answer, {"unit_id": setup.social, "company_id": None}, NOW)
    assert answer.unit_id == setup.social and answer.version == 2


def test_a_company_editor_keeps_the_company_answers(setup):
    answer = services.create_answer(ENERGY_EDITOR, fields(setup, unit_id=None, company_id=setup.energy,
                                                          category_id=setup.energi), NOW)
    services.publish_answer(ENERGY_EDITOR, answer, NOW)
    with pytest.raises(services.NotAllowed):
        services.update_answer(BUILDING_EDITOR, answer, {"body": "x"}, NOW)


@pytest.mark.parametrize("changes, field, message", [
    ({"question": "  "}, "question", "Skriv frågan"),
    ({"question": "x" * 301}, "question", "högst 300 tecken"),
    ({"body": ""}, "body", "Skriv svaret"),
    ({"links": [{"label": "Farligt", "url": "javascript:alert(1)"}]}, "links", "Länk 1: Länken måste vara en webbadress"),
    ({"links": [{"label": "Fil", "url": "file:///etc/passwd"}]}, "links", "https://"),
    ({"links": [{"label": "Ingen adress", "url": ""}]}, "links", "Skriv länkens adress"),
    ({"unit_id": None}, "owner", "Välj vilken förvaltning"),
    ({"company_id": 1}, "owner", "Välj vilken förvaltning"),  # both owners at once
    ({"unit_id": 99999}, "owner", "Förvaltningen finns inte"),
    ({"responsible_id": None}, "responsible_id", "ansvarig"),
    ({"responsible_id": 99999}, "responsible_id", "aktiv person"),
    ({"category_id": None}, "category_id", "Välj kategori"),
    ({"visibility": "hemlig"}, "visibility", "intern eller publik"),
    ({"review_by": "2026-13-01"}, "review_by", "ÅÅÅÅ-MM-DD"),
    ({"review_by": date(2026, 3, 1)}, "review_by", "redan varit"),
    ({"review_by": date(2030, 1, 1)}, "review_by", "högst 3 år"),
])
def test_bad_fields_are_refused_with_a_swedish_message_and_nothing_written(setup, changes, field, message):
    with pytest.raises(services.InvalidAnswer) as refused:
        services.create_answer(BUILDING_EDITOR, fields(setup, **changes), NOW)
    assert message in refused.value.field_errors[field]
    assert isinstance(refused.value, ValueError)
    assert _count(Answer) == 0 and _count(AnswerVersion) == 0 and _events("answer.created") == []


def test_a_retired_category_is_refused_for_new_answers_but_may_stay_on_an_old_one(setup):
    answer = services.create_answer(BUILDING_EDITOR, fields(setup), NOW)
    enquiries.set_category_active(ADMIN, setup.bygglov, False)
    services.update_answer(BUILDING_EDITOR, answer, {"keywords": "attefall"}, NOW)
    assert answer.version == 2
    with pytest.raises(services.InvalidAnswer, match="avvecklad"):
        services.create_answer(BUILDING_EDITOR, fields(setup), NOW)


def test_an_invalid_change_leaves_the_answer_as_it_was(setup):
    answer = services.create_answer(BUILDING_EDITOR, fields(setup), NOW)
    with pytest.raises(services.InvalidAnswer):
        services.update_answer(BUILDING_EDITOR, answer, {"body": "Nytt svar", "question": ""}, NOW)
    db.session.expire_all()
    assert answer.body.startswith("Nej, men") and answer.version == 1 and _count(AnswerVersion) == 1


def test_a_save_over_someone_elses_newer_version_is_refused(setup):
    answer = services.create_answer(BUILDING_EDITOR, fields(setup), NOW)
    services.update_answer(ADMIN, answer, {"keywords": "ändrat av admin"}, NOW)
    with pytest.raises(services.ChangedMeanwhile):
        services.update_answer(BUILDING_EDITOR, answer, {"body": "Mitt svar"}, NOW, expected_version=1)
    db.session.expire_all()
    assert answer.keywords == "ändrat av admin" and answer.body.startswith("Nej, men")


def test_an_archived_answer_must_be_published_again_before_it_changes(setup):
    answer = services.create_answer(BUILDING_EDITOR, fields(setup), NOW, status="published")
    services.archive_answer(BUILDING_EDITOR, answer, NOW)
    with pytest.raises(services.IllegalTransition, match="arkiverat"):
        services.update_answer(BUILDING_EDITOR, answer, {"body": "x"}, NOW)
    services.publish_answer(BUILDING_EDITOR, answer, NOW)
    assert answer.status == "published" and answer.archived_at is None


def test_the_body_keeps_paragraphs_steps_and_links_but_never_html():
    html = str(body_html("Så här gör du:\n\n1. Logga in på [Mina sidor](https://www.lulea.se/mina-sidor)\n"
                         "2. Välj <script>alert(1)</script>\n\n<img src=x onerror=alert(1)> javascript:alert(1)"))
    assert "<ol><li>Logga in på <a href=\"https://www.lulea.se/mina-sidor\">Mina sidor</a></li>" in html
    assert "<li>Välj &lt;script&gt;alert(1)&lt;/script&gt;</li></ol>" in html
    assert "<img" not in html and "<script" not in html and 'href="javascript' not in html
    assert html.startswith("<p>Så här gör du:</p>")


def test_editor_overview_lists_own_answers_drafts_and_those_due(setup):
    due = services.create_answer(BUILDING_EDITOR, fields(setup, review_by=date(2026, 3, 20)), NOW,
                                 status="published")
    draft = services.create_answer(BUILDING_EDITOR, fields(setup, question="Hur lång tid tar ett bygglov?"), NOW)
    services.create_answer(SOCIAL_EDITOR, fields(setup, unit_id=setup.social), NOW)
    overview = services.editor_overview(BUILDING_EDITOR, date(2026, 3, 2))
    assert {a.id for a in overview.answers} == {due.id, draft.id}
    assert overview.drafts == [draft] and overview.due == [due]
    assert services.editor_overview(AGENT, date(2026, 3, 2)).answers == []
    assert len(services.editor_overview(ADMIN, date(2026, 3, 2)).answers) == 3


def test_stale_means_past_the_review_date(setup):
    answer = services.create_answer(BUILDING_EDITOR, fields(setup, review_by=date(2026, 4, 1)), NOW)
    assert not services.is_stale(answer, date(2026, 4, 1)) and services.is_stale(answer, date(2026, 4, 2))
    stale = services.list_answers(services.AnswerFilter(stale=True), date(2026, 4, 2))
    assert stale == [answer] and services.list_answers(services.AnswerFilter(stale=True), date(2026, 4, 1)) == []

"""Opt-out cases kept as a registrar keeps them: labelled attachments in every state, never removed,
no duplicates; the received (inkom) date; Kundweb's own case numbers and the municipality's diarienummer."""
import io
import os
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from kundweb.audit.models import AuditEvent
from kundweb.companies import services
from kundweb.companies.models import CaseAttachment
from kundweb.extensions import db
from kundweb.hours.calendar import STOCKHOLM
from tests.companies_helpers import ADMIN, case_in, company, local, pdf, submit, today
from tests.conftest import csrf_token

HOUSING = services.CompanyInput("Lulebo AB", "556012-3456", "0920-23 50 00", "kundcenter@lulebo.demo",
                                "www.lulebo.demo", ("Hyresrätter",))
SIGNED = b"%PDF-1.4\nbeslut, underskrivet av kommundirektoren\n"


@pytest.fixture(autouse=True)
def attachment_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "COMPANY_ATTACHMENT_DIR", str(tmp_path / "bilagor"))
    return tmp_path / "bilagor"


def _case_input(received_on=None, diary_number="", requested_from=None):
    return services.CaseInput("Egen kundtjänst.", requested_from or today() + timedelta(days=30), received_on,
                              diary_number)


# --- Attachments ---------------------------------------------------------------------------------

@pytest.mark.parametrize("state", list(services.TRANSITIONS))
def test_a_labelled_attachment_can_be_added_in_every_state(app, app_context, state):
    case = case_in(state)
    services.add_attachments(ADMIN, case.id, [pdf("Beslut underskrivet.pdf", SIGNED)], "decision")
    case = services.get_case(case.id)
    assert case.state == state  # adding a file moves nothing
    [attachment] = case.attachments
    assert (attachment.filename, attachment.label, attachment.label_text) == ("Beslut underskrivet.pdf", "decision",
                                                                              "Beslut")
    assert case.events[-1].action == "attachment_added" and case.events[-1].details["label"] == "decision"
    audited = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "company.case_attachment_added")
                                 .order_by(AuditEvent.id.desc())).first()
    assert audited.details["label"] == "decision" and audited.details["filename"] == "Beslut underskrivet.pdf"


def test_files_handed_in_with_the_submission_are_the_request(app, app_context):
    case = submit(company().id, uploads=[pdf()])
    assert [a.label for a in case.attachments] == ["request"]


@pytest.mark.parametrize("state, label", [("submitted", "request"), ("prepared", "assessment"),
                                          ("approved", "decision"), ("effective", "decision"),
                                          ("rejected", "decision"), ("withdrawn", "other")])
def test_the_form_suggests_what_a_file_added_now_most_likely_is(app, app_context, state, label):
    assert services.default_attachment_label(case_in(state)) == label


@pytest.mark.parametrize("label", ["", "beslut", None])
def test_an_attachment_needs_a_known_label(app, app_context, label, attachment_dir):
    case = case_in("approved")
    with pytest.raises(services.InvalidInput) as refused:
        services.add_attachments(ADMIN, case.id, [pdf()], label)
    assert refused.value.field_errors["label"].startswith("Välj vad bilagan är")
    assert services.get_case(case.id).attachments == []
    assert not attachment_dir.exists() or os.listdir(attachment_dir) == []


def test_attachments_are_never_changed_or_removed_not_even_by_hand_in_the_database(app, app_context):
    case = submit(company().id, uploads=[pdf()])
    attachment_id = case.attachments[0].id
    db.session.commit()
    for statement in (f"UPDATE company_case_attachment SET label = 'other' WHERE id = {attachment_id}",
                      f"DELETE FROM company_case_attachment WHERE id = {attachment_id}"):
        with pytest.raises(IntegrityError):
            db.session.execute(text(statement))
        db.session.rollback()
    assert db.session.get(CaseAttachment, attachment_id).label == "request"
    # ... and no page removes one: the only routes under a case's attachments add or download.
    rules = [rule for rule in app.url_map.iter_rules() if "/bilagor" in rule.rule]
    assert {(rule.endpoint, frozenset(rule.methods - {"HEAD", "OPTIONS"})) for rule in rules} == {
        ("companies.attach", frozenset({"POST"})), ("companies.attachment", frozenset({"GET"}))}


def test_the_same_file_twice_on_a_case_is_refused_naming_the_earlier_attachment(app, app_context, attachment_dir):
    case = submit(company().id, uploads=[pdf("Skrivelse.pdf")])
    kept = os.listdir(attachment_dir)
    events = len(case.events)
    with pytest.raises(services.InvalidInput) as refused:
        services.add_attachments(ADMIN, case.id, [pdf("Skrivelse (kopia).pdf")], "other")
    message = refused.value.field_errors["files"]
    assert message.startswith("Skrivelse (kopia).pdf finns redan i ärendet: samma innehåll som bilagan "
                              "Skrivelse.pdf (ansökan), tillagd ")
    assert "av david" in message
    db.session.expire_all()
    case = services.get_case(case.id)
    assert [a.filename for a in case.attachments] == ["Skrivelse.pdf"] and len(case.events) == events
    assert os.listdir(attachment_dir) == kept  # the refused copy is not left on disk


def test_the_same_file_twice_in_one_upload_is_refused(app, app_context, attachment_dir):
    case = case_in("approved")
    with pytest.raises(services.InvalidInput, match="samma innehåll som a.pdf i samma uppladdning"):
        services.add_attachments(ADMIN, case.id, [pdf("a.pdf", SIGNED), pdf("b.pdf", SIGNED)], "decision")
    assert services.get_case(case.id).attachments == []
    assert not attachment_dir.exists() or os.listdir(attachment_dir) == []


def test_a_different_file_is_kept(app, app_context):
    case = submit(company().id, uploads=[pdf()])
    services.add_attachments(ADMIN, case.id, [pdf("Beslut.pdf", SIGNED)], "decision")
    assert [a.label for a in services.get_case(case.id).attachments] == ["request", "decision"]


# --- The received (inkom) date ---------------------------------------------------------------------

def test_the_received_date_defaults_to_today(app, app_context):
    case = services.submit_case(ADMIN, company().id, _case_input())
    assert case.received_on == today()


def test_a_received_date_in_the_future_is_refused(app, app_context):
    registered = company()
    with pytest.raises(services.InvalidInput) as refused:
        services.submit_case(ADMIN, registered.id, _case_input(received_on=today() + timedelta(days=1)))
    assert refused.value.field_errors == {"received_on": "Inkomstdatumet kan inte vara i framtiden."}
    assert registered.cases == []


def test_a_letter_typed_in_late_carries_its_real_date_and_an_earlier_decision(app, app_context):
    """Came by post on the 1st, typed in on the 20th, decided on the 10th (registered here afterwards)."""
    first, typed_in = today() - timedelta(days=30), today() - timedelta(days=11)
    case = services.submit_case(ADMIN, company().id, _case_input(received_on=first, requested_from=typed_in),
                                now=local(typed_in))
    assert case.received_on == first and services.local_today(case.submitted_at) == typed_in
    services.prepare_case(ADMIN, case.id, "Bifall.", now=local(typed_in, time(11)))
    decided = first + timedelta(days=9)
    services.decide_case(ADMIN, case.id, services.DecisionInput("approved", decided, "KLF 2026/12", "Karin Berglund",
                                                                typed_in), now=local(typed_in, time(12)))
    case = services.get_case(case.id)
    assert (case.state, case.decision_date) == ("approved", decided)
    assert case.events[0].details["received_on"] == first.isoformat()


def test_a_decision_before_the_case_came_in_is_refused(app, app_context):
    received = today() - timedelta(days=5)
    case = services.submit_case(ADMIN, company().id, _case_input(received_on=received))
    services.prepare_case(ADMIN, case.id, "Bifall.")
    with pytest.raises(services.InvalidInput) as refused:
        services.decide_case(ADMIN, case.id, services.DecisionInput(
            "rejected", received - timedelta(days=1), "KLF 1", "Karin Berglund"))
    assert refused.value.field_errors == {
        "decision_date": f"Beslutet kan inte vara fattat innan ärendet kom in ({received.isoformat()})."}
    assert services.get_case(case.id).state == "prepared"


def test_editing_can_correct_the_received_date_but_not_past_the_day_it_was_registered(app, app_context):
    registered_on = today() - timedelta(days=3)
    case = services.submit_case(ADMIN, company().id, _case_input(), now=local(registered_on))
    assert case.received_on == registered_on
    services.edit_case(ADMIN, case.id, _case_input(received_on=registered_on - timedelta(days=4),
                                                   requested_from=case.requested_from, diary_number="KS 2026/0123"))
    case = services.get_case(case.id)
    assert case.received_on == registered_on - timedelta(days=4) and case.diary_number == "KS 2026/0123"
    assert case.events[-1].details["after"]["received_on"] == (registered_on - timedelta(days=4)).isoformat()
    with pytest.raises(services.InvalidInput, match=f"registrerades {registered_on.isoformat()}"):
        services.edit_case(ADMIN, case.id, _case_input(received_on=registered_on + timedelta(days=1),
                                                       requested_from=case.requested_from))


# --- Case numbers and diarienummer ------------------------------------------------------------------

def test_case_numbers_count_per_year_from_one_and_are_never_reused(app, app_context):
    energy, housing = company(), company(HOUSING)
    year = today().year
    first = services.submit_case(ADMIN, energy.id, _case_input())
    second = services.submit_case(ADMIN, housing.id, _case_input())
    assert (first.case_number, second.case_number) == (f"UT-{year}-0001", f"UT-{year}-0002")
    services.withdraw_case(ADMIN, first.id, "Bolaget drog tillbaka begäran.")
    third = services.submit_case(ADMIN, energy.id, _case_input())
    assert third.case_number == f"UT-{year}-0003"  # a withdrawn case keeps its number
    services.edit_case(ADMIN, third.id, _case_input(diary_number="KS 1", requested_from=third.requested_from))
    assert services.get_case(third.id).case_number == f"UT-{year}-0003"  # stable


def test_a_failed_submission_gives_its_number_back(app, app_context):
    registered = company()
    year = today().year
    with pytest.raises(services.InvalidInput):  # a file that is not what its name says
        services.submit_case(ADMIN, registered.id, _case_input(), [pdf("skrivelse.pdf", b"<html>")])
    assert services.case_list() == []
    assert services.submit_case(ADMIN, registered.id, _case_input()).case_number == f"UT-{year}-0001"


def test_a_new_year_starts_at_one(app, app_context):
    energy, housing = company(), company(HOUSING)
    new_year = datetime(today().year + 1, 1, 1, 0, 30, tzinfo=STOCKHOLM)
    services.submit_case(ADMIN, energy.id, _case_input(), now=local(today()))
    case = services.submit_case(ADMIN, housing.id, _case_input(received_on=new_year.date(),
                                                               requested_from=new_year.date()), now=new_year)
    assert case.case_number == f"UT-{new_year.year}-0001"


def test_the_database_refuses_a_counter_that_jumps(app, app_context):
    services.submit_case(ADMIN, company().id, _case_input())
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE company_case_counter SET last_number = last_number + 5"))
    db.session.rollback()


@pytest.mark.parametrize("query, found", [
    ("KS 2026/0123", ["Luleå Energi AB"]), ("ks2026/0123", ["Luleå Energi AB"]), (" 2026/01 ", ["Luleå Energi AB"]),
    ("KS 2026/04", ["Lulebo AB"]), ("KS", ["Lulebo AB", "Luleå Energi AB"]), ("lulebo", ["Lulebo AB"]),
    ("UT-{year}-0001", ["Luleå Energi AB"]), ("ut-{year}-2", ["Lulebo AB"]), ("%", []), ("_", []),
    ("", ["Lulebo AB", "Luleå Energi AB"]),
])
def test_cases_are_found_by_diarienummer_case_number_or_company(app, app_context, query, found):
    energy = services.submit_case(ADMIN, company().id, _case_input(diary_number="  KS  2026/0123 "))
    services.submit_case(ADMIN, company(HOUSING).id, _case_input(diary_number="KS 2026/0456"))
    assert energy.diary_number == "KS 2026/0123"  # as the diarium writes it, spaces tidied
    hits = services.case_list(query.format(year=today().year))
    assert [case.company.name for case in hits] == found


def test_a_diarienummer_over_100_characters_is_refused(app, app_context):
    with pytest.raises(services.InvalidInput) as refused:
        services.submit_case(ADMIN, company().id, _case_input(diary_number="KS " + "1" * 100))
    assert refused.value.field_errors == {"diary_number": "Diarienumret får vara högst 100 tecken."}


# --- The pages ----------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["employee", "agent", "communicator"])
def test_only_admins_see_the_case_list_or_add_attachments(app, client, login_as, role):
    with app.app_context():
        case_id = case_in("approved").id
    login_as(role)
    token = csrf_token(client, "/start/" + role)
    assert client.get("/admin/bolag/arenden?q=KS").status_code == 403
    response = client.post(f"/admin/bolag/arenden/{case_id}/bilagor",
                           data={"csrf_token": token, "attach-label": "decision",
                                 "attach-files": [(io.BytesIO(SIGNED), "Beslut.pdf")]})
    assert response.status_code == 403
    with app.app_context():
        assert services.get_case(case_id).attachments == []


def test_the_case_list_page_finds_a_diarienummer(app, client, login_as):
    with app.app_context():
        services.submit_case(ADMIN, company().id, _case_input(diary_number="KS 2026/0123"))
        services.submit_case(ADMIN, company(HOUSING).id, _case_input(diary_number="KS 2026/0456"))
    login_as("admin")
    html = client.get("/admin/bolag/arenden?q=ks+2026%2F0123").get_data(as_text=True)
    assert "KS 2026/0123" in html and "Luleå Energi AB" in html and "Lulebo AB" not in html
    assert f"UT-{today().year}-0001" in html
    assert "Inga ärenden matchar ”KS 9999”." in client.get("/admin/bolag/arenden?q=KS 9999").get_data(as_text=True)


def test_the_signed_decision_is_attached_on_the_page_after_the_decision(app, client, login_as):
    with app.app_context():
        case_id = case_in("effective").id
    login_as("admin")
    page = client.get(f"/admin/bolag/arenden/{case_id}").get_data(as_text=True)
    assert "Lägg till bilagor" in page and '<option selected value="decision">Beslut</option>' in page
    token = csrf_token(client, f"/admin/bolag/arenden/{case_id}")
    response = client.post(f"/admin/bolag/arenden/{case_id}/bilagor",
                           data={"csrf_token": token, "attach-label": "decision",
                                 "attach-files": [(io.BytesIO(SIGNED), "Beslut underskrivet.pdf")]})
    assert response.status_code == 302
    page = client.get(f"/admin/bolag/arenden/{case_id}").get_data(as_text=True)
    assert "Bilagorna är sparade." in page and "Beslut underskrivet.pdf" in page
    response = client.post(f"/admin/bolag/arenden/{case_id}/bilagor",
                           data={"csrf_token": token, "attach-label": "other",
                                 "attach-files": [(io.BytesIO(SIGNED), "Kopia.pdf")]})
    assert response.status_code == 400
    assert "Kopia.pdf finns redan i ärendet: samma innehåll som bilagan Beslut underskrivet.pdf (beslut)" in \
        response.get_data(as_text=True)


def test_the_new_case_form_takes_the_received_date_and_diarienummer(app, client, login_as):
    with app.app_context():
        company_id = company().id
    login_as("admin")
    form_page = client.get(f"/admin/bolag/{company_id}/arenden/nytt").get_data(as_text=True)
    assert f'value="{today().isoformat()}"' in form_page  # Inkom: today unless changed
    token = csrf_token(client, f"/admin/bolag/{company_id}/arenden/nytt")
    response = client.post(f"/admin/bolag/{company_id}/arenden/nytt", data={
        "csrf_token": token, "reasons": "x", "received_on": (today() + timedelta(days=1)).isoformat(),
        "requested_from": (today() + timedelta(days=30)).isoformat()})
    assert response.status_code == 400
    assert "Inkomstdatumet kan inte vara i framtiden." in response.get_data(as_text=True)
    received = today() - timedelta(days=6)
    response = client.post(f"/admin/bolag/{company_id}/arenden/nytt", data={
        "csrf_token": token, "reasons": "Egen kundtjänst.", "received_on": received.isoformat(),
        "diary_number": "KS 2026/0123", "requested_from": (today() + timedelta(days=30)).isoformat()})
    assert response.status_code == 302
    with app.app_context():
        [case] = services.case_list()
        assert (case.received_on, case.diary_number) == (received, "KS 2026/0123")

"""Proposals to Kunskapsbanken as services: both kinds, routed to the owner's editors, queues, decisions, refusals."""
from datetime import timedelta

import pytest

from kundweb.answers import proposals
from kundweb.answers.models import AnswerProposal
from kundweb.answers.outbox import AnswerMail
from kundweb.audit.models import AuditEvent
from kundweb.audit.services import Actor
from kundweb.companies.models import Company
from kundweb.database import utcnow
from kundweb.extensions import db
from tests.answers_flow_helpers import (ADMIN, AGENT, BUILDING, EGON, ELSA, SOCIAL, departments_with_editors,
                                        make_answer, open_session)
from tests.companies_helpers import company
from tests.directory_helpers import add_person


@pytest.fixture
def people(app_context):
    return departments_with_editors()


def _unit_key(person):
    return f"unit-{person.unit_id}"


def _mailed(proposal):
    return sorted(mail.email for mail in db.session.scalars(db.select(AnswerMail).filter_by(proposal_id=proposal.id)))


def _events(action):
    return db.session.scalars(db.select(AuditEvent).filter_by(action=action).order_by(AuditEvent.id)).all()


def test_a_missing_answer_goes_to_the_chosen_departments_editors_only(people):
    proposal = proposals.propose_missing(AGENT, "  Hur långt från tomtgränsen får jag bygga ett plank?  ",
                                         _unit_key(people["elsa"]), None, utcnow())
    assert (proposal.kind, proposal.state, proposal.proposed_by) == ("missing", "open", "bertil")
    assert proposal.text == "Hur långt från tomtgränsen får jag bygga ett plank?"
    assert proposal.unit_id == people["elsa"].unit_id and proposal.company_id is None
    assert _mailed(proposal) == ["elsa@kundweb.demo"]  # not Egon (social), not the admin
    mail = db.session.scalars(db.select(AnswerMail)).one()
    assert "plank" in mail.body and "Bertil Öberg" in mail.body and BUILDING in mail.body
    event = _events("answer.proposed")[0]
    assert event.actor == "bertil" and event.details["mailed_to"] == ["elsa"] and not event.details["to_admins"]


def test_an_error_in_an_answer_goes_to_that_answers_owners_editors(people):
    answer = make_answer(people["egon"], "Hur ansöker jag om ekonomiskt bistånd?")
    proposal = proposals.propose_correction(AGENT, answer.id, "Blanketten har flyttat till e-tjänsten.", None,
                                            utcnow())
    assert (proposal.kind, proposal.answer_id, proposal.unit_id) == ("error", answer.id, people["egon"].unit_id)
    assert _mailed(proposal) == ["egon@kundweb.demo"]
    assert "ekonomiskt bistånd" in db.session.scalars(db.select(AnswerMail)).one().subject


def test_a_company_answer_goes_to_the_editor_whose_unit_carries_the_companys_name(people):
    energy = company()
    add_person("greta", "Greta Energi", department=energy.name)
    open_session("greta", {"employee", "editor"})
    answer = make_answer(None, "Varför är fjärrvärmen avstängd?", company_id=energy.id)
    proposal = proposals.propose_correction(AGENT, answer.id, "Fel telefonnummer till felanmälan.", None, utcnow())
    assert proposal.company_id == energy.id and _mailed(proposal) == ["greta@kundweb.demo"]
    missing = proposals.propose_missing(AGENT, "Vad kostar en laddbox?", f"company-{energy.id}", None, utcnow())
    assert _mailed(missing) == ["greta@kundweb.demo"]


def test_a_proposal_whose_owner_has_no_known_editor_goes_to_the_admins(people):
    lonely = add_person("ove", "Ove Kultur", department="Kulturförvaltningen")
    proposal = proposals.propose_missing(AGENT, "När öppnar badhuset?", _unit_key(lonely), None, utcnow())
    assert _mailed(proposal) == ["david@kundweb.demo"]
    assert _events("answer.proposed")[0].details["to_admins"] is True


def test_an_editor_whose_latest_session_lost_the_role_is_not_mailed(people):
    open_session("elsa", {"employee"}, seen=utcnow() + timedelta(seconds=1))  # AD took the group away
    proposal = proposals.propose_missing(AGENT, "Får jag elda i trädgården?", _unit_key(people["elsa"]), None,
                                         utcnow())
    assert _mailed(proposal) == ["david@kundweb.demo"]


def test_each_editor_sees_the_open_proposals_of_their_own_scope_and_the_admin_all(people):
    now = utcnow()
    building = proposals.propose_missing(AGENT, "Bygglov för carport?", _unit_key(people["elsa"]), None, now)
    social = proposals.propose_missing(AGENT, "Hjälp med hyran?", _unit_key(people["egon"]), None,
                                       now + timedelta(minutes=1))
    assert proposals.queue_for(ELSA) == [building]
    assert proposals.queue_for(EGON) == [social]
    assert proposals.queue_for(ADMIN) == [building, social]
    assert proposals.queue_for(AGENT) == []
    proposals.reject(ELSA, building.id, "Finns redan: sök på 'carport'.", now)
    assert proposals.queue_for(ELSA) == [] and proposals.queue_for(ADMIN) == [social]


def test_accepting_names_the_answer_written_and_the_agent_sees_what_became_of_each(people):
    now = utcnow()
    first = proposals.propose_missing(AGENT, "Bygglov för carport?", _unit_key(people["elsa"]), None, now)
    second = proposals.propose_missing(AGENT, "Bygglov för pool?", _unit_key(people["elsa"]), None,
                                       now + timedelta(minutes=1))
    written = make_answer(people["elsa"], "Behöver jag bygglov för en carport?", status="draft")
    assert proposals.answers_to_link(first) == [written]
    proposals.accept(ELSA, first.id, "Nu finns ett svar.", written.id, now + timedelta(hours=1))
    proposals.reject(ELSA, second.id, "Pooler kräver sällan bygglov; vi hänvisar till webben.", now + timedelta(hours=2))
    mine = proposals.proposals_of(AGENT)
    assert [(p.text, p.state, p.response, p.handled_by) for p in mine] == [
        ("Bygglov för pool?", "rejected", "Pooler kräver sällan bygglov; vi hänvisar till webben.", "elsa"),
        ("Bygglov för carport?", "accepted", "Nu finns ett svar.", "elsa"),
    ]
    assert mine[1].answer_id == written.id
    assert [e.object_id for e in _events("answer.proposal_accepted")] == [str(first.id)]
    assert [e.object_id for e in _events("answer.proposal_rejected")] == [str(second.id)]
    assert proposals.proposals_of(Actor("erik", frozenset({"agent"}))) == []


def test_an_editor_of_another_department_is_refused_and_it_is_audited(people):
    proposal = proposals.propose_missing(AGENT, "Bygglov för carport?", _unit_key(people["elsa"]), None, utcnow())
    for decide in (lambda: proposals.accept(EGON, proposal.id, "", None, utcnow()),
                   lambda: proposals.reject(EGON, proposal.id, "Nej.", utcnow()),
                   lambda: proposals.accept(AGENT, proposal.id, "", None, utcnow())):
        with pytest.raises(proposals.OutsideScope):
            decide()
    assert db.session.get(AnswerProposal, proposal.id).state == "open"
    denied = _events("access.denied")
    assert [(e.actor, e.object_type, e.object_id) for e in denied] == [
        ("egon", "answer_proposal", str(proposal.id)), ("egon", "answer_proposal", str(proposal.id)),
        ("bertil", "answer_proposal", str(proposal.id))]


def test_only_agents_and_admins_propose(people):
    for actor in (Actor("cecilia", frozenset({"employee", "communicator"})), EGON):
        with pytest.raises(proposals.OutsideScope):
            proposals.propose_missing(actor, "Fråga?", _unit_key(people["elsa"]), None, utcnow())
    assert proposals.propose_missing(ADMIN, "Fråga om bygglov?", _unit_key(people["elsa"]), None, utcnow()).id


@pytest.mark.parametrize("question, owner, enquiry_id, field", [
    ("   ", "elsa", None, "text"),
    ("x" * 2001, "elsa", None, "text"),
    ("Bygglov?", "", None, "owner"),
    ("Bygglov?", "unit-999999", None, "owner"),
    ("Bygglov?", "company-999999", None, "owner"),
    ("Bygglov?", "nonsense", None, "owner"),
    ("Bygglov?", "elsa", 999999, "enquiry"),
])
def test_a_bad_missing_answer_proposal_is_refused_in_swedish_and_nothing_is_saved(people, question, owner,
                                                                                  enquiry_id, field):
    key = _unit_key(people[owner]) if owner in people else owner
    with pytest.raises(proposals.ProposalError) as refused:
        proposals.propose_missing(AGENT, question, key, enquiry_id, utcnow())
    assert field in refused.value.field_errors
    assert db.session.scalar(db.select(db.func.count()).select_from(AnswerProposal)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(AnswerMail)) == 0


def test_a_correction_needs_an_existing_answer_and_a_text(people):
    answer = make_answer(people["elsa"])
    with pytest.raises(proposals.ProposalNotFound):
        proposals.propose_correction(AGENT, 999999, "Fel.", None, utcnow())
    with pytest.raises(proposals.ProposalError, match="Skriv vad som är fel"):
        proposals.propose_correction(AGENT, answer.id, "  ", None, utcnow())
    assert db.session.scalar(db.select(db.func.count()).select_from(AnswerProposal)) == 0


def test_a_decision_is_made_once_and_a_rejection_needs_a_word_back(people):
    proposal = proposals.propose_missing(AGENT, "Bygglov för carport?", _unit_key(people["elsa"]), None, utcnow())
    with pytest.raises(proposals.ProposalError, match="Skriv ett besked"):
        proposals.reject(ELSA, proposal.id, "  ", utcnow())
    other = make_answer(people["egon"], "Hjälp med hyran?")
    with pytest.raises(proposals.ProposalError, match="Välj ett svar"):
        proposals.accept(ELSA, proposal.id, "", other.id, utcnow())  # another department's answer
    assert db.session.get(AnswerProposal, proposal.id).state == "open"
    proposals.accept(ELSA, proposal.id, "", None, utcnow())
    with pytest.raises(proposals.ProposalError, match="redan hanterat"):
        proposals.reject(ADMIN, proposal.id, "Nej.", utcnow())
    with pytest.raises(proposals.ProposalNotFound):
        proposals.accept(ADMIN, 999999, "", None, utcnow())


def test_owner_choices_list_departments_then_companies(people):
    energy = company()
    choices = proposals.owner_choices()
    assert (f"company-{energy.id}", "Luleå Energi AB (bolag)") == choices[-1]
    assert (_unit_key(people["egon"]), SOCIAL) in choices
    assert db.session.get(Company, energy.id) is not None

"""Agents' proposals to Kunskapsbanken (R-KB-2): a missing answer or an error in one, for the owner's editors.

A proposal goes to the editors who keep its owner's answers (the answer's department or
company, or the one the agent chose): they see it in their queue and are e-mailed through
the outbox. They accept it (naming the answer they wrote or changed, if they like) or
reject it with a word back; the agent follows each in "Mina förslag". Every change is
audited; handling a proposal outside one's scope is refused and audited.
"""
from dataclasses import dataclass

from sqlalchemy import or_, select

from kundweb.answers import editors, outbox
from kundweb.answers.access import editor_scope
from kundweb.answers.models import Answer, AnswerProposal
from kundweb.audit import services as audit
from kundweb.auth.models import UserSession
from kundweb.companies.models import Company
from kundweb.directory.models import Unit
from kundweb.enquiries.models import Enquiry
from kundweb.extensions import db
from kundweb.external_urls import external_url

MAX_TEXT = 2000
MAX_RESPONSE = 1000


class ProposalError(Exception):
    """A proposal or decision that cannot be saved; the message is Swedish, for the user."""

    def __init__(self, message, field_errors=None):
        super().__init__(message)
        self.field_errors = field_errors or {}


class ProposalNotFound(Exception):
    """No such proposal (or answer)."""


class OutsideScope(Exception):
    """The actor may not handle this proposal: it belongs to another department's editors."""


@dataclass(frozen=True)
class Owner:
    """A department (directory unit) or a municipal company, as chosen in a form: "unit-3" or "company-7"."""

    unit_id: int | None = None
    company_id: int | None = None

    @property
    def key(self):
        return f"unit-{self.unit_id}" if self.unit_id is not None else f"company-{self.company_id}"

    @classmethod
    def parse(cls, key):
        kind, _, number = (key or "").partition("-")
        if kind not in ("unit", "company") or not number.isdigit():
            return None
        return cls(unit_id=int(number)) if kind == "unit" else cls(company_id=int(number))


def owner_choices():
    """(key, label) of every department and company an answer can belong to, departments first."""
    units = _rows(select(Unit.id, Unit.name).order_by(Unit.name))
    companies = _rows(select(Company.id, Company.name).order_by(Company.name))
    return ([(Owner(unit_id=row.id).key, row.name) for row in units]
            + [(Owner(company_id=row.id).key, f"{row.name} (bolag)") for row in companies])


def owner_name(unit_id, company_id):
    """The department's or company's name, for pages and e-mails."""
    if unit_id is not None:
        return db.session.scalar(select(Unit.name).where(Unit.id == unit_id)) or "okänd förvaltning"
    return db.session.scalar(select(Company.name).where(Company.id == company_id)) or "okänt bolag"


def propose_missing(actor, question, owner_key, enquiry_id, now):
    """"Saknas svar": a question with no answer yet, for the chosen owner's editors.

    Raises ProposalError (no question, unknown owner or enquiry).
    """
    _require_proposer(actor)
    text = _clean(question, MAX_TEXT)
    errors = {}
    if not text:
        errors["text"] = "Skriv frågan som saknar svar."
    elif len(question.strip()) > MAX_TEXT:
        errors["text"] = f"Högst {MAX_TEXT} tecken."
    owner = Owner.parse(owner_key)
    if owner is None or not _owner_exists(owner):
        errors["owner"] = "Välj förvaltning eller bolag ur listan."
    if enquiry_id is not None and db.session.get(Enquiry, enquiry_id) is None:
        errors["enquiry"] = "Ärendet finns inte."
    if errors:
        raise ProposalError(next(iter(errors.values())), errors)
    return _save(actor, AnswerProposal(kind="missing", unit_id=owner.unit_id, company_id=owner.company_id,
                                       enquiry_id=enquiry_id, text=text), now)


def propose_correction(actor, answer_id, what_is_wrong, enquiry_id, now):
    """"Fel i svaret": what is wrong in an answer, for its owner's editors.

    Raises ProposalNotFound (no such answer) or ProposalError (no text, unknown enquiry).
    """
    _require_proposer(actor)
    answer = db.session.get(Answer, answer_id) if answer_id is not None else None
    if answer is None:
        raise ProposalNotFound()
    text = _clean(what_is_wrong, MAX_TEXT)
    if not text:
        raise ProposalError("Skriv vad som är fel i svaret.", {"text": "Skriv vad som är fel i svaret."})
    if len(what_is_wrong.strip()) > MAX_TEXT:
        raise ProposalError(f"Högst {MAX_TEXT} tecken.", {"text": f"Högst {MAX_TEXT} tecken."})
    if enquiry_id is not None and db.session.get(Enquiry, enquiry_id) is None:
        raise ProposalError("Ärendet finns inte.", {"enquiry": "Ärendet finns inte."})
    return _save(actor, AnswerProposal(kind="error", answer_id=answer.id, unit_id=answer.unit_id,
                                       company_id=answer.company_id, enquiry_id=enquiry_id, text=text), now)


def queue_for(actor):
    """The open proposals `actor` handles: their scope's as an editor, all as an admin; oldest first."""
    scope = editor_scope(actor)
    if scope.empty:
        return []
    statement = select(AnswerProposal).where(AnswerProposal.state == "open")
    if not scope.everything:
        statement = statement.where(_in_scope(scope))
    return db.session.scalars(statement.order_by(AnswerProposal.proposed_at, AnswerProposal.id)).all()


def proposals_of(actor):
    """The actor's own proposals, newest first, with what became of each."""
    return db.session.scalars(select(AnswerProposal).where(AnswerProposal.proposed_by == actor.username)
                              .order_by(AnswerProposal.proposed_at.desc(), AnswerProposal.id.desc())).all()


def answers_to_link(proposal):
    """The answers an editor can name when accepting `proposal`: its owner's, not archived, by question."""
    return db.session.scalars(select(Answer).where(
        Answer.unit_id == proposal.unit_id if proposal.unit_id is not None else Answer.company_id == proposal.company_id,
        Answer.status != "archived").order_by(Answer.question)).all()


def accept(actor, proposal_id, response, answer_id, now):
    """Mark the proposal done, optionally naming the answer written or changed for it.

    Raises ProposalNotFound, OutsideScope (audited) or ProposalError (already handled,
    an answer of another owner, a too long word back).
    """
    proposal = _handleable(actor, proposal_id, now)
    text = _checked_response(response, required=False)
    if answer_id is not None:
        answer = db.session.get(Answer, answer_id)
        if answer is None or (answer.unit_id, answer.company_id) != (proposal.unit_id, proposal.company_id):
            raise ProposalError("Välj ett svar ur listan.", {"answer_id": "Välj ett svar ur listan."})
        proposal.answer_id = answer.id
    return _decide(actor, proposal, "accepted", text, now)


def reject(actor, proposal_id, response, now):
    """Decline the proposal with a word back to the agent (required).

    Raises ProposalNotFound, OutsideScope (audited) or ProposalError.
    """
    proposal = _handleable(actor, proposal_id, now)
    text = _checked_response(response, required=True)
    return _decide(actor, proposal, "rejected", text, now)


def proposal_mail(proposal, proposer_name):
    """Subject and body of the e-mail to the editors about a new proposal."""
    owner = owner_name(proposal.unit_id, proposal.company_id)
    if proposal.kind == "missing":
        subject = "Förslag till Kunskapsbanken: saknas svar"
        about = "Det saknas ett svar på den här frågan:"
    else:
        answer = db.session.get(Answer, proposal.answer_id)
        subject = f"Förslag till Kunskapsbanken: fel i svaret ”{answer.question}”"[:300]
        about = f"Något är fel i svaret ”{answer.question}”:"
    lines = [
        "Hej!", "",
        f"{proposer_name} på Kundcenter har lämnat ett förslag till Kunskapsbanken för {owner}.", "",
        about, "", *(f"  {line}" for line in proposal.text.splitlines()), "",
        f"Ta ställning till förslaget i Kundweb: {external_url('answers.proposal_queue')}",
        "Agenten ser i Kundweb vad som blev av det.", "",
        "Hälsningar", "Kundcenter, Luleå kommun", "",
        "Det här är ett automatiskt meddelande till redaktörerna för Kunskapsbanken.",
    ]
    return subject, "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- helpers

def _rows(statement):
    return db.session.execute(statement).all()


def _require_proposer(actor):
    if not actor.has_role("agent"):
        raise OutsideScope()


def _clean(text, limit):
    return (text or "").strip()[:limit]


def _owner_exists(owner):
    model, key = (Unit, owner.unit_id) if owner.unit_id is not None else (Company, owner.company_id)
    return db.session.get(model, key) is not None


def _in_scope(scope):
    clauses = []
    if scope.unit_id is not None:
        clauses.append(AnswerProposal.unit_id == scope.unit_id)
    if scope.company_id is not None:
        clauses.append(AnswerProposal.company_id == scope.company_id)
    return or_(*clauses)


def _save(actor, proposal, now):
    """Store the proposal with its e-mails to the owner's editors (the admins if none is known), audited."""
    proposal.state, proposal.proposed_at, proposal.proposed_by = "open", now, actor.username
    db.session.add(proposal)
    db.session.flush()
    recipients = editors.editors_of(proposal.unit_id, proposal.company_id)
    to_admins = not recipients
    if to_admins:
        recipients = editors.admins()
    outbox.queue("proposal", recipients, *proposal_mail(proposal, _display_name(actor)), now,
                 proposal_id=proposal.id)
    audit.record("answer.proposed", actor, "answer_proposal", proposal.id,
                 {"kind": proposal.kind, "answer_id": proposal.answer_id, "unit_id": proposal.unit_id,
                  "company_id": proposal.company_id, "enquiry_id": proposal.enquiry_id,
                  "mailed_to": [username for username, _ in recipients], "to_admins": to_admins}, now)
    db.session.commit()
    return proposal


def _display_name(actor):
    name = db.session.scalar(select(UserSession.display_name).where(UserSession.username == actor.username)
                             .order_by(UserSession.last_seen_at.desc()).limit(1))
    return name or actor.username


def _handleable(actor, proposal_id, now):
    proposal = db.session.get(AnswerProposal, proposal_id)
    if proposal is None:
        raise ProposalNotFound()
    if not editor_scope(actor).covers(proposal.unit_id, proposal.company_id):
        audit.record("access.denied", actor, "answer_proposal", proposal.id,
                     {"reason": "outside editor scope", "unit_id": proposal.unit_id,
                      "company_id": proposal.company_id}, now)
        db.session.commit()
        raise OutsideScope()
    if proposal.state != "open":
        raise ProposalError("Förslaget är redan hanterat.")
    return proposal


def _checked_response(response, required):
    text = (response or "").strip()
    if required and not text:
        raise ProposalError("Skriv ett besked till den som föreslog.",
                            {"response": "Skriv ett besked till den som föreslog."})
    if len(text) > MAX_RESPONSE:
        raise ProposalError(f"Högst {MAX_RESPONSE} tecken.", {"response": f"Högst {MAX_RESPONSE} tecken."})
    return text or None


def _decide(actor, proposal, state, response, now):
    proposal.state, proposal.response = state, response
    proposal.handled_at, proposal.handled_by = now, actor.username
    action = "answer.proposal_accepted" if state == "accepted" else "answer.proposal_rejected"
    audit.record(action, actor, "answer_proposal", proposal.id,
                 {"kind": proposal.kind, "answer_id": proposal.answer_id, "proposed_by": proposal.proposed_by}, now)
    db.session.commit()
    return proposal


"""Proposals and the review cycle in Kunskapsbanken: the agents' form and list, the editors' queue and "Granskad"."""
from flask import abort, flash, make_response, redirect, request, url_for

from kundweb.answers import bp, proposals, review
from kundweb.answers.models import PROPOSAL_KINDS, PROPOSAL_STATES, Answer
from kundweb.answers.proposal_forms import DecisionForm, ProposalForm, ReviewedForm
from kundweb.auth.decorators import current_actor, role_required
from kundweb.database import utcnow
from kundweb.directory.models import Person
from kundweb.extensions import db
from kundweb.forms import select_choices
from kundweb.web import render, show_domain_error, wants_fragment

# The element a page gives the proposal form to appear in (see answers/proposals/_propose_link.html).
DIALOG = "proposal-dialog"


@bp.route("/kunskapsbanken/forslag/nytt", methods=["GET", "POST"])
@role_required("agent")
def propose():
    """"Saknas svar" (?arende=<enquiry id>) or, with ?svar=<answer id>, "Fel i svaret"."""
    form = ProposalForm()
    if not form.is_submitted():
        form.answer_id.data = _query_id("svar")
        form.enquiry_id.data = _query_id("arende")
    answer = _answer_or_404(form.int_or_none(form.answer_id))
    _prepare(form, answer)
    if form.validate_on_submit():
        try:
            proposal = _save_proposal(form, answer)
        except proposals.ProposalError as exc:
            show_domain_error(form, exc)
        else:
            if wants_fragment(DIALOG):
                response = make_response(render("answers/proposals/_sent.html", proposal=proposal,
                                                owner=_owner_label(proposal)))
                response.headers["HX-Trigger"] = "proposalSent"  # Mina förslag fetches its list again
                return response
            flash("Tack! Förslaget är skickat till redaktörerna. Du ser vad som händer med det här.", "success")
            return redirect(url_for("answers.my_proposals"))
    # htmx swaps no 4xx answer (base.html): in the dialog the form with its errors comes back as a 200.
    status = 400 if form.is_submitted() and not wants_fragment(DIALOG) else 200
    return render("answers/proposals/new.html", fragment="answers/proposals/_form.html", target=DIALOG,
                  form=form, answer=answer), status


@bp.route("/kunskapsbanken/mina-forslag")
@role_required("agent")
def my_proposals():
    mine = proposals.proposals_of(current_actor())
    return render("answers/proposals/mine.html", fragment="answers/proposals/_mine_list.html", target="my-proposals",
                  proposals=mine, **_labels(mine))


@bp.route("/kunskapsbanken/forslag")
@role_required("editor")
def proposal_queue():
    return _queue_page({})


@bp.route("/kunskapsbanken/forslag/<int:proposal_id>/genomfort", methods=["POST"])
@role_required("editor")
def accept_proposal(proposal_id):
    form = DecisionForm(prefix=f"p{proposal_id}")
    return _decide(proposal_id, form, lambda: proposals.accept(
        current_actor(), proposal_id, form.response.data, form.linked_answer_id(), utcnow()),
        "Förslaget är markerat som genomfört. Den som föreslog ser det nu.")


@bp.route("/kunskapsbanken/forslag/<int:proposal_id>/avbojt", methods=["POST"])
@role_required("editor")
def reject_proposal(proposal_id):
    form = DecisionForm(prefix=f"p{proposal_id}")
    return _decide(proposal_id, form, lambda: proposals.reject(
        current_actor(), proposal_id, form.response.data, utcnow()),
        "Förslaget är avböjt. Den som föreslog ser ditt besked.")


@bp.route("/kunskapsbanken/granska")
@role_required("editor")
def review_due():
    due = review.due_for_review(current_actor(), utcnow())
    return render("answers/proposals/review_due.html", answers=due, form=ReviewedForm(),
                  owners={answer.id: proposals.owner_name(answer.unit_id, answer.company_id) for answer in due})


@bp.route("/kunskapsbanken/svar/<int:answer_id>/granskad", methods=["POST"])
@role_required("editor")
def mark_reviewed(answer_id):
    if not ReviewedForm().validate_on_submit():
        abort(400)
    try:
        answer = review.mark_reviewed(current_actor(), answer_id, utcnow())
    except review.AnswerNotFound:
        abort(404)
    except review.OutsideScope:
        abort(403)
    except review.NotReviewable as exc:
        flash(exc.message, "error")
    else:
        flash(f"”{answer.question}” är granskat. Nästa granskning senast {answer.review_by.isoformat()}.", "success")
    return redirect(url_for("answers.review_due"))


# --------------------------------------------------------------------------- helpers

def _query_id(name):
    value = request.args.get(name, "")
    return value if value.isdigit() else ""


def _answer_or_404(answer_id):
    if answer_id is None:
        return None
    answer = db.session.get(Answer, answer_id)
    if answer is None:
        abort(404)
    return answer


def _prepare(form, answer):
    if answer is not None:
        form.text.label.text = "Vad är fel i svaret?"
        form.text.description = "Skriv vad som är fel eller saknas, och vad som är rätt om du vet det."
    else:
        form.owner.choices = select_choices({"": "Välj …", **dict(proposals.owner_choices())})


def _save_proposal(form, answer):
    enquiry_id = form.int_or_none(form.enquiry_id)
    if answer is not None:
        return proposals.propose_correction(current_actor(), answer.id, form.text.data, enquiry_id, utcnow())
    return proposals.propose_missing(current_actor(), form.text.data, form.owner.data, enquiry_id, utcnow())


def _owner_label(proposal):
    return proposals.owner_name(proposal.unit_id, proposal.company_id)


def _labels(items):
    """What the proposal lists show beside each proposal: owner names and the answers they are about."""
    answer_ids = {p.answer_id for p in items if p.answer_id is not None}
    answers = {a.id: a for a in db.session.scalars(db.select(Answer).where(Answer.id.in_(answer_ids)))} \
        if answer_ids else {}
    owners = {p.id: _owner_label(p) for p in items}
    usernames = {p.proposed_by for p in items} | {p.handled_by for p in items if p.handled_by}
    names = dict(db.session.execute(db.select(Person.username, Person.display_name)
                                    .where(Person.username.in_(usernames))).all()) if usernames else {}
    return {"owners": owners, "answers": answers, "names": names, "kinds": PROPOSAL_KINDS, "states": PROPOSAL_STATES}


def _decision_form(proposal, form=None):
    form = form or DecisionForm(prefix=f"p{proposal.id}", formdata=None)
    form.answer_id.choices = select_choices({"": "Inget särskilt svar", **{
        str(answer.id): answer.question for answer in proposals.answers_to_link(proposal)}})
    if form.answer_id.data is None and proposal.answer_id is not None:
        form.answer_id.data = str(proposal.answer_id)
    return form


def _queue_page(failed_forms, status=200):
    queue = proposals.queue_for(current_actor())
    forms = {p.id: _decision_form(p, failed_forms.get(p.id)) for p in queue}
    return render("answers/proposals/queue.html", proposals=queue, forms=forms, **_labels(queue)), status


def _decide(proposal_id, form, action, success):
    if form.validate_on_submit():
        try:
            action()
        except proposals.ProposalNotFound:
            abort(404)
        except proposals.OutsideScope:
            abort(403)
        except proposals.ProposalError as exc:
            if not exc.field_errors:  # e.g. already handled: the proposal is no longer in the queue to show it at
                flash(str(exc), "error")
                return redirect(url_for("answers.proposal_queue"))
            show_domain_error(form, exc)
        else:
            flash(success, "success")
            return redirect(url_for("answers.proposal_queue"))
    return _queue_page({proposal_id: form}, status=400)

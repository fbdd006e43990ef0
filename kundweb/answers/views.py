"""The editors' pages for Kunskapsbanken: list, show, new/edit, history with diffs, publish/archive, import."""
from flask import abort, flash, redirect, request, url_for

from kundweb.answers import bp, imports, services
from kundweb.answers.access import may_edit
from kundweb.answers.forms import ActionForm, AnswerForm, ImportForm, links_text
from kundweb.answers.models import STATUSES, VISIBILITIES
from kundweb.auth.decorators import current_actor, role_required
from kundweb.database import utcnow
from kundweb.safe_markup import body_html
from kundweb.web import render, show_domain_error

# The service names the fields it checks by their column; the form by what the editor types.
FORM_FIELDS = {"responsible_id": "responsible", "unit_id": "owner", "company_id": "owner"}
IMPORT_OVERHEAD_BYTES = 64 * 1024


@bp.url_value_preprocessor
def limit_upload_size(endpoint, values):
    """The import's size limit, set before the CSRF check reads the body."""
    if endpoint == "answers.import_answers":
        request.max_content_length = imports.MAX_BYTES + IMPORT_OVERHEAD_BYTES


@bp.route("/kunskapsbanken")
@role_required("editor")
def index():
    today = services.local_today(utcnow())
    filters = services.AnswerFilter(status=request.args.get("status") or None, owner=request.args.get("agare") or None,
                                    category_id=services.parse_row_id(request.args.get("kategori")),
                                    stale=request.args.get("inaktuella") == "1", text=request.args.get("q") or None)
    answers = services.list_answers(filters, today)
    return render("answers/index.html", answers=answers, filters=filters, today=today,
                  names=services.names_for(answers), statuses=STATUSES, visibilities=VISIBILITIES,
                  owners=services.all_owner_choices(), categories=services.category_choices(),
                  is_stale=services.is_stale)


@bp.route("/kunskapsbanken/<int:answer_id>")
@role_required("editor")
def show(answer_id):
    answer = _get_or_404(answer_id)
    today = services.local_today(utcnow())
    return render("answers/show.html", answer=answer, names=services.names_for([answer]), today=today,
                  stale=services.is_stale(answer, today), may_edit=may_edit(current_actor(), answer),
                  action_form=ActionForm(), statuses=STATUSES, visibilities=VISIBILITIES, body_html=body_html)


@bp.route("/kunskapsbanken/nytt", methods=["GET", "POST"])
@role_required("editor")
def create():
    form = _answer_form(None)
    if form.validate_on_submit():
        try:
            answer = services.create_answer(current_actor(), _fields(form), utcnow())
        except services.NotAllowed:
            abort(403)
        except services.AnswerError as exc:
            _show_errors(form, exc)
        else:
            flash("Utkastet är sparat. Granska det och publicera när det är klart.", "success")
            return redirect(url_for("answers.show", answer_id=answer.id))
    return render("answers/edit.html", form=form, answer=None, colleagues=services.colleagues(current_actor())), (
        400 if form.is_submitted() else 200)


@bp.route("/kunskapsbanken/<int:answer_id>/andra", methods=["GET", "POST"])
@role_required("editor")
def edit(answer_id):
    answer = _get_or_404(answer_id)
    actor = current_actor()
    try:
        services.check_may_edit(actor, answer, "edit", utcnow())
    except services.NotAllowed:
        abort(403)
    form = _answer_form(answer)
    if form.validate_on_submit():
        try:
            expected = int(form.expected_version.data) if (form.expected_version.data or "").isdigit() else None
            services.update_answer(actor, answer, _fields(form), utcnow(), expected_version=expected)
        except services.NotAllowed:
            abort(403)
        except services.AnswerError as exc:
            _show_errors(form, exc)
        else:
            flash("Ändringen är sparad som en ny version.", "success")
            return redirect(url_for("answers.show", answer_id=answer.id))
    return render("answers/edit.html", form=form, answer=answer, colleagues=services.colleagues(actor)), (
        400 if form.is_submitted() else 200)


@bp.route("/kunskapsbanken/<int:answer_id>/historik")
@role_required("editor")
def history(answer_id):
    answer = _get_or_404(answer_id)
    versions = services.versions(answer)
    return render("answers/history.html", answer=answer, versions=versions,
                  diffs={v.number: services.version_diff(answer, v.number) for v in versions})


@bp.route("/kunskapsbanken/<int:answer_id>/publicera", methods=["POST"])
@role_required("editor")
def publish(answer_id):
    return _act(answer_id, services.publish_answer, "Svaret är publicerat.")


@bp.route("/kunskapsbanken/<int:answer_id>/arkivera", methods=["POST"])
@role_required("editor")
def archive(answer_id):
    return _act(answer_id, services.archive_answer, "Svaret är arkiverat. Det finns kvar med sin historik.")


@bp.route("/kunskapsbanken/<int:answer_id>/ta-bort", methods=["POST"])
@role_required("editor")
def delete(answer_id):
    answer = _get_or_404(answer_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.delete_draft(current_actor(), answer, utcnow())
    except services.NotAllowed:
        abort(403)
    except services.AnswerError as exc:
        flash(str(exc), "error")
        return redirect(url_for("answers.show", answer_id=answer_id))
    flash("Utkastet är borttaget.", "success")
    return redirect(url_for("answers.index"))


@bp.route("/kunskapsbanken/import", methods=["GET", "POST"])
@role_required("editor")
def import_answers():
    actor = current_actor()
    form = ImportForm()
    form.owner.choices = [("", "Ingen: varje rad anger sin ägare")] + services.owner_choices(actor)
    rejected = None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            summary = imports.import_answers(actor, upload.filename or "", upload.read(), utcnow(),
                                             status=form.status.data, default_owner=form.owner.data or None,
                                             mapping=form.mapping())
        except imports.ImportRejected as exc:
            rejected = exc.shown()
        except services.NotAllowed:
            abort(403)
        else:
            flash(f"{summary.count} svar importerade som {STATUSES[summary.status].lower()}.", "success")
            return redirect(url_for("answers.index", status=summary.status))
    return render("answers/import.html", form=form, rejected=rejected, columns=imports.COLUMNS), (
        400 if form.is_submitted() else 200)


def _act(answer_id, action, success):
    answer = _get_or_404(answer_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        action(current_actor(), answer, utcnow())
    except services.NotAllowed:
        abort(403)
    except services.AnswerError as exc:
        flash(str(exc), "error")
    else:
        flash(success, "success")
    return redirect(url_for("answers.show", answer_id=answer_id))


def _get_or_404(answer_id):
    try:
        return services.get_answer(answer_id)
    except services.AnswerNotFound:
        abort(404)


def _answer_form(answer):
    actor = current_actor()
    if answer is None:
        form = AnswerForm()
    else:
        # Not obj=answer: WTForms would then prefer the stored link list to its text below.
        form = AnswerForm(question=answer.question, phrasings=answer.phrasings, keywords=answer.keywords,
                          body=answer.body, links=links_text(answer.links), owner=services.owner_value(answer),
                          responsible=services.username_of(answer.responsible_id),
                          category_id=str(answer.category_id or ""), visibility=answer.visibility,
                          review_by=answer.review_by, expected_version=str(answer.version))
    owners = services.owner_choices(actor)
    if answer is not None and services.owner_value(answer) not in {value for value, _ in owners}:
        owners.insert(0, (services.owner_value(answer), services.owner_name(answer)))
    form.owner.choices = [("", "Välj …")] + owners
    form.category_id.choices = [("", "Välj …")] + [(str(i), label) for i, label in services.category_choices(
        answer.category_id if answer else None)]
    return form


def _fields(form):
    kind, number = services.parse_owner(form.owner.data)
    return {"question": form.question.data, "phrasings": form.phrasings.data, "keywords": form.keywords.data,
            "body": form.body.data, "links": form.links_data(),
            "unit_id": number if kind == "unit" else None, "company_id": number if kind == "company" else None,
            "responsible_id": services.person_id_for(form.responsible.data),
            "category_id": form.category_id.data, "visibility": form.visibility.data,
            "review_by": form.review_by.data}


def _show_errors(form, exc):
    errors = getattr(exc, "field_errors", None)
    if errors:
        exc.field_errors = {FORM_FIELDS.get(name, name): message for name, message in errors.items()}
    show_domain_error(form, exc)

"""Municipal companies: the overview agents and admins see, the register and the opt-out cases (admins)."""
from flask import abort, flash, redirect, request, send_file, url_for
from flask_login import current_user
from werkzeug.datastructures import FileStorage

from kundweb.auth.decorators import current_actor, role_required
from kundweb.companies import bp, files, services
from kundweb.companies.forms import AttachmentForm, CaseForm, CompanyForm, DecisionForm, PrepareForm, WithdrawForm
from kundweb.database import utcnow
from kundweb.errors import error_response
from kundweb.web import render, submit_form

UPLOAD_ENDPOINTS = {"companies.new_case", "companies.attach"}


@bp.url_value_preprocessor
def limit_upload_size(endpoint, values):
    """Cap an upload's request size before anything reads the body (the CSRF check reads the form
    first, in a before_request hook; URL value preprocessors run before those)."""
    if endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = services.MAX_FILES_PER_UPLOAD * files.max_bytes() + 1024 * 1024


@bp.route("/bolag")
@role_required("agent")
def index():
    rows, open_cases, upcoming = services.overview()
    return render("companies/index.html", rows=rows, open_cases=open_cases, upcoming=upcoming,
                  is_admin=current_user.has_role("admin"))


@bp.route("/admin/bolag/nytt", methods=["GET", "POST"])
@role_required("admin")
def new():
    form = CompanyForm()
    done = submit_form(form, lambda: services.create_company(current_actor(), _company_input(form)),
                       services.CompanyError, "Bolaget är registrerat. Dess frågor går via Kundcenter.",
                       lambda company: url_for("companies.show", company_id=company.id))
    return done or (render("companies/company_form.html", form=form, company=None),
                    400 if form.is_submitted() else 200)


@bp.route("/admin/bolag/<int:company_id>")
@role_required("admin")
def show(company_id):
    company = _or_404(services.get_company, company_id)
    return render("companies/company.html", company=company, note=services.routing_note(company),
                  open_case=services.open_case(company), next_kind=services.next_case_kind(company))


@bp.route("/admin/bolag/<int:company_id>/andra", methods=["GET", "POST"])
@role_required("admin")
def edit(company_id):
    company = _or_404(services.get_company, company_id)
    form = CompanyForm(data={"name": company.name, "org_number": company.org_number,
                             "phone": services.display_phone(company.phone), "email": company.email,
                             "web": company.web, "topics": "\n".join(company.topic_names)})
    done = submit_form(form, lambda: services.update_company(current_actor(), company.id, _company_input(form)),
                       services.CompanyError, "Bolagets uppgifter är sparade.",
                       url_for("companies.show", company_id=company.id))
    return done or (render("companies/company_form.html", form=form, company=company),
                    400 if form.is_submitted() else 200)


@bp.route("/admin/bolag/<int:company_id>/arenden/nytt", methods=["GET", "POST"])
@role_required("admin")
def new_case(company_id):
    company = _or_404(services.get_company, company_id)
    form = CaseForm(received_on=services.local_today(utcnow()))
    done = submit_form(form, lambda: services.submit_case(current_actor(), company.id, _case_input(form),
                                                          _uploads(form.files)),
                       services.CompanyError, "Ärendet är inlämnat. Nästa steg är att bereda det.",
                       lambda case: url_for("companies.case", case_id=case.id))
    return done or _case_form_page(form, company)


@bp.route("/admin/bolag/arenden")
@role_required("admin")
def cases():
    query = request.args.get("q", "")[:100]
    return render("companies/cases.html", cases=services.case_list(query), query=query)


@bp.route("/admin/bolag/arenden/<int:case_id>")
@role_required("admin")
def case(case_id):
    return _case_page(_or_404(services.get_case, case_id))


def _case_page(case, status=200, **forms):
    today = services.local_today(utcnow())
    default_forms = {
        "prepare_form": lambda: PrepareForm(formdata=None, assessment=case.assessment),
        "decision_form": lambda: DecisionForm(formdata=None, decision_date=today, effective_from=case.requested_from),
        "withdraw_form": lambda: WithdrawForm(formdata=None),
        "attachment_form": lambda: AttachmentForm(formdata=None, label=services.default_attachment_label(case)),
    }
    context = {name: forms.get(name) or make() for name, make in default_forms.items()}
    return render("companies/case.html", case=case, company=case.company, actions=services.allowed_actions(case),
                  today=today, **context), status


@bp.route("/admin/bolag/arenden/<int:case_id>/andra", methods=["GET", "POST"])
@role_required("admin")
def edit_case(case_id):
    case = _or_404(services.get_case, case_id)
    form = CaseForm(obj=case)
    try:
        services.check_transition(case, "edit")
        done = submit_form(form, lambda: services.edit_case(current_actor(), case.id, _case_input(form)),
                           services.InvalidInput, "Ändringen är sparad.", url_for("companies.case", case_id=case.id))
    except (services.IllegalTransition, services.CaseConflict) as exc:
        return _refused(case, exc)
    return done or _case_form_page(form, case.company, case)


def _case_form_page(form, company, case=None):
    """The form for a new case, or for changing one (`case`)."""
    return render("companies/case_form.html", form=form, company=company, case=case,
                  kind=case.kind if case else services.next_case_kind(company),
                  open_case=None if case else services.open_case(company),
                  today=services.local_today(utcnow())), 400 if form.is_submitted() else 200


@bp.route("/admin/bolag/arenden/<int:case_id>/bered", methods=["POST"])
@role_required("admin")
def prepare(case_id):
    case = _or_404(services.get_case, case_id)
    form = PrepareForm()
    return _step(case, form, "prepare_form", "Beredningen är sparad. Nästa steg är kommundirektörens beslut.",
                 lambda: services.prepare_case(current_actor(), case.id, form.assessment.data))


@bp.route("/admin/bolag/arenden/<int:case_id>/beslut", methods=["POST"])
@role_required("admin")
def decide(case_id):
    case = _or_404(services.get_case, case_id)
    form = DecisionForm()
    decision = services.DecisionInput(form.outcome.data, form.decision_date.data, form.reference.data or "",
                                      form.director_name.data or "", form.effective_from.data)
    message = "Beslutet är registrerat."
    if form.outcome.data == "approved" and form.effective_from.data:
        message += f" Ändringen genomförs automatiskt {form.effective_from.data.isoformat()}."
    return _step(case, form, "decision_form", message, lambda: services.decide_case(current_actor(), case.id, decision))


@bp.route("/admin/bolag/arenden/<int:case_id>/aterkalla", methods=["POST"])
@role_required("admin")
def withdraw(case_id):
    case = _or_404(services.get_case, case_id)
    form = WithdrawForm()
    return _step(case, form, "withdraw_form", "Ärendet är återkallat.",
                 lambda: services.withdraw_case(current_actor(), case.id, form.reason.data))


@bp.route("/admin/bolag/arenden/<int:case_id>/bilagor", methods=["POST"])
@role_required("admin")
def attach(case_id):
    case = _or_404(services.get_case, case_id)
    form = AttachmentForm()
    return _step(case, form, "attachment_form", "Bilagorna är sparade.",
                 lambda: services.add_attachments(current_actor(), case.id, _uploads(form.files), form.label.data))


def _step(case, form, form_name, success, action):
    """Take one step on the case from its form; the case page with the form's errors otherwise.

    A step the case's state does not allow is said at the top of the case page: its
    form is not on the page any more.
    """
    try:
        done = submit_form(form, action, services.InvalidInput, success, url_for("companies.case", case_id=case.id))
    except (services.IllegalTransition, services.CaseConflict) as exc:
        return _refused(case, exc)
    return done or _case_page(services.get_case(case.id), status=400, **{form_name: form})


def _refused(case, exc):
    flash(str(exc), "error")
    return redirect(url_for("companies.case", case_id=case.id))


@bp.route("/admin/bolag/arenden/<int:case_id>/bilagor/<int:attachment_id>")
@role_required("admin")
def attachment(case_id, attachment_id):
    try:
        row, content = services.attachment_file(current_actor(), case_id, attachment_id)
    except services.NotFound:
        abort(404)
    except services.AttachmentDamaged as exc:
        return error_response(500, str(exc))
    # Always a download, never shown in the browser: the file's type is whatever the sender says.
    return send_file(content, mimetype="application/octet-stream", as_attachment=True, download_name=row.filename)


def _or_404(getter, object_id):
    try:
        return getter(object_id)
    except services.NotFound:
        abort(404)


def _company_input(form):
    return services.CompanyInput(form.name.data or "", form.org_number.data or "", form.phone.data or "",
                                 form.email.data or "", form.web.data or "", services.parse_topics(form.topics.data))


def _case_input(form):
    return services.CaseInput(form.reasons.data or "", form.requested_from.data, form.received_on.data,
                              form.diary_number.data or "")


def _uploads(field):
    # A plain text value under the field's name (a hand-made request, not a browser) is no file.
    return [services.Upload(file.filename, file.stream) for file in field.data or []
            if isinstance(file, FileStorage) and file.filename]

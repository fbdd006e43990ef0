"""Public records: registering (also from the start page), the open list, the register, items, exports."""
import io

from flask import abort, flash, redirect, request, send_file, url_for
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from kundweb.auth.decorators import current_actor, role_required
from kundweb.database import utcnow
from kundweb.errors import error_response
from kundweb.records import bp, exports, services
from kundweb.records.forms import (
    BusinessSystemForm, CorrectionForm, DocumentForm, ReasonForm, RegisterForm, SearchForm, blank_register_form,
)
from kundweb.web import render

UPLOAD_ENDPOINTS = {"records.new"}
FORM_OVERHEAD_BYTES = 256 * 1024  # the other fields and the multipart framing around the file


@bp.url_value_preprocessor
def limit_upload_size(endpoint, values):
    """RECORDS_MAX_UPLOAD_MB as the request's MAX_CONTENT_LENGTH, set before anything reads the body
    (the CSRF check reads the form in a before_request hook; this runs earlier)."""
    if endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = services.max_upload_bytes() + FORM_OVERHEAD_BYTES


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error):
    """The 413 page, saying what the limit is."""
    limit = services.max_upload_bytes() // (1024 * 1024)
    return error_response(413, f"Filen är större än vad som tillåts: högst {limit} MB. Ingenting har sparats. "
                               "Gå tillbaka och välj en mindre fil, eller registrera utan fil och beskriv "
                               "var originalet finns.")


def _person():
    return services.Person(current_user.username, current_user.display_name, current_user.email or "")


@bp.route("/handlingar")
@role_required("employee")
def index():
    actor = current_actor()
    return render("records/index.html", items=services.open_items(actor), sees_all=services.can_see_all(actor))


@bp.route("/handlingar/register")
@role_required("employee")
def register_search():
    actor = current_actor()
    form = SearchForm(formdata=request.args)
    result = None
    if form.validate():
        query = _query(form)
        try:
            result = services.search(actor, query, request.args.get("sida", 1, type=int))
        except services.RecordError as exc:
            _add_error(form, exc)
    names = {field.name for field in form}
    query_args = {name: value for name, value in request.args.items() if name in names and value.strip()}
    return render("records/register.html", fragment="records/_results.html", target="record-results",
                  form=form, result=result, query_args=query_args, sees_all=services.can_see_all(actor))


@bp.route("/handlingar/ny", methods=["GET", "POST"])
@role_required("employee")
def new():
    if request.method == "GET":
        form = blank_register_form(request.args.get("slag"), request.args.get("mottagen_av"))
        return render("records/new.html", form=form, upload=None)
    form = RegisterForm()
    upload, upload_error = None, None
    try:
        upload = _posted_upload(form)
    except services.FileTooLarge:
        abort(413)
    except services.RecordError as exc:
        upload_error = str(exc)
    if request.form.get("action") == "prefill":
        if upload is None or upload.email is None:
            upload_error = upload_error or ("Uppgifter kan bara läsas in från ett e-postmeddelande (.eml). "
                                            "Välj filen först." if upload is None else
                                            "Det här är en ljudfil. Uppgifter kan bara läsas in från ett "
                                            "e-postmeddelande (.eml).")
            form.attachment.errors = [upload_error]
            return _new_page(form, upload, 400)
        _prefill(form, upload)
        flash("Uppgifterna är hämtade ur e-postmeddelandet. Kontrollera dem och registrera.", "info")
        return _new_page(form, upload, 200)
    valid = form.validate_on_submit()
    if upload_error:
        form.attachment.errors = list(form.attachment.errors) + [upload_error]
    elif valid:
        try:
            registration = services.register(current_actor(), _person(), _item_input(form),
                                              [upload] if upload else [], form.form_key.data)
        except services.RecordError as exc:
            _add_error(form, exc)
        else:
            item = registration.item
            flash(f"Registrerad som {item.registration_number}." if registration.created
                  else f"Det här var redan registrerat som {item.registration_number}.", "success")
            return redirect(url_for("records.show", item_id=item.id))
    return _new_page(form, upload, 400)


def _new_page(form, upload, status):
    token = services.upload_token(current_actor(), upload) if upload else ""
    form.upload_token.data = token
    return render("records/new.html", form=form, upload=upload), status


def _posted_upload(form):
    """The file sent now, or the one an earlier submission of this form stored."""
    file = request.files.get(form.attachment.name)
    if file and file.filename:
        return services.receive_upload(file.stream, file.filename)
    if form.upload_token.data:
        return services.upload_from_token(current_actor(), form.upload_token.data)
    return None


def _prefill(form, upload):
    data = services.prefill_from_email(_item_input(form), [upload], arrival_time=True)
    form.sender.data, form.description.data, form.arrived_at.data = data.sender, data.description, data.arrived_at
    form.arrived_at.raw_data = []  # show the new value, not the one typed
    if not form.kind.data:
        form.kind.data = "email"


@bp.route("/handlingar/<int:item_id>")
@role_required("employee")
def show(item_id):
    return _show(item_id)


def _show(item_id, forms=None, status=200):
    actor = current_actor()
    view, history, attachments, hidden = _item_page(actor, item_id)
    forms = forms or {}
    systems = services.business_systems()
    return render(
        "records/show.html", item=view, history=history, attachments=attachments, history_masked=hidden,
        document_form=forms.get("document") or DocumentForm(formdata=None, systems=systems, revision=view.revision_no),
        close_form=forms.get("close") or ReasonForm(formdata=None, prefix="close", revision=view.revision_no),
        reopen_form=forms.get("reopen") or ReasonForm(formdata=None, prefix="reopen", revision=view.revision_no),
        has_systems=bool(systems), can_correct=not view.masked,
        # Those who may not read a confidential item may not handle it either: they are told whom to ask.
        may_handle=not view.masked, handlers=services.who_may_handle(view),
    ), status


def _item_page(actor, item_id):
    try:
        return services.item_page(actor, item_id)
    except (services.ItemNotFound, services.AccessDenied):
        abort(404)  # the same answer either way: whether someone else's item exists is not told


@bp.route("/handlingar/<int:item_id>/dokumentera", methods=["POST"])
@role_required("employee")
def document(item_id):
    form = DocumentForm(systems=services.business_systems())
    return _process(item_id, "document", form, lambda actor: services.document(
        actor, _person(), item_id, int(form.system.data), form.reference.data, _revision(form)),
        "Dokumentationen är registrerad. Handlingen är inte längre öppen.")


@bp.route("/handlingar/<int:item_id>/avsluta", methods=["POST"])
@role_required("employee")
def close(item_id):
    form = ReasonForm(prefix="close")
    return _process(item_id, "close", form, lambda actor: services.close(
        actor, _person(), item_id, form.reason.data, _revision(form)), "Handlingen är avslutad.")


@bp.route("/handlingar/<int:item_id>/oppna", methods=["POST"])
@role_required("employee")
def reopen(item_id):
    form = ReasonForm(prefix="reopen")
    return _process(item_id, "reopen", form, lambda actor: services.reopen(
        actor, _person(), item_id, form.reason.data, _revision(form)), "Handlingen är öppen igen.")


def _process(item_id, name, form, action, success):
    if form.validate_on_submit():
        try:
            action(current_actor())
        except (services.ItemNotFound, services.AccessDenied):
            abort(404)  # the same answer either way: whether someone else's item exists is not told
        except services.MayNotHandle as exc:
            return error_response(403, str(exc))  # the item's existence is no secret to someone who sees it
        except services.RecordError as exc:
            _add_error(form, exc)
        else:
            flash(success, "success")
            return redirect(url_for("records.show", item_id=item_id))
    return _show(item_id, {name: form}, status=400)


@bp.route("/handlingar/<int:item_id>/rattelse", methods=["GET", "POST"])
@role_required("employee")
def correct(item_id):
    actor = current_actor()
    view, history, attachments, hidden = _item_page(actor, item_id)
    if view.masked:
        if request.method == "POST":  # the service refuses it, audited, and says whom to ask
            try:
                services.get_handled_item(actor, item_id, "correct", utcnow())
            except services.MayNotHandle as exc:
                return error_response(403, str(exc))
        abort(403)  # a correction form would show what is hidden; unreachable through the page
    if request.method == "GET":
        form = CorrectionForm(formdata=None, kind=view.kind, arrived_at=view.arrived_at, sender=view.sender,
                              description=view.description, concerns_matter="yes" if view.concerns_matter else "no",
                              confidential=view.confidential, legal_ground=view.legal_ground,
                              revision=view.revision_no)
        return render("records/correct.html", form=form, item=view)
    form = CorrectionForm()
    if form.validate_on_submit():
        try:
            services.correct(actor, _person(), item_id, _item_input(form), form.reason.data, _revision(form))
        except services.AccessDenied:
            abort(404)
        except services.RecordError as exc:
            _add_error(form, exc)
        else:
            flash("Rättelsen är sparad som en ny version. Den tidigare finns kvar i historiken.", "success")
            return redirect(url_for("records.show", item_id=item_id))
    return render("records/correct.html", form=form, item=view), 400


@bp.route("/handlingar/<int:item_id>/filer/<int:attachment_id>")
@role_required("employee")
def download(item_id, attachment_id):
    try:
        content, name, mimetype = services.read_attachment(current_actor(), item_id, attachment_id)
    except (services.ItemNotFound, services.AccessDenied):
        abort(404)  # the same answer either way: whether someone else's item exists is not told
    except services.AttachmentDamaged as exc:
        return error_response(500, str(exc))
    # Always an attachment, with nosniff (every response): a browser never renders it inline.
    return send_file(content, mimetype=mimetype, as_attachment=True, download_name=name, max_age=0)


@bp.route("/handlingar/export.csv", methods=["POST"])
@role_required("agent")
def export_csv():
    query = _posted_query()
    body = exports.export_csv(current_actor(), query)
    return send_file(io.BytesIO(body.encode("utf-8")), mimetype="text/csv; charset=utf-8", as_attachment=True,
                     download_name=f"allmanna-handlingar-{utcnow():%Y%m%d}.csv", max_age=0)


@bp.route("/handlingar/export.zip", methods=["POST"])
@role_required("agent")
def export_package():
    package = exports.export_package(current_actor(), _posted_query())
    return send_file(package, mimetype="application/zip", as_attachment=True,
                     download_name=f"allmanna-handlingar-{utcnow():%Y%m%d}.zip", max_age=0)


def _posted_query():
    form = SearchForm(formdata=request.form)
    if not form.validate():
        abort(400)
    return _query(form)


@bp.route("/admin/verksamhetssystem", methods=["GET", "POST"])
@role_required("admin")
def systems():
    form = BusinessSystemForm()
    status = 200
    if form.validate_on_submit():
        try:
            system = services.add_business_system(current_actor(), form.name.data, form.description.data)
        except services.RecordError as exc:
            _add_error(form, exc)
        else:
            flash(f"{system.name} finns nu att välja när handlingar dokumenteras.", "success")
            return redirect(url_for("records.systems"))
    if form.is_submitted():
        status = 400
    return render("records/systems.html", form=form, systems=services.business_systems(include_inactive=True)), status


@bp.route("/admin/verksamhetssystem/<int:system_id>", methods=["POST"])
@role_required("admin")
def system_active(system_id):
    active = request.form.get("active") == "1"
    try:
        system = services.set_business_system_active(current_actor(), system_id, active)
    except services.RecordError:
        abort(404)
    flash(f"{system.name} kan väljas igen." if active else
          f"{system.name} kan inte längre väljas. Handlingar som redan är dokumenterade där behåller sin referens.",
          "success")
    return redirect(url_for("records.systems"))


def _item_input(form):
    return services.ItemInput(
        kind=form.kind.data or "", arrived_at=form.arrived_at.data, sender=form.sender.data,
        description=form.description.data or "",
        concerns_matter={"yes": True, "no": False}.get(form.concerns_matter.data),
        confidential=bool(form.confidential.data), legal_ground=form.legal_ground.data,
        received_by_unit=getattr(form, "received_by", None) is not None and form.received_by.data == "unit")


def _query(form):
    return services.SearchQuery(number=(form.number.data or "").strip(), date_from=form.date_from.data,
                                date_to=form.date_to.data, kind=form.kind.data or "",
                                sender=(form.sender.data or "").strip(), text=(form.text.data or "").strip(),
                                status=form.status.data or "")


def _revision(form):
    try:
        return int(form.revision.data)
    except (TypeError, ValueError):
        return None


def _add_error(form, exc):
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = list(field.errors) + [str(exc)]
    else:
        form.form_errors.append(str(exc))

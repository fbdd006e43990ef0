"""The audit log page for admins: filter and page through events, export them, check the chain."""
import io

from flask import flash, redirect, request, send_file, url_for

from kundweb.auditlog import bp, services
from kundweb.auditlog.forms import AuditFilterForm
from kundweb.auth.decorators import current_actor, role_required
from kundweb.database import utcnow
from kundweb.web import render, wants_fragment

RESULTS = "audit-results"


def _query(form):
    return services.EventQuery(area=form.area.data or "", actor=(form.actor.data or "").strip(),
                               object_ref=(form.object_ref.data or "").strip(),
                               date_from=form.date_from.data, date_to=form.date_to.data)


def _filter_args(form):
    """The filters as URL arguments, for the next page's link and the export form."""
    return {field.name: request.values[field.name] for field in form
            if (request.values.get(field.name) or "").strip()}


@bp.route("/admin/granskningslogg")
@role_required("admin")
def index():
    form = AuditFilterForm(formdata=request.args)
    page = None
    if form.validate():
        page = services.search(_query(form), before=request.args.get("fore", type=int))
    status = 200 if page is not None or wants_fragment(RESULTS) else 400
    return render("auditlog/index.html", fragment="auditlog/_results.html", target=RESULTS,
                  form=form, page=page, filter_args=_filter_args(form),
                  details_text=services.details_text), status


@bp.route("/admin/granskningslogg/export.csv", methods=["POST"])
@role_required("admin")
def export_csv():
    form = AuditFilterForm(formdata=request.form)
    if not form.validate():
        flash("Exporten gick inte att göra: rätta filtren och försök igen.", "error")
        return redirect(url_for("auditlog.index"))
    body = services.export_csv(current_actor(), _query(form))
    return send_file(io.BytesIO(body.encode("utf-8")), mimetype="text/csv; charset=utf-8", as_attachment=True,
                     download_name=f"granskningslogg-{utcnow():%Y%m%d}.csv", max_age=0)


@bp.route("/admin/granskningslogg/kontrollera", methods=["POST"])
@role_required("admin")
def verify():
    report = services.verify(current_actor())
    if report.ok:
        flash(f"Kedjan är hel: alla {report.checked} händelser stämmer med sina kontrollsummor.", "success")
    else:
        flash(f"Kedjan är bruten: {report.problem}. Händelserna före den ({report.checked} st.) stämmer. "
              "Kontakta systemförvaltningen: loggen har ändrats utanför Kundweb.", "error")
    return redirect(url_for("auditlog.index"))

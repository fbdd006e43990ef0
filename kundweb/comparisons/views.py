"""The admins' page for comparison figures: import a Kolada file, choose what to compare with."""
from flask import flash, redirect, request, url_for

from kundweb.auth.decorators import current_actor, role_required
from kundweb.comparisons import bp, services
from kundweb.comparisons.forms import ChoicesForm, KoladaImportForm
from kundweb.web import render, submit_form


@bp.app_template_global("comparisons_beside_goals")
def comparisons_beside_goals(year):
    """For the goals pages' shared partial: the chosen Kolada figures up to `year`."""
    return services.beside_goals(int(year))


@bp.url_value_preprocessor
def limit_upload_size(endpoint, values):
    if endpoint == "comparisons.import_kolada":
        request.max_content_length = services.MAX_BYTES + 64 * 1024


def _page(import_form=None, choices_form=None, rejected=None, status=200):
    choices_form = choices_form or ChoicesForm(formdata=None, kpis=services.kpi_lines(),
                                               municipalities=services.municipality_lines())
    return render("comparisons/admin.html", import_form=import_form or KoladaImportForm(formdata=None),
                  choices_form=choices_form, rejected=rejected, imports=services.recent_imports(),
                  source=services.SOURCE, licence_url=services.LICENCE_URL), status


@bp.route("/servicemal/jamforelser")
@role_required("admin")
def admin():
    return _page()


@bp.route("/servicemal/jamforelser/import", methods=["POST"])
@role_required("admin")
def import_kolada():
    form = KoladaImportForm()
    if not form.validate_on_submit() or not form.file.data:
        form.file.errors = [*form.file.errors, "Välj en fil."]
        return _page(import_form=form, status=400)
    try:
        record = services.import_kolada(current_actor(), form.file.data.filename, form.file.data.read())
    except services.ImportRejected as exc:
        return _page(import_form=form, rejected=exc.shown(), status=400)
    flash(f"Importerat: {record.rows} värden från {record.filename}.", "success")
    return redirect(url_for("comparisons.admin"))


@bp.route("/servicemal/jamforelser/val", methods=["POST"])
@role_required("admin")
def save_choices():
    form = ChoicesForm()
    done = submit_form(form, lambda: services.save_choices(current_actor(), form.kpis.data, form.municipalities.data),
                       services.ComparisonError, "Jämförelserna är sparade.", url_for("comparisons.admin"))
    return done or _page(choices_form=form, status=400)

"""Opening hours: the admins' rules page and the public calendar API."""
from datetime import timedelta

from flask import flash, jsonify, redirect, request, url_for

from kundweb.auth.decorators import current_actor, role_required
from kundweb.database import utcnow
from kundweb.hours import bp, services
from kundweb.hours.calendar import STOCKHOLM
from kundweb.hours.forms import EarlyCloseForm, ExceptionForm, MaintenanceForm, PeriodForm, WeeklyForm
from kundweb.web import public_read_api, render, submit_form


@bp.route("/api/v1/opening-hours")
@public_read_api
def api_calendar():
    try:
        start, end = services.parse_api_range(request.args.get("from"), request.args.get("to"))
        days = services.calendar_between(start, end)
    except services.HoursError as exc:
        return jsonify({"error": str(exc)}), 400
    return jsonify({"timezone": "Europe/Stockholm", "days": [day.to_api() for day in days]})


@bp.route("/api/v1/opening-hours/now")
@public_read_api
def api_now():
    return jsonify(services.status_now().to_api())


@bp.route("/api/v1/opening-hours/maintenance")
@public_read_api
def api_maintenance():
    """The digital channels' announced maintenance windows touching the dates from..to."""
    try:
        start, end = services.parse_api_range(request.args.get("from"), request.args.get("to"))
        windows = services.maintenance_between(start, end)
    except services.HoursError as exc:
        return jsonify({"error": str(exc)}), 400
    return jsonify({"timezone": "Europe/Stockholm", "windows": [services.window_api_item(w) for w in windows]})


def _page(forms=None, preview=None, preview_title=None, status=200):
    today = utcnow().astimezone(STOCKHOLM).date()
    forms = forms or {}
    periods, exceptions = services.rules_overview(today)
    now = utcnow()
    return render(
        "hours/admin.html",
        early_close_form=forms.get("early_close") or EarlyCloseForm(formdata=None, early_close=services.early_close()),
        period_form=forms.get("period") or PeriodForm(formdata=None),
        exception_form=forms.get("exception") or ExceptionForm(formdata=None),
        maintenance_form=forms.get("maintenance") or MaintenanceForm(formdata=None),
        weekly_form=forms.get("weekly") or WeeklyForm.from_weekly(services.weekly_hours()),
        periods=periods, exceptions=exceptions, windows=services.current_and_upcoming_windows(now, 365),
        calendar=services.calendar_between(today, today + timedelta(days=services.PREVIEW_DAYS - 1)),
        preview=preview, preview_title=preview_title, kinds=services.EXCEPTION_KINDS,
        swedish_date=services.swedish_date,
    ), status


@bp.route("/admin/oppettider")
@role_required("admin")
def admin():
    return _page()


@bp.route("/admin/oppettider/tidig-stangning", methods=["POST"])
@role_required("admin")
def set_early_close():
    form = EarlyCloseForm()
    done = submit_form(form, lambda: services.set_early_close(current_actor(), form.early_close.data),
                       services.HoursError, "Tiden för dag före helgdag är sparad.", url_for("hours.admin"))
    return done or _page({"early_close": form}, status=400)


def _add_rule(kind, form, to_input, add, preview_title, success):
    """Preview a period, exception or weekly default (every day it changes), or save it (the button decides)."""
    if form.validate_on_submit():
        data = to_input(form)
        try:
            if request.form.get("action") == "preview":
                return _page({kind: form}, preview=services.preview(_today(), **{kind: data}),
                             preview_title=preview_title)
            add(current_actor(), data)
        except services.HoursError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(success, "success")
            return redirect(url_for("hours.admin"))
    return _page({kind: form}, status=400)


@bp.route("/admin/oppettider/perioder", methods=["POST"])
@role_required("admin")
def add_period():
    return _add_rule("period", PeriodForm(), lambda f: services.PeriodInput(
        f.starts_on.data, f.ends_on.data, f.opens.data, f.closes.data, f.weekdays_only.data,
        f.note.data.strip() or None), services.add_period, "Förhandsgranskning: period",
        "Perioden är sparad.")


@bp.route("/admin/oppettider/veckoschema", methods=["POST"])
@role_required("admin")
def set_weekly():
    return _add_rule("weekly", WeeklyForm(), lambda f: f.weekly(), services.set_weekly,
                     "Förhandsgranskning: ordinarie veckoschema", "Veckoschemat är sparat.")


@bp.route("/admin/oppettider/undantag", methods=["POST"])
@role_required("admin")
def add_exception():
    return _add_rule("exception", ExceptionForm(), lambda f: services.ExceptionInput(
        f.day.data, f.kind.data, f.opens.data, f.closes.data, f.note.data.strip() or None),
        services.add_exception, "Förhandsgranskning: undantag", "Undantaget är sparat.")


@bp.route("/admin/oppettider/driftfonster", methods=["POST"])
@role_required("admin")
def add_maintenance():
    form = MaintenanceForm()
    done = submit_form(form, lambda: services.add_maintenance_window(current_actor(), form.starts_at.data,
                                                                     form.ends_at.data, form.note.data),
                       services.HoursError, "Driftfönstret är sparat.", url_for("hours.admin"))
    return done or _page({"maintenance": form}, status=400)


@bp.route("/admin/oppettider/<any(period, exception, maintenance):kind>/<int:rule_id>/ta-bort", methods=["POST"])
@role_required("admin")
def remove_rule(kind, rule_id):
    try:
        services.remove_rule(current_actor(), kind, rule_id)
    except services.HoursError as exc:
        flash(str(exc), "error")
    else:
        flash("Regeln är borttagen.", "success")
    return redirect(url_for("hours.admin"))


def _today():
    return utcnow().astimezone(STOCKHOLM).date()

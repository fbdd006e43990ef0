"""Service goals: the dashboard (agents read, admins also close months), exports, targets,
imports and hand-entered inputs, and the public results page and API."""
from datetime import timedelta

from flask import Response, current_app, flash, jsonify, redirect, request, url_for

from kundweb.auth.decorators import current_actor, role_required
from kundweb.database import utcnow
from kundweb.goals import bp, charts, imports, kpi, services, telephony, workbook
from kundweb.goals.forms import (MonthStateForm, SurveyImportForm, SurveyMonthForm, TargetForm,
                                 TelephonyImportForm, WebAssessmentForm)
from kundweb.web import public_read_api, render, submit_form

UPLOAD_ENDPOINTS = {"goals.import_telephony", "goals.import_survey"}
FORM_OVERHEAD_BYTES = 256 * 1024  # the column mapping and the multipart framing around the file


@bp.url_value_preprocessor
def limit_upload_size(endpoint, values):
    """GOALS_IMPORT_MAX_BYTES as the request's limit, set before anything reads the body (the CSRF
    check reads the form in a before_request hook; URL value preprocessors run before those)."""
    if endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = current_app.config["GOALS_IMPORT_MAX_BYTES"] + FORM_OVERHEAD_BYTES

CHART_GOALS = ("direct", "satisfaction", "phone", "eservice")


@bp.app_template_filter("sv_number")
def sv_number(value, decimals=1):
    return kpi.format_number(value, decimals)


@bp.app_template_filter("sv_percent")
def sv_percent(value):
    return kpi.format_percent(value)


def _period():
    """(first, last, error) from ?from=&to=; a bad period falls back to the last complete month."""
    try:
        first, last = services.parse_period(request.args.get("from"), request.args.get("to"))
        return first, last, None
    except services.GoalsError as exc:
        first, last = services.parse_period(None, None)
        return first, last, str(exc)


def trend_charts(trend):
    """The four monthly goals as bar charts over the trend months."""
    result = []
    for key in CHART_GOALS:
        goal = kpi.GOALS[key]
        points = [(t.month, t.label, t.results[key].value, t.results[key].status, t.results[key].previous
                   if key == "eservice" else None) for t in trend]
        last = trend[-1].results[key]
        met = sum(1 for t in trend if t.results[key].met)
        judged = sum(1 for t in trend if t.results[key].met is not None)
        target = last.target if goal.comparison == "min" else None
        summary = (f"{goal.name} per månad, {trend[0].label} till {trend[-1].label}. "
                   + (f"Mål: {kpi.target_text(last)}. " if goal.comparison != "increase" else
                      "Målet: högre andel än samma månad året innan. ")
                   + f"Uppfyllt {met} av {judged} månader med underlag.")
        result.append(charts.bar_chart(f"chart-{key}", goal.name, points, target,
                                       f"Mål {kpi.format_number(target)} %" if target is not None else None,
                                       summary))
    return result


def quick_periods(this_month):
    last_complete = services.add_months(this_month, -1)
    year = last_complete[:4]
    previous = str(int(year) - 1)
    return [
        ("Denna månad (pågår)", this_month, this_month),
        ("Förra månaden", last_complete, last_complete),
        ("Hittills i år", f"{year}-01", last_complete),
        ("Delår jan–apr", f"{year}-01", f"{year}-04"),
        ("Delår jan–aug", f"{year}-01", f"{year}-08"),
        (f"Helår {previous}", f"{previous}-01", f"{previous}-12"),
    ]


def _dashboard_context():
    first, last, error = _period()
    data = services.dashboard(first, last)
    return {"d": data, "charts": trend_charts(data.trend), "period_error": error, "goals": kpi.GOALS,
            "target_text": kpi.target_text, "month_label": services.month_label,
            "quick": quick_periods(data.current_month),
            "statuses": services.month_statuses([t.month for t in data.trend], data.closes)}


@bp.route("/servicemal")
@role_required("agent")
def dashboard():
    return render("goals/dashboard.html", **_dashboard_context())


def _telephony_context(first, last):
    """The telephony figures, the agents' sample and the volumes of the months first..last."""
    first_day = services.first_day(first)
    last_day = services.first_day(services.add_months(last, 1)) - timedelta(days=1)
    rows = services.target_rows()
    limits = {month: services.targets_for_month(month, rows)["phone"]["limit_seconds"]
              for month in services.month_range(first, last)}
    sample_months, sample = telephony.agents_wait_sample(first, last, limits)
    heat_maps = telephony.volume_by_hour(first_day, last_day)
    return {"tel": telephony.telephony_report(first_day, last_day, current_app.config["GOALS_SHORT_ABANDON_SECONDS"],
                                              services.period_label(first, last)),
            "limits": sorted(set(limits.values())), "sample_months": sample_months, "sample": sample,
            "heat_maps": heat_maps, "weekdays": telephony.WEEKDAYS}


@bp.route("/servicemal/telefoni")
@role_required("agent")
def telephony_page():
    """Telephony figures and the volume by hour and weekday for a period, for staffing."""
    first, last, error = _period()
    context = _telephony_context(first, last)
    shown = request.args.get("volym") or ("samtal" if context["heat_maps"][0].total else "alla")
    context["heat_map"] = next((m for m in context["heat_maps"] if m.key == shown), context["heat_maps"][0])
    context["heat_hours"] = telephony.hours_shown([context["heat_map"]])
    return render("goals/telephony.html", first=first, last=last, label=services.period_label(first, last),
                  period_error=error, current_month=services.current_month(), month_label=services.month_label,
                  **context)


@bp.route("/servicemal/rapport")
@role_required("agent")
def report():
    """The chosen period as a printable page."""
    context = _dashboard_context()
    d = context["d"]
    figures = services.figures_for(services.month_range(d.first, d.last))
    context["month_rows"] = [(m, services.month_label(m), kpi.results(kpi.combine([figures[m]])))
                             for m in services.month_range(d.first, d.last)]
    context["generated_at"] = utcnow()
    return render("goals/report.html", **context)


@bp.route("/servicemal/export.csv")
@role_required("agent")
def export_csv():
    first, last, error = _period()
    if error:
        flash(error, "error")
        return redirect(url_for("goals.dashboard"))
    name = f"servicemal-{first}" + (f"-till-{last}" if last != first else "") + ".csv"
    return Response(services.export_csv(first, last).encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Content-Type": "text/csv; charset=utf-8"})


def _back(url):
    return url if (url or "").startswith("/servicemal") else url_for("goals.dashboard")


@bp.route("/servicemal/export.xlsx")
@role_required("agent")
def export_xlsx():
    """The dashboard period as an Excel workbook: a sheet per view and the definitions."""
    first, last, error = _period()
    if error:
        flash(error, "error")
        return redirect(url_for("goals.dashboard"))
    name = f"servicemal-{first}" + (f"-till-{last}" if last != first else "") + ".xlsx"
    data = workbook.export_xlsx(first, last, current_app.config["GOALS_SHORT_ABANDON_SECONDS"])
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Cache-Control": "no-store"})


@bp.route("/servicemal/manad/<month>/<any(stang, oppna):action>", methods=["GET", "POST"])
@role_required("admin")
def month_state(month, action):
    """Close or reopen a month: a page that asks why and for a confirmation, then the change."""
    form = MonthStateForm(back=request.args.get("back", ""))
    if form.validate_on_submit():
        try:
            if action == "stang":
                services.close_month(current_actor(), month, form.reason.data)
                flash(f"{services.month_label(month).capitalize()} är stängd. Siffrorna är fastställda.", "success")
            else:
                services.reopen_month(current_actor(), month, form.reason.data)
                flash(f"{services.month_label(month).capitalize()} är öppnad igen. Siffrorna följer underlaget "
                      "tills månaden stängs på nytt.", "success")
        except services.GoalsError as exc:
            form.form_errors.append(str(exc))
        else:
            return redirect(_back(form.back.data))
    label = services.month_label(month) if imports.parse_month(month) else month
    return render("goals/month_state.html", form=form, month=month, action=action, label=label,
                  back=_back(form.back.data), status=services.month_statuses([month]).get(month)
                  if imports.parse_month(month) else None), 400 if request.method == "POST" else 200


# --- targets ----------------------------------------------------------------------------------

def _targets_page(form=None, status=200):
    rows = services.target_rows()
    this_month = services.current_month()
    in_force = services.targets_for_month(this_month, rows)
    return render("goals/targets.html", form=form or TargetForm(formdata=None, valid_from=this_month),
                  rows=rows, in_force=in_force, goals=kpi.GOALS, guideline=kpi.GUIDELINE_TARGETS,
                  guideline_from=kpi.GUIDELINE_VALID_FROM), status


@bp.route("/servicemal/mal")
@role_required("admin")
def targets():
    return _targets_page()


@bp.route("/servicemal/mal", methods=["POST"])
@role_required("admin")
def add_target():
    form = TargetForm()
    if form.validate_on_submit():
        try:
            _, closed = services.add_target(current_actor(), form.goal.data, form.value.data,
                                            form.valid_from.data.strip(), form.limit_seconds.data)
        except services.GoalsError as exc:
            form.form_errors.append(str(exc))
        else:
            flash("Målet är sparat." + (" Stängda månader behåller de mål de stängdes med." if closed else ""),
                  "success")
            return redirect(url_for("goals.targets"))
    return _targets_page(form, status=400)


@bp.route("/servicemal/mal/<int:target_id>/ta-bort", methods=["POST"])
@role_required("admin")
def remove_target(target_id):
    try:
        goal, valid_from, closed = services.remove_target(current_actor(), target_id)
    except services.GoalsError as exc:
        flash(str(exc), "error")
    else:
        flash(f"Målnivån för {kpi.GOALS[goal].name.lower()} från {valid_from} är borttagen; den som gällde "
              "före den gäller igen." + (" Stängda månader behåller de mål de stängdes med." if closed else ""),
              "success")
    return redirect(url_for("goals.targets"))


# --- inputs and imports -----------------------------------------------------------------------

def _inputs_page(forms=None, rejected=None, status=200):
    forms = forms or {}
    return render("goals/inputs.html",
                  telephony_form=forms.get("telephony") or TelephonyImportForm(formdata=None),
                  survey_form=forms.get("survey") or SurveyImportForm(formdata=None),
                  month_form=forms.get("month") or SurveyMonthForm(formdata=None),
                  web_form=forms.get("web") or WebAssessmentForm(formdata=None),
                  rejected=rejected, imports=services.recent_imports(), surveys=services.survey_months(),
                  web_rows=services.web_assessments(), formats=imports.FORMATS), status


def _upload(form):
    data = form.file.data.read(current_app.config["GOALS_IMPORT_MAX_BYTES"] + 1)
    if len(data) > current_app.config["GOALS_IMPORT_MAX_BYTES"]:
        raise imports.ImportRejected(["Filen är för stor."])
    return form.file.data.filename, data


def _imported(summary):
    what = {"telephony_day": "telefonistatistik per dag", "telephony_call": "telefonistatistik per samtal",
            "survey": "enkätsvar"}[summary.kind]
    message = (f"Importerat: {summary.rows} rader {what}, {summary.period_from.isoformat()} – "
               f"{summary.period_to.isoformat()}.")
    if summary.replaced:
        message += f" {summary.replaced} tidigare sparade {'dagar' if summary.kind != 'survey' else 'månader'} ersattes."
    if summary.closed_months:
        message += (" Stängda månader (" + ", ".join(summary.closed_months) + ") behåller sina fastställda "
                    "siffror tills de öppnas igen.")
    flash(message, "success")
    return redirect(url_for("goals.inputs"))


@bp.route("/servicemal/underlag")
@role_required("admin")
def inputs():
    return _inputs_page()


@bp.route("/servicemal/underlag/telefoni", methods=["POST"])
@role_required("admin")
def import_telephony():
    form = TelephonyImportForm()
    if form.validate_on_submit():
        try:
            filename, data = _upload(form)
            summary = services.import_telephony(current_actor(), filename, data, form.mapping(), kind=form.kind.data)
        except imports.ImportRejected as exc:
            return _inputs_page({"telephony": form}, rejected=("Telefonistatistiken", exc.shown()), status=400)
        except services.GoalsError as exc:
            form.form_errors.append(str(exc))
        else:
            return _imported(summary)
    return _inputs_page({"telephony": form}, status=400)


@bp.route("/servicemal/underlag/enkat", methods=["POST"])
@role_required("admin")
def import_survey():
    form = SurveyImportForm()
    if form.validate_on_submit():
        try:
            filename, data = _upload(form)
            summary = services.import_survey(current_actor(), filename, data)
        except imports.ImportRejected as exc:
            return _inputs_page({"survey": form}, rejected=("Enkätfilen", exc.shown()), status=400)
        else:
            return _imported(summary)
    return _inputs_page({"survey": form}, status=400)


@bp.route("/servicemal/underlag/enkat/manad", methods=["POST"])
@role_required("admin")
def save_survey_month():
    form = SurveyMonthForm()
    done = submit_form(form, lambda: services.save_survey_month(current_actor(), form.month.data.strip(),
                                                                int(form.scale.data), form.answers()),
                       services.GoalsError, f"Enkätsvaren för {(form.month.data or '').strip()} är sparade.",
                       url_for("goals.inputs"))
    return done or _inputs_page({"month": form}, status=400)


@bp.route("/servicemal/underlag/webb", methods=["POST"])
@role_required("admin")
def save_web_assessment():
    form = WebAssessmentForm()
    done = submit_form(form, lambda: services.save_web_assessment(current_actor(), form.year.data,
                                                                  form.top_percent.data, (form.note.data or "").strip()),
                       services.GoalsError, f"Serviceskattningen för {form.year.data} är sparad.",
                       url_for("goals.inputs"))
    return done or _inputs_page({"web": form}, status=400)


# --- public results ---------------------------------------------------------------------------

@bp.route("/resultat")
def public():
    """How it goes for Kundcenter: the closed months of a year. Public, no login."""
    now = utcnow()
    try:
        year = services.parse_year(request.args.get("year") or str(now.astimezone(services.STOCKHOLM).year), now)
        error = None
    except services.GoalsError as exc:
        year, error = now.astimezone(services.STOCKHOLM).year, str(exc)
    months, together = services.public_results(year)
    public_charts = []
    if months:
        trend = [services.TrendMonth(m.month, services.month_label(m.month, short=True),
                                     {r.goal.key: r for r in m.results}, True) for m in months]
        public_charts = trend_charts(trend)[:3]
    return render("goals/public.html", year=year, months=months, together=together, error=error,
                  goals=kpi.GOALS, target_text=kpi.target_text, charts=public_charts,
                  years=range(now.astimezone(services.STOCKHOLM).year, 2017, -1),
                  ), 400 if error else 200


@bp.route("/api/v1/results")
@public_read_api
def api_results():
    try:
        year = services.parse_year(request.args.get("year"))
    except services.GoalsError as exc:
        return jsonify({"error": str(exc)}), 400
    response = jsonify(services.public_results_json(year))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response

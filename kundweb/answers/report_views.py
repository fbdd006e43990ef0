"""The gap and usage report (editors and admins) and its summary in the goals dashboard."""
from flask import Response, redirect, request, url_for

from kundweb.answers import bp, report
from kundweb.auth.decorators import role_required
from kundweb.database import utcnow
from kundweb.goals import services as goals
from kundweb.web import render, wants_fragment

SUMMARY_TARGET = "kb-summary"  # the dashboard's section that loads the summary


def _period(now):
    """(first, last, error) from ?from=&to=; without them, or with a bad period, the last twelve months."""
    if not request.args.get("from") and not request.args.get("to"):
        return (*report.default_period(now), None)
    try:
        return (*goals.parse_period(request.args.get("from"), request.args.get("to"), now), None)
    except goals.GoalsError as exc:
        return (*report.default_period(now), str(exc))


@bp.route("/kunskapsbanken/rapport")
@role_required("editor")
def report_page():
    now = utcnow()
    first, last, error = _period(now)
    return render("answers/report.html", r=report.gap_report(first, last, now), period_error=error,
                  current_month=goals.current_month(now), unused_months=report.UNUSED_MONTHS)


@bp.route("/kunskapsbanken/rapport.csv")
@role_required("editor")
def report_csv():
    now = utcnow()
    first, last, error = _period(now)
    if error:
        return Response(error + "\n", status=400, mimetype="text/plain")
    return Response(report.export_csv(report.gap_report(first, last, now)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="kunskapsbanken-{first}-{last}.csv"'})


@bp.route("/servicemal/kunskapsbanken")
@role_required("agent")
def goals_summary():
    """The dashboard's Kunskapsbanken section, fetched after the page so the dashboard stays as fast.

    The section has no page of its own: asked for anything but the section, it is the dashboard.
    """
    now = utcnow()
    first, last, _ = _period(now)
    if not wants_fragment(SUMMARY_TARGET):
        return redirect(url_for("goals.dashboard", **{"from": first, "to": last}))
    return render("answers/_report_summary.html", s=report.summary(first, last, now), first=first, last=last,
                  label=goals.period_label(first, last))

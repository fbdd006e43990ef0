"""The agents' side of Kunskapsbanken: an answer beside the enquiry form, and the form's list of answers."""
from flask import redirect, request, url_for

from kundweb.answers import bp, search
from kundweb.auth.decorators import role_required
from kundweb.caching import per_app
from kundweb.database import utcnow
from kundweb.enquiries.services import local_day
from kundweb.web import render, wants_fragment

PANEL = "answer-panel"
OPTIONS = "answer-select-wrap"
OPENED_URLS_KEPT = 10_000  # about one per answer


@bp.route("/kunskapsbanken/panel")
@role_required("agent")
def panel():
    """One published answer in the panel beside the enquiry form (htmx); the form's page with it otherwise.

    `answer` (the form's list sends it) or `svar` names the answer; none or one that is not
    published gives an empty panel. Opened from anywhere but the form's own list, the
    answer is also chosen there, out of band: the agent opened it during the call.
    """
    answer_id = request.args.get("answer", type=int) or request.args.get("svar", type=int)
    if not wants_fragment(PANEL):
        return redirect(url_for("enquiries.log_page", svar=answer_id) if answer_id else url_for("enquiries.log_page"))
    opened = search.published_answer(answer_id, local_day(utcnow()))
    return render("answers/_panel.html", opened=opened, oob_field=request.headers.get("HX-Trigger") != "answer")


@bp.route("/kunskapsbanken/svarsval")
@role_required("agent")
def options():
    """The enquiry form's list of answers, filtered by what the agent typed (htmx); the form's page otherwise."""
    if not wants_fragment(OPTIONS):
        return redirect(url_for("enquiries.log_page"))
    query = request.args.get("answer_q", "")
    results = search.search(query, local_day(utcnow()), limit=search.OPTION_LIMIT)
    return render("answers/_select.html", options=results.hits, more=results.more,
                  selected=results.hits[0].id if results.hits else None, query=query.strip())


@bp.app_template_global()
def opened_answer_url(answer_id):
    """The enquiry form with this answer open beside it (/arenden?svar=<id>), for the search's hits.

    The hits are rendered on every keystroke, and url_for cost more than the rest of an answer
    hit; the URL never changes while the app runs, so it is built once per process and mount
    point, as the directory does for its entries (directory.views._linked).
    """
    urls = per_app("kundweb.answers.opened_urls", lambda app: {})
    key = (request.script_root, answer_id)
    url = urls.get(key)
    if url is None:
        url = url_for("enquiries.log_page", svar=answer_id)
        if len(urls) >= OPENED_URLS_KEPT:
            urls.clear()
        urls[key] = url
    return url

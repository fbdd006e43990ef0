"""Public answer pages (R-KB-5): /svar lists the published public answers, /svar/<id> shows one
with schema.org FAQPage data. No login; internal, draft and archived answers are 404."""
from flask import abort, request

from kundweb.answers import bp, public
from kundweb.external_urls import external_url
from kundweb.web import render


@bp.route("/svar")
def public_index():
    public_list = public.public_answers()
    try:
        found, _ = public.filtered(public_list, request.args.get("q"))
        error = None
    except public.PublicAnswerError as exc:
        found, error = [], str(exc)
    return render("answers/public/index.html", answers=found, q=request.args.get("q", ""), error=error,
                  total=len(public_list.answers), canonical=external_url("answers.public_index")), 400 if error else 200


@bp.route("/svar/<int:answer_id>")
def public_answer(answer_id):
    try:
        answer = public.get_public_answer(answer_id)
    except public.AnswerNotPublic:
        abort(404)
    return render("answers/public/answer.html", answer=answer, faq=public.faq_page([answer]),
                  canonical=answer.item["url"])

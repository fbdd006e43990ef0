"""Rendering pages or fragments for htmx, and the headers every response carries."""
import functools

from flask import abort, current_app, flash, make_response, redirect, render_template, request
from flask.json.provider import DefaultJSONProvider
from flask_login import current_user
from jinja2.utils import htmlsafe_json_dumps

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
])


def public_read_api(view):
    """A public read-only endpoint that the web site and apps fetch from other origins.

    `Access-Control-Allow-Origin: *` and never credentials, so no cookie of Kundweb's is
    ever sent or honoured cross-origin; the ETag is exposed so scripts can revalidate.
    """
    @functools.wraps(view)
    def with_cors(*args, **kwargs):
        response = make_response(view(*args, **kwargs))
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = "ETag"
        return response
    return with_cors


def wants_fragment(target_id):
    """True when htmx asked to swap just `target_id`.

    Decided by the target, never by "it is an htmx request": boosted links and
    history restores send HX-Request too and need the whole page.
    """
    # The target first: most requests name none or another, and this is asked on every search keystroke.
    return (request.headers.get("HX-Target") == target_id
            and request.headers.get("HX-History-Restore-Request") != "true")


def render(template, fragment=None, target=None, **context):
    """Render the page, or only `fragment` when htmx targeted `target`."""
    if fragment and target and wants_fragment(target):
        return render_template(fragment, **context)
    return render_template(template, **context)


def submit_form(form, action, domain_error, success, next_url):
    """The POST half of a form view: validate, call the service, flash, redirect.

    `action()` calls the service; a `domain_error` it raises becomes a form-level
    error (its Swedish message), or errors at the fields it names in its
    `field_errors` ({field name: message}), if it has them. `next_url` is a URL, or
    a function of what `action` returned. Returns the redirect, or None when the
    form must be shown again.
    """
    if not form.validate_on_submit():
        return None
    try:
        result = action()
    except domain_error as exc:
        show_domain_error(form, exc)
        return None
    flash(success, "success")
    return redirect(next_url(result) if callable(next_url) else next_url)


def show_domain_error(form, exc):
    """A domain error on the form: at the fields it names, else above the form."""
    field_errors = getattr(exc, "field_errors", None) or {}
    for name, message in field_errors.items():
        field = getattr(form, name, None)
        if field is None:
            form.form_errors.append(message)
        else:
            field.errors = [*field.errors, message]
    if not field_errors:
        form.form_errors.append(str(exc))


class HtmlSafeJSONProvider(DefaultJSONProvider):
    """Flask's JSON, with `<`, `>`, `&` and `'` written as \\u escapes.

    Every JSON answer (jsonify, the API, the error answers) goes through here, so text
    people typed can never close a <script> element or be sniffed as HTML wherever the
    JSON ends up. The parsed values are unchanged.
    """

    def dumps(self, obj, **kwargs):
        return str(htmlsafe_json_dumps(obj, dumps=super().dumps, **kwargs))


def init_app(app):
    app.json = HtmlSafeJSONProvider(app)
    app.before_request(refuse_nul_characters)
    app.after_request(add_security_headers)


def refuse_nul_characters():
    """400 for a NUL character in any query or form value.

    No person types one, and PostgreSQL cannot store it in text (the driver raises, a
    500): refused here once, before any view or form sees it, and never half-saved.
    """
    # Cheap on the hot paths: the raw query string is looked at first, and a GET has no form.
    query = request.query_string
    if (b"%00" in query or b"\x00" in query) and any("\x00" in value for _, value in request.args.items(multi=True)):
        abort(400)
    if request.method == "POST" and any("\x00" in value for _, value in request.form.items(multi=True)):
        abort(400)


def add_security_headers(response):
    """Headers for every response: pages, fragments, errors, API answers and downloads."""
    headers = response.headers
    # Plain assignment, not setdefault: this runs on every response, and Werkzeug's
    # setdefault raises and catches an exception per missing header. No view sets these.
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "same-origin"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    # The same URL answers with a page or a fragment, so caches must key on it.
    headers.add("Vary", "HX-Request")
    if headers.get("Content-Disposition", "").startswith("attachment"):
        # Downloads and exports (confidential audio, the register, the audit log): no copy
        # in any browser or proxy cache, whatever the view or send_file said.
        headers["Cache-Control"] = "no-store"
    elif request.endpoint != "static" and "Cache-Control" not in headers and _is_private(response):
        headers["Cache-Control"] = "no-store"
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers["Strict-Transport-Security"] = "max-age=31536000"
    return response


def _is_private(response):
    """Anything shown to a logged-in person, and every HTML page (it may carry a CSRF token)."""
    try:
        logged_in = current_user.is_authenticated
    except Exception:  # noqa: BLE001 - the session store may be the thing that is down
        logged_in = False
    return logged_in or response.mimetype == "text/html"

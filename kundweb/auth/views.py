"""Login and logout pages."""
import unicodedata
from urllib.parse import unquote, urlsplit

from flask import current_app, redirect, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from kundweb import ldap_client
from kundweb.auth import bp, services
from kundweb.auth.decorators import CurrentUser, current_actor
from kundweb.auth.forms import LoginForm
from kundweb.web import render


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    error, status = None, 200
    if form.validate_on_submit():
        try:
            token, user_session = services.log_in(
                form.username.data, form.password.data, request.remote_addr,
                ldap_client.get_directory(current_app),
            )
        except services.LoginThrottled as exc:
            error, status = exc.message, 429
        except services.DirectoryDown as exc:
            error, status = exc.message, 503
        except services.LoginError as exc:
            error, status = exc.message, 401
        else:
            session.clear()  # a fresh session: nothing from before login carries over
            login_user(CurrentUser(token, user_session))
            return redirect(_safe_next(request.args.get("next")))
    elif form.is_submitted():
        status = 400
    demo_users = current_app.config.get("DEMO_LOGIN_HINTS") if current_app.config["DIRECTORY_MODE"] == "demo" else None
    return render("auth/login.html", form=form, error=error, demo_users=demo_users), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    services.log_out(current_user.session, current_actor())
    logout_user()
    session.clear()
    response = redirect(url_for("auth.login", logged_out=1))
    # Tell the browser to drop everything it kept of the session, the back/forward cache included.
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response


def _safe_next(target):
    """Where to go after login: a local path, else the start page; never another host (open redirect)."""
    if target and all(_is_local_path(form) for form in (target, unquote(target))):
        return target
    return url_for("main.index")


def _is_local_path(target):
    # NFKC first: a fullwidth solidus or reverse solidus must not pass as an ordinary letter.
    normalised = unicodedata.normalize("NFKC", target)
    # Browsers drop tabs and newlines from a Location ("/\t/evil" becomes "//evil"), a newline
    # cannot go into a header at all, and invisible characters only serve to hide something.
    if any(unicodedata.category(character)[0] in "CZ" for character in normalised):
        return False
    if "\\" in normalised or not normalised.startswith("/") or normalised.startswith("//"):
        return False  # browsers read a backslash as a slash: "/\\evil" is "//evil"
    parts = urlsplit(normalised)
    return not parts.scheme and not parts.netloc

"""Who the current user is, and the declared role checks on views."""
from functools import wraps

from flask import abort, current_app, g, request
from flask_login import current_user, login_required

from kundweb.audit import services as audit
from kundweb.extensions import db, login_manager


class CurrentUser:
    """The Flask-Login user: a thin view of an open UserSession."""

    def __init__(self, token, session):
        self.token = token
        self.session = session
        self.username = session.username
        self.display_name = session.display_name
        self.email = session.email
        self.roles = session.role_set

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self):
        return self.token

    def has_role(self, role):
        """Admins may do everything; every other role is checked as held."""
        return role in self.roles or "admin" in self.roles

    @property
    def primary_role(self):
        for role in ("admin", "communicator", "agent", "editor", "employee"):
            if role in self.roles:
                return role
        return "employee"


def init_login_manager(app):
    from kundweb import ldap_client
    from kundweb.auth import services
    from kundweb.auth.cookies import SessionCookies

    app.session_interface = SessionCookies()

    login_manager.login_view = "auth.login"
    login_manager.login_message = "Logga in för att fortsätta."
    login_manager.login_message_category = "info"
    # Our own server-side sessions make Flask-Login's IP/agent fingerprinting redundant.
    login_manager.session_protection = None

    @login_manager.user_loader
    def load_user(token):
        if g.get("kundweb_database_down"):  # answering 503: see errors.handle_database_down
            return None
        session = services.load_session(token, ldap_client.get_directory(current_app))
        return CurrentUser(token, session) if session else None


def current_actor():
    """The acting person for services and the audit log."""
    if current_user.is_authenticated:
        return audit.Actor(current_user.username, frozenset(current_user.roles), request.remote_addr)
    return audit.Actor(None, frozenset(), request.remote_addr)


def role_required(role):
    """Allow the view to users holding `role` (admins hold every role); others get 403, audited."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(role):
                audit.record("access.denied", current_actor(), "endpoint", request.endpoint,
                             {"required_role": role, "method": request.method, "path": request.path})
                db.session.commit()
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator

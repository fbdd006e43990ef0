"""Jinja filters and globals: local times, role labels, navigation, the banner and "open now"."""
import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import url_for
from sqlalchemy.exc import SQLAlchemyError

from kundweb.audit.labels import action_label
from kundweb.auth.services import ROLE_LABELS

LOCAL_TZ = ZoneInfo("Europe/Stockholm")
# (label, endpoint, endpoint arguments, role needed), in menu order.
NAV_ENTRIES = [
    ("Min startsida", "main.start", {"role": "employee"}, "employee"),
    ("Allmänna handlingar", "records.index", {}, "employee"),
    ("Mina kontaktuppgifter", "directory.me", {}, "employee"),
    ("Kundtjänst", "main.start", {"role": "agent"}, "agent"),
    ("Logga ärende", "enquiries.log_page", {}, "agent"),
    ("Servicemål", "goals.dashboard", {}, "agent"),
    ("Sök i katalogen", "directory.search", {}, "agent"),
    ("Bolag", "companies.index", {}, "agent"),
    ("Kommunikation", "main.start", {"role": "communicator"}, "communicator"),
    ("Krisinformation", "crisis.index", {}, "communicator"),
    ("Kunskapsbanken", "main.start", {"role": "editor"}, "editor"),
    ("Administration", "main.start", {"role": "admin"}, "admin"),
    ("Öppettider", "hours.admin", {}, "admin"),
    ("Katalogen", "directory.admin", {}, "admin"),
    ("Kategorier", "enquiries.admin", {}, "admin"),
    ("Granskningslogg", "auditlog.index", {}, "admin"),
    ("Förslag att hantera", "answers.proposal_queue", {}, "editor"),
    ("Svar att granska", "answers.review_due", {}, "editor"),
]


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str


def nav_items(user):
    """The menu a user sees: the entries of every role held (admins see them all)."""
    return [NavItem(label, url_for(endpoint, **arguments))
            for label, endpoint, arguments, role in NAV_ENTRIES if user.has_role(role)]


def localtime(value, fmt="%Y-%m-%d %H:%M"):
    """A stored UTC time shown in Europe/Stockholm."""
    if value is None:
        return ""
    return value.astimezone(LOCAL_TZ).strftime(fmt)


@dataclass(frozen=True)
class BannerState:
    messages: list
    etag: str


@dataclass(frozen=True)
class HoursLine:
    open: bool
    text: str
    maintenance: str | None


def crisis_banner_state():
    """The active crisis messages for the page being rendered (empty if the database is down)."""
    from kundweb.crisis import services as crisis

    try:
        messages = crisis.active_messages()
    except SQLAlchemyError:
        _forget_failed_query("crisis banner")
        messages = []
    return BannerState(messages, crisis.etag_for(messages))


def kundcenter_status():
    """"Öppet nu, stänger 17.00" and any maintenance of the digital channels, or None."""
    from kundweb.database import utcnow
    from kundweb.hours import services as hours

    now = utcnow()
    try:
        status = hours.status_now(now)
        digital = hours.digital_status(now)
    except SQLAlchemyError:
        _forget_failed_query("opening hours")
        return None
    maintenance = None
    if not digital.open:
        maintenance = f"stängda för {digital.window.note} till {localtime(digital.window.ends_at, '%H.%M')}"
    return HoursLine(status.open, hours.describe_status(status, now), maintenance)


def _forget_failed_query(what):
    from kundweb.extensions import db

    logging.getLogger(__name__).warning("%s left out of the page: database unavailable", what)
    db.session.rollback()


def init_app(app):
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters["localtime"] = localtime
    app.jinja_env.filters["audit_label"] = action_label
    app.jinja_env.globals["nav_items"] = nav_items
    app.jinja_env.globals["crisis_banner_state"] = crisis_banner_state
    app.jinja_env.globals["kundcenter_status"] = kundcenter_status
    app.jinja_env.globals["crisis_body_html"] = _crisis_body_html

    @app.context_processor
    def inject_globals():
        return {"demo_mode": app.config["DIRECTORY_MODE"] == "demo", "role_labels": ROLE_LABELS}


def _crisis_body_html(text):
    from kundweb.crisis.services import body_html

    return body_html(text)

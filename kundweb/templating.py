"""Jinja filters and globals: local times, role labels, the navigation by role."""
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import url_for

from kundweb.auth.services import ROLE_LABELS

LOCAL_TZ = ZoneInfo("Europe/Stockholm")
START_PAGE_LABELS = {
    "employee": "Min startsida",
    "agent": "Kundtjänst",
    "communicator": "Kommunikation",
    "admin": "Administration",
}


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str


def nav_items(user):
    """The menu a user sees: a start page for each role held (admins see them all)."""
    return [NavItem(START_PAGE_LABELS[role], url_for("main.start", role=role))
            for role in START_PAGE_LABELS if user.has_role(role)]


def localtime(value, fmt="%Y-%m-%d %H:%M"):
    """A stored UTC time shown in Europe/Stockholm."""
    if value is None:
        return ""
    return value.astimezone(LOCAL_TZ).strftime(fmt)


def init_app(app):
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters["localtime"] = localtime
    app.jinja_env.globals["nav_items"] = nav_items

    @app.context_processor
    def inject_globals():
        return {"demo_mode": app.config["DIRECTORY_MODE"] == "demo", "role_labels": ROLE_LABELS}

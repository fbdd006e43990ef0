"""Who the editors of an owner are, to e-mail them proposals and review reminders.

Roles come from AD groups at login and are re-read from AD every ROLE_RECHECK_SECONDS
while a session is open (auth.services.recheck_session), and each session row keeps the
roles and the e-mail address AD gave. So a person's latest session says whether AD last
made them an editor, and their unit in the directory says which answers they keep
(access.editor_scope). Asking AD for the editor group's members instead would put a
directory round trip (and its timeouts) into saving a proposal, and the demo directory
cannot resolve nested groups that way. The cost: an editor who has not logged in since
the sessions were purged (30 days after they end) is not e-mailed; they still find the
proposal in the queue when they log in, and a proposal whose owner has no known editor
goes to the admins, so none goes unheard.
"""
from sqlalchemy import func, select

from kundweb.answers.access import editor_scope
from kundweb.audit.services import Actor
from kundweb.auth.models import UserSession
from kundweb.directory.models import Person
from kundweb.extensions import db


def latest_role_holders(role):
    """(username, roles, e-mail) of everyone whose latest session holds `role`, by user name."""
    candidates = db.session.scalars(select(UserSession.username).where(
        UserSession.roles.contains(role)).distinct()).all()
    holders = []
    for username in sorted(set(candidates)):
        latest = db.session.scalars(select(UserSession).where(UserSession.username == username)
                                    .order_by(UserSession.last_seen_at.desc()).limit(1)).first()
        if latest is not None and role in latest.role_set:
            holders.append((latest.username, latest.role_set, latest.email or _directory_email(username)))
    return holders


def editors_of(unit_id, company_id):
    """(username, email) of the editors who keep this owner's answers (not the admins, who keep all)."""
    recipients = []
    for username, roles, email in latest_role_holders("editor"):
        scope = editor_scope(Actor(username, roles))
        if email and not scope.everything and scope.covers(unit_id, company_id):
            recipients.append((username, email))
    return recipients


def admins():
    """(username, email) of the admins, for proposals whose owner has no editor known."""
    return [(username, email) for username, _, email in latest_role_holders("admin") if email]


def _directory_email(username):
    return db.session.scalar(select(Person.email).where(func.lower(Person.username) == username.lower(),
                                                        Person.active)) or ""

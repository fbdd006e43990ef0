"""Shared setup for the proposal and review tests: departments with editors, answers made through the models."""
import secrets
from datetime import timedelta

from kundweb.answers.models import Answer
from kundweb.audit.services import Actor
from kundweb.auth.models import UserSession
from kundweb.auth.services import hash_token
from kundweb.database import utcnow
from kundweb.extensions import db
from tests.directory_helpers import add_person

BUILDING = "Stadsbyggnadsförvaltningen"
SOCIAL = "Socialförvaltningen"
AGENT = Actor("bertil", frozenset({"employee", "agent"}))
ADMIN = Actor("david", frozenset({"employee", "admin"}))
ELSA = Actor("elsa", frozenset({"employee", "editor"}))  # editor of Stadsbyggnadsförvaltningen
EGON = Actor("egon", frozenset({"employee", "editor"}))  # editor of Socialförvaltningen


def open_session(username, roles, email=None, seen=None, display_name=None):
    """A logged-in session as the login would write it: the roles AD gave, the address AD holds."""
    now = seen or utcnow()
    session = UserSession(token_hash=hash_token(secrets.token_urlsafe(16)), username=username,
                          display_name=display_name or username.capitalize(),
                          email=f"{username}@kundweb.demo" if email is None else email,
                          roles=",".join(sorted(roles)), created_at=now, last_seen_at=now, roles_checked_at=now)
    db.session.add(session)
    db.session.commit()
    return session


def departments_with_editors():
    """Bertil (agent), David (admin), Elsa (building) and Egon (social) in the directory, all logged in once."""
    people = {
        "bertil": add_person("bertil", "Bertil Öberg", department="Kundcenter"),
        "david": add_person("david", "David Nilsson", department="Kundcenter"),
        "elsa": add_person("elsa", "Elsa Bygg", department=BUILDING),
        "egon": add_person("egon", "Egon Social", department=SOCIAL),
        "rut": add_person("rut", "Rut Ansvarig", department=BUILDING),
    }
    for actor in (AGENT, ADMIN, ELSA, EGON):
        open_session(actor.username, actor.roles, display_name=people[actor.username].display_name)
    return people


def make_answer(person_in_unit, question="Behöver jag bygglov för en altan?", status="published",
                review_by=None, responsible=None, company_id=None):
    """An answer owned by `person_in_unit`'s unit (or by `company_id`), written straight to the table."""
    now = utcnow()
    answer = Answer(question=question, body="Nej, om altanen är lägre än 1,2 meter.", links=[],
                    unit_id=None if company_id else person_in_unit.unit_id, company_id=company_id,
                    responsible_id=responsible.id if responsible else None, visibility="intern", status=status,
                    review_by=review_by or (now + timedelta(days=200)).date(), version=1, created_at=now,
                    created_by="elsa", updated_at=now, updated_by="elsa",
                    published_at=now if status == "published" else None)
    db.session.add(answer)
    db.session.commit()
    return answer

"""Who may keep which answers (R-KB-2).

Editors (the network for quality and service, an AD group) keep the answers of their own
department: the directory unit AD names as their `department`. A municipal company's
staff are in AD with the company's name as their department, so an editor whose unit
carries a company's name keeps that company's answers. Admins keep every answer.
"""
from dataclasses import dataclass

from sqlalchemy import func, select

from kundweb.companies.models import Company
from kundweb.directory.models import Person, Unit
from kundweb.extensions import db


@dataclass(frozen=True)
class Scope:
    """The owners whose answers an actor keeps: `everything` for admins, else one unit and/or one company."""

    everything: bool = False
    unit_id: int | None = None
    company_id: int | None = None

    def covers(self, unit_id, company_id):
        if self.everything:
            return True
        if unit_id is not None:
            return unit_id == self.unit_id
        return company_id is not None and company_id == self.company_id

    @property
    def empty(self):
        return not self.everything and self.unit_id is None and self.company_id is None


def editor_scope(actor):
    """The owners `actor` may edit answers for (an empty scope for anyone but editors and admins)."""
    if "admin" in actor.roles:
        return Scope(everything=True)
    if "editor" not in actor.roles or not actor.username:
        return Scope()
    unit = db.session.execute(
        select(Unit.id, Unit.name).join(Person, Person.unit_id == Unit.id)
        .where(func.lower(Person.username) == actor.username.lower(), Person.active)
    ).first()
    if unit is None:
        return Scope()
    company_id = db.session.scalar(select(Company.id).where(func.lower(Company.name) == unit.name.lower()))
    return Scope(unit_id=unit.id, company_id=company_id)


def may_edit(actor, answer):
    """Whether `actor` may change `answer` (or create one with its owner)."""
    return editor_scope(actor).covers(answer.unit_id, answer.company_id)

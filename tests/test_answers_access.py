"""Who keeps which answers: editors their own department's or same-named company's, admins all (R-KB-2)."""
import pytest

from companies_helpers import ENERGY, company
from directory_helpers import add_person
from kundweb.answers.access import Scope, editor_scope, may_edit
from kundweb.answers.models import Answer
from kundweb.audit.services import Actor
from kundweb.directory.models import Unit
from kundweb.extensions import db

pytestmark = pytest.mark.usefixtures("app_context")


def unit_id(name):
    return db.session.scalar(db.select(Unit.id).where(Unit.name == name))


def test_an_editor_keeps_their_own_units_answers_and_no_other():
    add_person("greta", "Greta Berg", department="Socialförvaltningen")
    add_person("hugo", "Hugo Lind", department="Stadsbyggnadsförvaltningen")
    editor = Actor("greta", frozenset({"employee", "editor"}))

    assert editor_scope(editor) == Scope(unit_id=unit_id("Socialförvaltningen"))
    assert may_edit(editor, Answer(unit_id=unit_id("Socialförvaltningen")))
    assert not may_edit(editor, Answer(unit_id=unit_id("Stadsbyggnadsförvaltningen")))


def test_a_companys_staff_keep_the_companys_answers():
    energy = company()
    add_person("ida", "Ida Ek", department=ENERGY.name)
    editor = Actor("IDA", frozenset({"employee", "editor"}))  # AD names are case-insensitive

    assert may_edit(editor, Answer(company_id=energy.id))
    assert may_edit(editor, Answer(unit_id=unit_id(ENERGY.name)))


def test_without_the_editor_role_or_a_directory_entry_nothing_is_kept():
    add_person("jonas", "Jonas Ås", department="Socialförvaltningen")
    agent = Actor("jonas", frozenset({"employee", "agent"}))
    stranger = Actor("okand", frozenset({"employee", "editor"}))
    answer = Answer(unit_id=unit_id("Socialförvaltningen"))

    assert editor_scope(agent).empty and not may_edit(agent, answer)
    assert editor_scope(stranger).empty and not may_edit(stranger, answer)


def test_admins_keep_every_answer():
    add_person("karin", "Karin Öst", department="Socialförvaltningen")
    admin = Actor("david", frozenset({"admin"}))

    assert may_edit(admin, Answer(unit_id=unit_id("Socialförvaltningen")))
    assert may_edit(admin, Answer(company_id=12345))

"""Helpers for the directory tests: people are made through the AD sync's own code path."""
import uuid

from kundweb.database import utcnow
from kundweb.directory import search, sync
from kundweb.extensions import db
from kundweb.ldap_client import DirectoryAccount


def account(username, name=None, title="Handläggare", department="Socialförvaltningen", extension="",
            phone="", mobile="", disabled=False, expired=False, guid=None, email=None):
    """An AD account as ldap_client returns it."""
    name = name or f"{username.capitalize()} Testsson"
    given, _, surname = name.partition(" ")
    return DirectoryAccount(
        dn=f"CN={name},OU=Personal,DC=kundweb,DC=demo", username=username, display_name=name,
        given_name=given, surname=surname, email=email if email is not None else f"{username}@kundweb.demo",
        title=title, department=department, phone=phone, ip_phone=extension, mobile=mobile,
        guid=guid or str(uuid.uuid5(uuid.NAMESPACE_DNS, username)), disabled=disabled, expired=expired)


def add_person(username, name=None, now=None, hidden=False, location="", reach_note="", **fields):
    """A person created by the sync from `account(...)`, then given the owned fields asked for."""
    person = sync.sync_account(account(username, name, **fields), now or utcnow())
    if hidden or location or reach_note:
        person.hidden, person.location, person.reach_note = hidden, location, reach_note
        search.index_person(person)
        db.session.commit()
    return person


def add_demo_users(now=None):
    """Entries for the demo login users (anna employee, bertil agent, cecilia communicator, david admin)."""
    return {
        "anna": add_person("anna", "Anna Andersson", now, extension="3112", phone="0920-45 31 12"),
        "bertil": add_person("bertil", "Bertil Öberg", now, title="Kundtjänstmedarbetare", department="Kundcenter",
                             extension="3021", phone="0920-45 30 21"),
        "cecilia": add_person("cecilia", "Cecilia Lindström", now, title="Kommunikatör",
                              department="Kommunikationsavdelningen", extension="3044"),
        "david": add_person("david", "David Nilsson", now, title="Kundcenterchef", department="Kundcenter",
                            extension="3001"),
    }

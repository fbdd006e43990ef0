"""Demo data for the directory: about 300 people synced from the demo directory, their own
contact details, and 16 functional entries (demo mode only; idempotent)."""
import json
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from kundweb import ldap_client
from kundweb.audit.services import Actor
from kundweb.database import utcnow
from kundweb.demo import people
from kundweb.directory import search, services, sync
from kundweb.directory.models import FunctionalEntry, Person
from kundweb.extensions import db

SEED_ACTOR = Actor("demo-seed", frozenset({"admin"}))
# The hand-written demo users (directory.json): Anna's entry is stale, so her page shows the reminder.
DEMO_USER_DETAILS = {
    "anna": ("Stadshuset, rum 214", "Telefontid mån–fre 9–10.", 420),
    "bertil": ("Stadshuset, Kundcenter", "", 20),
    "cecilia": ("Stadshuset, rum 105", "Nås bäst på mobilen.", 60),
    "david": ("Stadshuset, Kundcenter", "", 90),
    "erik": ("Stadshuset, Kundcenter", "Kvällsskift mån–tor.", 5),
    "elin": ("Stadshuset, plan 3", "", 40),
    "frida": ("Socialkontoret, Storgatan 9", "Telefontid tis och tor 9–11.", 75),
}
# (name, number, e-mail, unit, opening hours, keywords, public)
FUNCTIONS = [
    ("Kundcenter", "0920-45 30 00", "kundcenter", "Kundcenter", "Mån–fre 08.00–17.00",
     "växel luleå kommun frågor information", True),
    ("Stadsbiblioteket", "0920-45 35 10", "stadsbiblioteket", "Kultur- och fritidsförvaltningen",
     "Mån–tor 10–19, fre 10–18, lör 11–15", "bibliotek böcker lånekort e-böcker", True),
    ("Centrumbadet", "0920-45 35 40", "centrumbadet", "Kultur- och fritidsförvaltningen",
     "Mån–fre 06.30–20.00, lör–sön 09.00–16.00", "badhus simhall simning bad gym", True),
    ("Återvinningscentralen Norra", "0920-45 36 20", "atervinning", "Stadsbyggnadsförvaltningen",
     "Mån–tor 10–19, lör 10–15", "återvinning soptipp grovsopor farligt avfall kompost", True),
    ("Kulturens hus biljettkassa", "0920-45 35 80", "biljett", "Kultur- och fritidsförvaltningen",
     "Tis–fre 11–18, lör 11–15", "biljetter konsert teater evenemang", True),
    ("Konsumentvägledningen", "0920-45 37 10", "konsument", "Arbetsmarknadsförvaltningen",
     "Telefontid mån–fre 9–12", "konsument reklamation köp avtal", True),
    ("Budget- och skuldrådgivningen", "0920-45 37 20", "skuldradgivning", "Arbetsmarknadsförvaltningen",
     "Telefontid mån, ons, fre 9–11", "skulder budget ekonomi kronofogden", True),
    ("Felanmälan gata och park", "0920-45 36 00", "felanmalan", "Stadsbyggnadsförvaltningen",
     "Dygnet runt", "gatubelysning potthål snöröjning halka parkbänk", True),
    ("Bygglovsenheten", "0920-45 36 40", "bygglov", "Stadsbyggnadsförvaltningen",
     "Telefontid mån–fre 10–12", "bygglov bygga attefall anmälan ritningar", True),
    ("Miljö- och livsmedelskontrollen", "0920-45 38 00", "miljo", "Miljöförvaltningen",
     "Mån–fre 08.00–16.30", "miljö livsmedel restaurang buller avlopp", True),
    ("Socialjouren", "0920-45 39 99", "socialjouren", "Socialförvaltningen",
     "Kvällar, nätter och helger", "socialjour akut orosanmälan", True),
    ("Skolskjutsar", "0920-45 37 60", "skolskjuts", "Barn- och utbildningsförvaltningen",
     "Mån–fre 08.00–16.00", "skolskjuts buss taxi skolväg", True),
    ("IT-supporten", "0920-45 39 00", "itsupport", "Kommunledningsförvaltningen",
     "Mån–fre 07.30–16.30", "dator lösenord konto skrivare it", False),
    ("Mottagningen ekonomiskt bistånd", "0920-45 39 50", "ekonomisktbistand", "Socialförvaltningen",
     "Telefontid mån–fre 9–11", "ekonomiskt bistånd försörjningsstöd socialbidrag", True),
    ("Hemtjänstens samordning", "0920-45 38 50", "hemtjanst", "Socialförvaltningen",
     "Mån–fre 07.00–16.00", "hemtjänst trygghetslarm planering", False),
    ("Räddningstjänstens kansli", "0920-45 38 90", "raddningstjansten", "Räddningstjänsten",
     "Mån–fre 08.00–16.00", "brandskydd tillsyn sotning eldningsförbud", False),
]


def seed_directory():
    """Sync the demo directory, give people demo contact details, add the functional entries."""
    directory = ldap_client.get_directory(current_app)
    if directory.mode != "demo":
        return []  # never invent contact details for real people
    now = utcnow()
    report = sync.sync_directory(directory, now, actor=SEED_ACTOR)
    lines = [f"Katalogen: {report.summary()}"] if report.changed else []
    lines += _contact_details(now)
    lines += _functions(now)
    db.session.commit()
    return lines


def _contact_details(now):
    generated = {person.guid: person for person in _generated_people()}
    by_guid = {person.guid: person for person in db.session.scalars(select(Person))}
    filled = 0
    for guid, person in by_guid.items():
        if person.confirmed_at or person.location or person.reach_note:
            continue  # already seeded, or edited by someone: leave it
        demo = generated.get(guid)
        if demo is not None:
            location, note, days = demo.location, demo.note, demo.confirmed_days_ago
        elif person.username in DEMO_USER_DETAILS:
            location, note, days = DEMO_USER_DETAILS[person.username]
        else:
            continue
        if not (location or note or days is not None):
            continue
        person.location, person.reach_note = location, note
        person.confirmed_at = now - timedelta(days=days) if days is not None else None
        person.created_at = min(person.created_at, now - timedelta(days=1000))  # "employed" long ago
        search.index_person(person)
        filled += 1
    hidden = _protected_identity(by_guid, generated)
    lines = [f"Katalogen: demokontaktuppgifter för {filled} personer"] if filled else []
    return lines + ([f"Katalogen: {hidden.display_name} dold (skyddad identitet)"] if hidden else [])


def _protected_identity(by_guid, generated):
    """One demo person with protected identity, hidden from everyone but admins."""
    for demo in list(generated.values())[16:]:
        person = by_guid.get(demo.guid)
        if person is not None and person.active:
            if person.hidden:
                return None
            person.hidden = True
            return person
    return None


def _functions(now):
    existing = {entry.name for entry in db.session.scalars(select(FunctionalEntry))}
    domain = current_app.config["LDAP_UPN_SUFFIX"] or "kundweb.demo"
    added = []
    for name, phone, mailbox, unit_name, hours, keywords, public in FUNCTIONS:
        if name in existing:
            continue
        unit = services.unit_named(unit_name, now)
        db.session.flush()
        responsible = db.session.scalar(select(Person).where(
            Person.unit_id == unit.id, Person.active.is_(True), Person.hidden.is_(False))
            .order_by(Person.sort_key).offset(len(added) % 3).limit(1))
        services.save_function(SEED_ACTOR, None, services.FunctionInput(
            name=name, phone=phone, email=f"{mailbox}@{domain}", unit_id=unit.id, opening_hours=hours,
            responsible_username=responsible.username if responsible else "", public=public, keywords=keywords),
            now)
        added.append(name)
    return [f"Katalogen: {len(added)} funktioner"] if added else []


def _generated_people():
    """The same made-up people the demo directory was given at start-up."""
    path = current_app.config.get("DEMO_DIRECTORY_FILE") or ldap_client.default_demo_file()
    with open(path, encoding="utf-8") as handle:
        options = json.load(handle).get("generated_people") or {}
    return people.generate(options.get("count", 0), options.get("seed", people.DEFAULT_SEED))

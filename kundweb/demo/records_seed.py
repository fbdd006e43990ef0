"""Demo public records: the business systems, and a few registered items in each state.

Idempotent: the systems are added only to an empty list, and each item carries a fixed
form key, so registering it again returns the one already there.
"""
from datetime import timedelta

from sqlalchemy import func, select

from kundweb.audit.services import Actor
from kundweb.database import utcnow
from kundweb.extensions import db
from kundweb.records import services
from kundweb.records.models import BusinessSystem

ADMIN = Actor("david", frozenset({"admin"}))
ANNA = (Actor("anna", frozenset({"employee"})),
        services.Person("anna", "Anna Andersson", "anna.andersson@kundweb.demo"))
BERTIL = (Actor("bertil", frozenset({"employee", "agent"})),
          services.Person("bertil", "Bertil Öberg", "bertil.oberg@kundweb.demo"))
SYSTEMS = [
    ("Ärendehanteringssystemet (diariet)", "Diarieförda ärenden i alla nämnder"),
    ("Verksamhetssystemet för vård och omsorg", "Socialförvaltningens personakter"),
    ("Bygglovssystemet", "Bygglov, anmälningar och tillsyn"),
    ("Felanmälningssystemet", "Gata, park och belysning"),
]
# (form key, who, days ago, kind, sender, description, concerns a matter, confidential ground, then)
ITEMS = [
    ("demo-records-0001", ANNA, 8, "voicemail", "Kalle Karlsson, 070-123 45 67",
     "Undrar varför soptunnan på Storgatan 5 inte tömts på två veckor.", True, None, None),
    ("demo-records-0002", BERTIL, 3, "email", "lisa.nilsson@example.se",
     "Ansöker om förlängt parkeringstillstånd för rörelsehindrad.", True, None, ("document", 3, "SBN 2026-00412")),
    ("demo-records-0003", BERTIL, 2, "call", None, "Försäljare av telefonabonnemang.", False, None,
     ("close", "Reklamsamtal, inget ärende.")),
    ("demo-records-0004", ANNA, 1, "mobile", "Anhörig till en brukare",
     "Berättar om sin mammas hälsa och ber om ett samtal med biståndshandläggaren.", True,
     "OSL 26 kap. 1 §", None),
]


def seed_records():
    changes = []
    if not db.session.scalar(select(func.count()).select_from(BusinessSystem)):
        for name, description in SYSTEMS:
            services.add_business_system(ADMIN, name, description)
        changes.append(f"{len(SYSTEMS)} verksamhetssystem för allmänna handlingar")
    systems = {system.name: system.id for system in services.business_systems()}
    added = 0
    for key, (actor, person), days, kind, sender, description, concerns, ground, then in ITEMS:
        arrived = utcnow() - timedelta(days=days, hours=2)
        data = services.ItemInput(kind, arrived, sender, description, concerns, bool(ground), ground,
                                  received_by_unit=actor.has_role("agent"))
        registration = services.register(actor, person, data, [], key, now=arrived + timedelta(hours=1))
        if not registration.created:
            continue
        added += 1
        if then and then[0] == "document" and systems:
            services.document(actor, person, registration.item.id, list(systems.values())[then[1] % len(systems)],
                              then[2])
        elif then and then[0] == "close":
            services.close(actor, person, registration.item.id, then[1])
    if added:
        changes.append(f"{added} registrerade allmänna handlingar")
    return changes

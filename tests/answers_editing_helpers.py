"""Shared setup for the Kunskapsbanken editing tests: owners, editors, a responsible person, a category."""
from types import SimpleNamespace

from kundweb.audit.services import Actor
from kundweb.enquiries import services as enquiries
from tests.companies_helpers import company
from tests.directory_helpers import add_person

ADMIN = Actor("david", frozenset({"admin"}))
BUILDING_EDITOR = Actor("elin", frozenset({"editor", "employee"}))
SOCIAL_EDITOR = Actor("frida", frozenset({"editor", "employee"}))
ENERGY_EDITOR = Actor("gunnel", frozenset({"editor", "employee"}))
AGENT = Actor("bertil", frozenset({"agent", "employee"}))


def owners():
    """Two departments and a company, an editor in each, a responsible person and two categories."""
    elin = add_person("elin", "Elin Lundberg", department="Stadsbyggnadsförvaltningen", title="Bygglovshandläggare")
    frida = add_person("frida", "Frida Holm", department="Socialförvaltningen")
    energy = company()
    gunnel = add_person("gunnel", "Gunnel Berg", department="Luleå Energi AB")
    hanna = add_person("hanna", "Hanna Strand", department="Stadsbyggnadsförvaltningen", title="Bygglovsarkitekt")
    bygglov = enquiries.add_category(ADMIN, "Stadsbyggnad", "Bygglov")
    energi = enquiries.add_category(ADMIN, "Luleå Energi", "Elavbrott")
    # Plain ids, so the tests may use them outside the app context that made the rows.
    person = {p.username: SimpleNamespace(id=p.id, unit_id=p.unit_id) for p in (elin, frida, gunnel, hanna)}
    return SimpleNamespace(building=elin.unit_id, social=frida.unit_id, energy=energy.id, elin=person["elin"],
                           frida=person["frida"], gunnel=person["gunnel"], hanna=person["hanna"], bygglov=bygglov.id,
                           energi=energi.id)


def fields(setup, **changes):
    """A valid answer owned by Stadsbyggnadsförvaltningen, with `changes`."""
    values = {
        "question": "Behöver jag bygglov för ett attefallshus?",
        "phrasings": "Attefallshus bygglov\nFår jag bygga en friggebod?",
        "keywords": "attefall friggebod anmälan",
        "body": "Nej, men du behöver göra en anmälan.\n\n1. Fyll i anmälan\n2. Vänta på startbesked",
        "links": [{"label": "Anmälan attefallsåtgärd", "url": "https://www.lulea.se/bygglov"}],
        "unit_id": setup.building, "company_id": None, "responsible_id": setup.hanna.id,
        "category_id": setup.bygglov, "visibility": "publik", "review_by": None,
    }
    values.update(changes)
    return values

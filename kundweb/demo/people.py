"""Made-up municipal staff for the demo directory and the benchmarks: deterministic (seeded).

The same generator feeds the in-process demo directory at start-up (so the demo's
directory sync runs the production code path), the demo seeder's contact details,
and the 20,000-person benchmark.
"""
import random
import uuid
from dataclasses import dataclass

DEFAULT_SEED = 20180126  # the guideline's date; any fixed number keeps the demo stable

DEPARTMENTS = {
    "Kommunledningsförvaltningen": [
        "Ekonom", "Controller", "HR-specialist", "Lönehandläggare", "IT-tekniker", "Upphandlare",
        "Kommunjurist", "Nämndsekreterare", "Registrator", "Arkivarie", "Säkerhetssamordnare"],
    "Socialförvaltningen": [
        "Socialsekreterare", "Biståndshandläggare", "Undersköterska", "Enhetschef hemtjänst",
        "Sjuksköterska", "LSS-handläggare", "Boendestödjare", "Familjebehandlare", "Avgiftshandläggare"],
    "Barn- och utbildningsförvaltningen": [
        "Lärare", "Förskollärare", "Rektor", "Skolsköterska", "Studie- och yrkesvägledare",
        "Barnskötare", "Fritidspedagog", "Skolskjutshandläggare", "Antagningshandläggare"],
    "Stadsbyggnadsförvaltningen": [
        "Bygglovshandläggare", "Planarkitekt", "Lantmätare", "Trafikingenjör", "Gatuingenjör",
        "Projektledare VA", "Kart- och mätingenjör", "Byggnadsinspektör"],
    "Kultur- och fritidsförvaltningen": [
        "Bibliotekarie", "Fritidsledare", "Badmästare", "Föreningskonsulent", "Anläggningsskötare",
        "Producent", "Museipedagog", "Kulturskolelärare"],
    "Arbetsmarknadsförvaltningen": [
        "Arbetsmarknadskonsulent", "Budget- och skuldrådgivare", "Handledare", "Integrationssamordnare",
        "Studievägledare", "Jobbcoach"],
    "Miljöförvaltningen": [
        "Miljöinspektör", "Livsmedelsinspektör", "Hälsoskyddsinspektör", "Miljöstrateg",
        "Naturvårdshandläggare"],
    "Räddningstjänsten": [
        "Brandman", "Styrkeledare", "Brandingenjör", "Tillsynsförrättare", "Insatsledare",
        "Utbildare brandskydd"],
}
# Kundcenter's own staff, a few besides the hand-written demo users.
KUNDCENTER = ("Kundcenter", ["Kundtjänstmedarbetare", "Kommunvägledare", "Växeltelefonist"])

GIVEN_NAMES = [
    "Anna", "Åsa", "Märta", "Maria", "Karin", "Eva", "Ingrid", "Birgitta", "Annika", "Ulla", "Johanna",
    "Malin", "Sara", "Emma", "Hanna", "Linda", "Jenny", "Camilla", "Linnéa", "Sofia", "Elsa", "Ida",
    "Maja", "Stina", "Gunnel", "Märit", "Britt-Marie", "Ann-Sofie", "Signe", "Tove", "Saga", "Elin",
    "Frida", "Ebba", "Tuva", "Alva", "Aino", "Raija", "Pirjo", "Lovisa", "Agnes", "Sigrid", "Mona",
    "Björn", "Göran", "Jörgen", "Örjan", "Åke", "Sölve", "Jonas", "Mikael", "Pär", "Per", "Lars",
    "Karl", "Kjell", "Leif", "Gösta", "Göte", "Anders", "Johan", "Erik", "Peter", "Fredrik", "Magnus",
    "Daniel", "Henrik", "Stefan", "Mats", "Tomas", "Håkan", "Ulf", "Bengt", "Sven", "Nils", "Olof",
    "Oskar", "Viktor", "Emil", "Axel", "Hugo", "Per-Olof", "Jan-Erik", "Eino", "Juhani", "Måns", "Tore",
]
SURNAMES = [
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson",
    "Svensson", "Gustafsson", "Pettersson", "Lindström", "Öberg", "Åström", "Östlund", "Lindqvist",
    "Lundgren", "Bergström", "Sandström", "Nyström", "Söderberg", "Björk", "Åberg", "Ekström",
    "Hägglund", "Lundström", "Sjöberg", "Holmström", "Forsberg", "Öhman", "Strömberg", "Rönnbäck",
    "Wikström", "Näslund", "Marklund", "Burman", "Sundqvist", "Lindbäck", "Nordström", "Granström",
    "Häggström", "Mäki", "Niemi", "Pekkari", "Kero", "Heikkilä", "Palo", "Öhrling", "Fjällström",
    "Bäckström", "Isaksson", "Henriksson", "Åhlén", "Lestander", "Nordlund", "Engström", "Vikström",
]
BUILDINGS = {
    "Kommunledningsförvaltningen": "Stadshuset",
    "Socialförvaltningen": "Stadshuset",
    "Barn- och utbildningsförvaltningen": "Kulturens hus",
    "Stadsbyggnadsförvaltningen": "Stadshuset",
    "Kultur- och fritidsförvaltningen": "Kulturens hus",
    "Arbetsmarknadsförvaltningen": "Lulsundet",
    "Miljöförvaltningen": "Stadshuset",
    "Räddningstjänsten": "Brandstationen Gültzauudden",
    "Kundcenter": "Stadshuset",
}
NOTES = [
    "Nås bäst på mobilen.", "Telefontid mån–fre 9–10.", "Arbetar deltid mån–ons.",
    "Ring helst före lunch.", "Ute i verksamheten eftermiddagar – lämna meddelande.",
    "Svarar på e-post inom en arbetsdag.", "Hänvisa frågor om bistånd till handläggarlinjen.",
    "Tjänstledig fredagar.", "Kvällstjänst varannan vecka.",
]
# Extensions and numbers the hand-written demo users (directory.json) already have.
RESERVED_EXTENSIONS = {"3001", "3021", "3027", "3044", "3112", "3550"}


@dataclass(frozen=True)
class DemoPerson:
    """One made-up employee: what AD knows about them, plus their own contact details."""

    username: str
    given_name: str
    surname: str
    title: str
    department: str
    email: str
    guid: str
    extension: str
    direct_number: str
    mobile: str
    disabled: bool
    location: str
    note: str
    confirmed_days_ago: int | None  # None: never confirmed

    @property
    def display_name(self):
        return f"{self.given_name} {self.surname}"

    def account(self):
        """This person as the directory would return their AD account."""
        from kundweb.ldap_client import DirectoryAccount

        return DirectoryAccount(
            dn=f"CN={self.display_name} ({self.username}),OU=Personal", username=self.username,
            display_name=self.display_name, given_name=self.given_name, surname=self.surname, email=self.email,
            title=self.title, department=self.department, phone=self.direct_number, ip_phone=self.extension,
            mobile=self.mobile, guid=self.guid, disabled=self.disabled)


def generate(count, seed=DEFAULT_SEED, mail_domain="kundweb.demo"):
    """`count` made-up employees, the same ones for the same arguments."""
    rng = random.Random(seed)
    departments = list(DEPARTMENTS.items())
    extensions = _extensions(rng, count)
    usernames = set()
    people = []
    for index in range(count):
        if index % 40 == 39:
            department, titles = KUNDCENTER
        else:
            department, titles = departments[index % len(departments)]
        given, surname = rng.choice(GIVEN_NAMES), rng.choice(SURNAMES)
        username, number = _username(given, surname, usernames)
        extension = extensions[index]
        roll = rng.random()
        people.append(DemoPerson(
            username=username,
            given_name=given,
            surname=surname,
            title=rng.choice(titles),
            department=department,
            email=f"{_ascii(given)}.{_ascii(surname)}{number if number > 1 else ''}@{mail_domain}",
            guid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            extension=extension,
            direct_number=_direct_number(extension),
            mobile=f"07{rng.choice('02369')}-{rng.randint(100, 999)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
            if rng.random() < 0.6 else "",
            disabled=rng.random() < 0.02,
            location=f"{BUILDINGS[department]}, rum {rng.randint(1, 5)}{rng.randint(10, 40):02d}"
            if rng.random() < 0.7 else "",
            note=rng.choice(NOTES) if rng.random() < 0.35 else "",
            # Most confirmed within the year; some not for over a year (stale), a few never.
            confirmed_days_ago=(rng.randint(0, 330) if roll < 0.75 else
                                rng.randint(380, 900) if roll < 0.93 else None),
        ))
    return people


def directory_entries(base_dn, count, seed=DEFAULT_SEED, ou="OU=Personal"):
    """The generated people as demo-directory entries (the JSON shape of directory.json)."""
    suffix = ".".join(part.split("=", 1)[1] for part in base_dn.split(",")).lower()
    entries = []
    for person in generate(count, seed, mail_domain=suffix):
        attributes = {
            "objectClass": ["top", "person", "organizationalPerson", "user"],
            "objectCategory": "person",
            "cn": person.display_name,
            "sAMAccountName": person.username,
            "userPrincipalName": f"{person.username}@{suffix}",
            "givenName": person.given_name,
            "sn": person.surname,
            "displayName": person.display_name,
            "mail": person.email,
            "title": person.title,
            "department": person.department,
            "telephoneNumber": person.direct_number,
            "ipPhone": person.extension,
            "objectGUID": person.guid,
            "userAccountControl": "514" if person.disabled else "512",
        }
        if person.mobile:
            attributes["mobile"] = person.mobile
        # Two people may share a name; AD's CN must differ, so the user name tells them apart.
        entries.append({"dn": f"CN={person.display_name} ({person.username}),{ou},{base_dn}",
                        "attributes": attributes})
    return entries


def _extensions(rng, count):
    """Unique extensions: four digits while they last (as most of the staff have), then five."""
    four = [str(n) for n in range(4000, 10000) if str(n) not in RESERVED_EXTENSIONS]
    if count <= len(four):
        return rng.sample(four, count)
    five = rng.sample(range(10000, 100000), count - len(four))
    return rng.sample(four, len(four)) + [str(n) for n in five]


def _direct_number(extension):
    """Kundcenter's own numbers are 0920-45 3x xx; a direct number ends with the extension."""
    digits = ("5" + extension) if len(extension) == 4 else extension
    return f"0920-4{digits[0]} {digits[1:3]} {digits[3:]}"


def _username(given, surname, taken):
    base = (_ascii(given)[:3] + _ascii(surname)[:3]).replace("-", "")
    for number in range(1, 1000):
        username = f"{base}{number:02d}"
        if username not in taken:
            taken.add(username)
            return username, number
    raise RuntimeError("ran out of user names")  # 999 people with the same six letters: not in a demo


def _ascii(name):
    table = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u"})
    return name.lower().translate(table).replace(" ", "")

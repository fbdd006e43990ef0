"""The directory sync against the real Samba AD DC that `make test` starts.

Leaves Samba as it found it: the users this test adds are deleted again, also when it fails.
"""
import base64
import os
import subprocess

import pytest

from kundweb import ldap_client
from kundweb.audit.services import Actor
from kundweb.database import utcnow
from kundweb.directory import search, services, sync
from kundweb.directory.models import Person
from kundweb.extensions import db
from tests.conftest import require_env
from tests.test_auth_real_ad import ad_app, ad_env, samba_tool  # noqa: F401  (fixtures)

pytestmark = pytest.mark.real_ad
SEEDED = {"anna", "bertil", "cecilia", "david", "erik", "frida", "gustav"}  # helena: disabled, ivar: expired
NOT_PEOPLE = {"administrator", "guest", "krbtgt", "dns-vm", "svc-kundweb", "helena", "ivar"}
OWNED = ("extension", "direct_number", "mobile", "location", "reach_note", "confirmed_at", "hidden")


@pytest.fixture
def ad_users(ad_env):
    """Create AD users for this run (unique names: runs may overlap); delete them afterwards, whatever happens."""
    suffix = f"{os.getpid() % 100000}"
    created = []

    def create(username, given, surname, **options):
        username = f"{username}{suffix}"
        samba_tool(ad_env, "user", "create", username, f"{given}-pw-1", f"--given-name={given}",
                   f"--surname={surname}", f"--mail-address={username}@kundweb.test",
                   *[f"--{key.replace('_', '-')}={value}" for key, value in options.items()])
        created.append(username)
        return username

    try:
        yield create
    finally:
        for username in created:
            subprocess.run(["samba-tool", "user", "delete", username, "-s", ad_env["KUNDWEB_TEST_SAMBA_CONF"]],
                           capture_output=True, timeout=60)


def set_title(ad_env, display_name, title):
    """Change a title over LDAP as the domain administrator (what HR's tools do)."""
    admin_dn, password = require_env("KUNDWEB_TEST_AD_ADMIN_DN", "KUNDWEB_TEST_AD_ADMIN_PASSWORD")
    dn = f"CN={display_name},CN=Users,{ad_env['KUNDWEB_TEST_AD_BASE_DN']}"
    ldif = (f"dn:: {base64.b64encode(dn.encode()).decode()}\nchangetype: modify\nreplace: title\n"
            f"title:: {base64.b64encode(title.encode()).decode()}\n-\n")
    subprocess.run(["ldapmodify", "-x", "-H", ad_env["KUNDWEB_TEST_AD_URL"], "-D", admin_dn, "-w", password],
                   input=ldif.encode(), check=True, capture_output=True, timeout=30)


def people():
    db.session.expire_all()
    return {person.username: person for person in db.session.scalars(db.select(Person))}


def owned(person):
    return tuple(getattr(person, name) for name in OWNED)


def test_sync_follows_real_ad_and_never_touches_owned_fields(ad_app, ad_env, ad_users):
    directory = ldap_client.get_directory(ad_app)
    leaver = ad_users("lisa", "Lisa", "Öhman", department="Socialförvaltningen", job_title="Biståndshandläggare")
    promoted = ad_users("mats", "Mats", "Ängström", department="Kultur och fritid", job_title="Bibliotekarie",
                        telephone_number="0920-45 35 11")
    with ad_app.app_context():
        first = sync.sync_directory(directory, utcnow())
        found = people()
        assert set(found) == SEEDED | {leaver, promoted}, sorted(found)
        assert not {name.lower() for name in found} & NOT_PEOPLE
        assert sorted(first.created) == sorted(found)
        bertil = found["bertil"]
        assert (bertil.display_name, bertil.title, bertil.unit_name) == ("Bertil Öberg", "Kundhandläggare", "Kundtjänst")
        assert (bertil.extension, bertil.direct_number) == ("2102", "+46855510102")  # ipPhone, telephoneNumber
        assert found[promoted].direct_number == "+46920453511"
        # People keep their own details current in Kundweb, not in AD.
        for person in found.values():
            services.update_contact(Actor(person.username, frozenset()), person, services.ContactInput(
                extension=person.extension or "", direct_number=person.direct_number or "",
                location=f"Rum {person.id}", reach_note="Nås bäst före lunch"), utcnow())
        before = {username: owned(person) for username, person in people().items()}

    added = ad_users("kalle", "Kalle", "Åberg", department="Räddningstjänsten", job_title="Brandman")
    samba_tool(ad_env, "user", "disable", leaver)
    set_title(ad_env, "Mats Ängström", "Enhetschef för biblioteken")
    with ad_app.app_context():
        second = sync.sync_directory(directory, utcnow())
        assert second.created == [added]
        assert second.deactivated == [(leaver, "disabled")]
        assert second.updated == [(promoted, ["title"])]
        assert second.reactivated == []
        after = people()
        assert owned(after[leaver]) == before[leaver] and not after[leaver].active
        assert all(owned(after[name]) == before[name] for name in before)
        assert after[promoted].title == "Enhetschef för biblioteken"
        assert [hit.name for hit in search.search("kalle åberg").hits] == ["Kalle Åberg"]
        assert search.search("lisa ohman").hits == []

        third = sync.sync_directory(directory, utcnow())
        assert not third.changed and third.unchanged == len(after)


def test_a_new_employee_fetches_their_own_entry_from_real_ad(ad_app):
    with ad_app.app_context():
        directory = ldap_client.get_directory(ad_app)
        assert directory.find_person("svc-kundweb") is None  # a service account is nobody's entry
        account = directory.find_person("frida")
        person = sync.sync_account(account, utcnow())
        assert (person.display_name, person.extension) == ("Frida Holm", "2106")


def test_the_live_ad_search_the_benchmark_compares_with(ad_app):
    with ad_app.app_context():
        directory = ldap_client.get_directory(ad_app)
        assert [a.username for a in directory.search_people("Öberg")] == ["bertil"]
        assert [a.username for a in directory.search_people("kundhandl gustav")] == ["gustav"]
        assert directory.search_people("*)(sAMAccountName=*") == []  # escaped, not a filter
        assert directory.search_people("   ") == []

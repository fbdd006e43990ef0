"""Registration numbers under real concurrency: 8 processes registering at once, on SQLite or PostgreSQL."""
from kundweb.audit.services import verify_chain
from kundweb.extensions import db
from kundweb.records.models import RecordItem
from tests.process_helpers import run_at_once
from tests.records_helpers import clean_store  # noqa: F401 - an autouse fixture

PROCESSES = 8
PER_PROCESS = 6
FAIL_AT = 3  # each process's third registration fails after taking its number

WORKER = """
import json, os, sys, time
from datetime import timedelta
from kundweb import create_app
from kundweb.audit.services import Actor
from kundweb.database import utcnow
from kundweb.records import services

database_url, store, worker, count, rendezvous, fail_at = sys.argv[1:]
app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": database_url, "RECORDS_STORAGE_DIR": store})
actor = Actor(f"worker{worker}", frozenset({"employee"}))
person = services.Person(actor.username, f"Medarbetare {worker}", "")
real_record, calls = services.audit.record, [0]

def failing_once(*args, **kwargs):
    # The registration's audit event comes after its number was taken: failing here must give it back.
    calls[0] += 1
    if calls[0] == int(fail_at):
        raise RuntimeError("injected")
    return real_record(*args, **kwargs)

services.audit.record = failing_once
numbers = []
with app.app_context():
    open(os.path.join(rendezvous, f"ready-{worker}"), "w").close()
    while not os.path.exists(os.path.join(rendezvous, "go")):
        time.sleep(0.002)
    for i in range(int(count)):
        data = services.ItemInput("call", utcnow() - timedelta(minutes=5), None, f"Samtal {worker}-{i}", False)
        try:
            numbers.append(services.register(actor, person, data, [], f"w{worker}-{i}-0123456789abcdef").item.number)
        except RuntimeError:
            numbers.append(None)
print(json.dumps(numbers))
"""


def test_eight_processes_registering_at_once_get_unique_gap_free_numbers(app, tmp_path):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    results = run_at_once(WORKER, [(url, app.config["RECORDS_STORAGE_DIR"], n, PER_PROCESS, tmp_path, FAIL_AT)
                                   for n in range(PROCESSES)], tmp_path)
    taken = sorted(n for numbers in results for n in numbers if n is not None)
    expected = PROCESSES * (PER_PROCESS - 1)
    assert all(numbers.count(None) == 1 for numbers in results)  # each injected failure happened
    assert taken == list(range(1, expected + 1))  # unique, and no gaps where the failures were
    with app.app_context():
        stored = db.session.scalars(db.select(RecordItem.number).order_by(RecordItem.number)).all()
        assert stored == taken
        report = verify_chain()  # concurrent writers appended one after another: the chain did not fork
        assert report.ok and report.checked == expected, report

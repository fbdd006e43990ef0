"""Editors saving the same answer at the same moment: real processes, on SQLite or PostgreSQL."""
from sqlalchemy import func, select

from kundweb.answers import services
from kundweb.answers.models import AnswerVersion
from kundweb.audit import services as audit
from kundweb.audit.models import AuditEvent
from kundweb.extensions import db
from tests.answers_editing_helpers import BUILDING_EDITOR, fields, owners
from tests.process_helpers import run_at_once

PROCESSES = 4
SAVES = 3

WORKER = """
import json, os, sys, time
from kundweb import create_app
from kundweb.answers import services
from kundweb.audit.services import Actor

database_url, worker, rendezvous, answer_id = sys.argv[1:]
app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": database_url})
editor = Actor("elin", frozenset({"editor"}))
results = []
with app.app_context():
    open(os.path.join(rendezvous, f"ready-{worker}"), "w").close()
    while not os.path.exists(os.path.join(rendezvous, "go")):
        time.sleep(0.002)
    for save in range(%d):
        answer = services.get_answer(int(answer_id))
        try:
            services.update_answer(editor, answer, {"keywords": f"sparat av {worker} gång {save}"})
            results.append("saved")
        except services.AnswerError as exc:
            results.append(str(exc))
print(json.dumps(results))
""" % SAVES


def _run_at_once(app, tmp_path, answer_id):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    rendezvous = tmp_path / "rendezvous"
    rendezvous.mkdir()
    results = run_at_once(WORKER, [(url, n, rendezvous, answer_id) for n in range(PROCESSES)], rendezvous)
    return [result for worker_results in results for result in worker_results]


def test_saves_at_once_make_unique_gap_free_versions_and_none_is_lost_silently(app, tmp_path):
    with app.app_context():
        answer_id = services.create_answer(BUILDING_EDITOR, fields(owners())).id
    results = _run_at_once(app, tmp_path, answer_id)
    saved = results.count("saved")
    # A save that lost the race says so in Swedish (SQLite has no row lock); it never fails otherwise.
    assert all(r == "saved" or r == str(services.ChangedMeanwhile()) for r in results), results
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            assert saved == PROCESSES * SAVES  # the row lock puts them one after another
        assert saved >= 1
        answer = services.get_answer(answer_id)
        numbers = db.session.scalars(select(AnswerVersion.number).where(AnswerVersion.answer_id == answer_id)
                                     .order_by(AnswerVersion.number)).all()
        assert numbers == list(range(1, saved + 2)) and answer.version == saved + 1
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "answer.edited")) == saved
        newest = services.versions(answer)[0]
        assert newest.snapshot["keywords"] == answer.keywords  # the last save is the answer as it stands
        assert audit.verify_chain().ok

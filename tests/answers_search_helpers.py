"""Answers made directly through the model, for the search and enquiry-link tests."""
from datetime import date, timedelta

from kundweb.answers.models import Answer
from kundweb.database import utcnow
from kundweb.directory import services as directory
from kundweb.enquiries.services import local_day
from kundweb.extensions import db


def today():
    return local_day(utcnow())


def make_answer(question, status="published", phrasings="", keywords="", visibility="intern", review_by=None,
                unit="Stadsbyggnadsförvaltningen", body="Så här gör du.", links=(), responsible_id=None,
                category_id=None):
    """A saved answer owned by `unit` (created if needed), its review date a year ahead unless given."""
    now = utcnow()
    answer = Answer(question=question, phrasings=phrasings, keywords=keywords, body=body, links=list(links),
                    unit_id=directory.unit_named(unit, now).id, visibility=visibility, status=status,
                    review_by=review_by or today() + timedelta(days=365), responsible_id=responsible_id,
                    category_id=category_id, created_at=now, created_by="david", updated_at=now,
                    updated_by="david", published_at=now if status == "published" else None)
    db.session.add(answer)
    db.session.commit()
    return answer


def past(days):
    return today() - timedelta(days=days)


__all__ = ["make_answer", "today", "past", "date"]

"""A call-back for tests that log an enquiry with the outcome "Återkoppling", which always names one."""
from sqlalchemy import select

from kundweb.database import utcnow
from kundweb.directory.models import Unit
from kundweb.enquiries.callbacks import CallBackInput
from kundweb.extensions import db


def callback_for(outcome, unit_name="Kundcenter"):
    """For outcome "callback": a call-back by `unit_name` (made if missing) to a mobile number; else None."""
    if outcome != "callback":
        return None
    unit_id = db.session.scalar(select(Unit.id).where(Unit.name == unit_name))
    if unit_id is None:
        unit = Unit(name=unit_name, created_at=utcnow())
        db.session.add(unit)
        db.session.flush()
        unit_id = unit.id
    return CallBackInput(f"unit:{unit_id}", None, "070-123 45 67")

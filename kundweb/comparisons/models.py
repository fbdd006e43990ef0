"""Kolada figures imported from files, and which KPIs and municipalities the admins compare with."""
from kundweb.database import UTCDateTime
from kundweb.extensions import db

GENDERS = {"T": "Totalt", "K": "Kvinnor", "M": "Män"}


class ComparisonImport(db.Model):
    """One accepted Kolada file: its name, how many rows, by whom."""

    __tablename__ = "comparison_import"

    id = db.Column(db.Integer, primary_key=True)
    filename = db.Column(db.String(200), nullable=False)
    rows = db.Column(db.Integer, nullable=False)
    imported_at = db.Column(UTCDateTime, nullable=False)
    imported_by = db.Column(db.String(128), nullable=False)


class ComparisonValue(db.Model):
    """A Kolada value: one KPI, municipality (or group), year and gender. None: Kolada has no value."""

    __tablename__ = "comparison_value"
    __table_args__ = (db.UniqueConstraint("kpi", "municipality", "period", "gender"),)

    id = db.Column(db.Integer, primary_key=True)
    kpi = db.Column(db.String(16), nullable=False)
    municipality = db.Column(db.String(16), nullable=False)
    period = db.Column(db.Integer, nullable=False)
    gender = db.Column(db.String(1), nullable=False)
    value = db.Column(db.Float)
    import_id = db.Column(db.Integer, db.ForeignKey("comparison_import.id"), nullable=False, index=True)


class ComparisonChoice(db.Model):
    """A KPI (with its heading and the Luleå goal it sits beside) or a municipality to compare with."""

    __tablename__ = "comparison_choice"
    __table_args__ = (db.UniqueConstraint("kind", "code"),)

    id = db.Column(db.Integer, primary_key=True)
    kind = db.Column(db.String(16), nullable=False)  # "kpi" or "municipality"
    code = db.Column(db.String(16), nullable=False)  # "U00437", "0180", "G124"
    label = db.Column(db.String(200), nullable=False)
    goal = db.Column(db.String(16))  # a key of kundweb.goals.kpi.GOALS, for a KPI
    position = db.Column(db.Integer, nullable=False)

"""Admin-edited opening-hour rules and the digital channels' maintenance windows."""
from kundweb.database import UTCDateTime
from kundweb.extensions import db


class HoursSettings(db.Model):
    """The one row of general settings: when a day before a holiday closes, and the weekly default."""

    __tablename__ = "hours_settings"

    id = db.Column(db.Integer, primary_key=True)
    early_close = db.Column(db.Time, nullable=False)
    # Monday..Sunday: ["08:00", "17:00"] or null when closed; null = the default Mon–Fri 08–17.
    # Kept in this row, which every opening-hours question reads anyway: no extra query per page.
    weekly = db.Column(db.JSON)
    updated_at = db.Column(UTCDateTime)
    updated_by = db.Column(db.String(128))


class ExtendedPeriod(db.Model):
    """Longer hours on the open days of a period (both dates inclusive)."""

    __tablename__ = "hours_extended_period"

    id = db.Column(db.Integer, primary_key=True)
    starts_on = db.Column(db.Date, nullable=False, index=True)
    ends_on = db.Column(db.Date, nullable=False, index=True)
    opens = db.Column(db.Time)
    closes = db.Column(db.Time, nullable=False)
    weekdays_only = db.Column(db.Boolean, nullable=False, default=True)
    note = db.Column(db.String(200))
    created_at = db.Column(UTCDateTime, nullable=False)
    created_by = db.Column(db.String(128))


class DayException(db.Model):
    """One day's hours that replace every other rule (closed, shortened, extended, normal)."""

    __tablename__ = "hours_day_exception"

    id = db.Column(db.Integer, primary_key=True)
    day = db.Column(db.Date, nullable=False, unique=True)
    kind = db.Column(db.String(16), nullable=False)
    opens = db.Column(db.Time)
    closes = db.Column(db.Time)
    note = db.Column(db.String(200))
    created_at = db.Column(UTCDateTime, nullable=False)
    created_by = db.Column(db.String(128))


class MaintenanceWindow(db.Model):
    """An announced interval when the digital channels (e-services, web) are down."""

    __tablename__ = "hours_maintenance_window"

    id = db.Column(db.Integer, primary_key=True)
    starts_at = db.Column(UTCDateTime, nullable=False, index=True)
    ends_at = db.Column(UTCDateTime, nullable=False, index=True)
    note = db.Column(db.String(200), nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False)
    created_by = db.Column(db.String(128))

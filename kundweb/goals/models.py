"""Targets, the imported inputs besides enquiries, and the frozen figures of closed months."""
from sqlalchemy import JSON

from kundweb.database import UTCDateTime
from kundweb.extensions import db


class GoalTarget(db.Model):
    """A goal's target from `valid_from` (the first of a month) until the next row of the same goal.

    Changing a target adds a row; months before it keep the target they had.
    """

    __tablename__ = "goal_target"
    __table_args__ = (db.UniqueConstraint("goal", "valid_from"),)

    id = db.Column(db.Integer, primary_key=True)
    goal = db.Column(db.String(16), nullable=False)
    value = db.Column(db.Float, nullable=False)
    limit_seconds = db.Column(db.Integer)  # the phone goal's "answered within" limit
    valid_from = db.Column(db.Date, nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False)
    created_by = db.Column(db.String(128))


class GoalImport(db.Model):
    """One accepted import: what, which period it replaced, by whom."""

    __tablename__ = "goal_import"

    id = db.Column(db.Integer, primary_key=True)
    kind = db.Column(db.String(24), nullable=False)  # telephony_day, telephony_call, survey
    filename = db.Column(db.String(200), nullable=False)
    rows = db.Column(db.Integer, nullable=False)
    period_from = db.Column(db.Date, nullable=False)
    period_to = db.Column(db.Date, nullable=False)
    imported_at = db.Column(UTCDateTime, nullable=False)
    imported_by = db.Column(db.String(128))


class TelephonyDay(db.Model):
    """The phone queue's figures for one local day, imported per day or summed from per-call rows."""

    __tablename__ = "goal_telephony_day"

    id = db.Column(db.Integer, primary_key=True)
    day = db.Column(db.Date, nullable=False, unique=True)
    month = db.Column(db.String(7), nullable=False, index=True)
    offered = db.Column(db.Integer, nullable=False)
    answered = db.Column(db.Integer, nullable=False)
    answered_within = db.Column(db.Integer, nullable=False)
    import_id = db.Column(db.Integer, db.ForeignKey("goal_import.id"), index=True)


class TelephonyCall(db.Model):
    """One call of a per-call import, kept for the figures a day's sums cannot give.

    The local (Europe/Stockholm) day, hour and weekday are worked out once at import, so the
    volume by hour and weekday is a plain GROUP BY on every database, DST included.
    """

    __tablename__ = "goal_telephony_call"

    id = db.Column(db.Integer, primary_key=True)
    day = db.Column(db.Date, nullable=False, index=True)
    month = db.Column(db.String(7), nullable=False)
    hour = db.Column(db.Integer, nullable=False)  # 0-23, local
    weekday = db.Column(db.Integer, nullable=False)  # 0 = Monday
    wait_seconds = db.Column(db.Integer, nullable=False)
    answered = db.Column(db.Boolean, nullable=False)
    import_id = db.Column(db.Integer, db.ForeignKey("goal_import.id"), index=True)


class SurveyMonth(db.Model):
    """Satisfaction survey answers of one month: how many gave each answer on a 4- or 5-level scale."""

    __tablename__ = "goal_survey_month"

    id = db.Column(db.Integer, primary_key=True)
    month = db.Column(db.String(7), nullable=False, unique=True)
    scale = db.Column(db.Integer, nullable=False)  # 4 or 5
    answer_1 = db.Column(db.Integer, nullable=False, default=0)  # the least satisfied
    answer_2 = db.Column(db.Integer, nullable=False, default=0)
    answer_3 = db.Column(db.Integer, nullable=False, default=0)
    answer_4 = db.Column(db.Integer, nullable=False, default=0)
    answer_5 = db.Column(db.Integer, nullable=False, default=0)  # 0 on the 4-level scale
    import_id = db.Column(db.Integer, db.ForeignKey("goal_import.id"), index=True)
    updated_at = db.Column(UTCDateTime, nullable=False)
    updated_by = db.Column(db.String(128))

    def answers(self):
        return [self.answer_1, self.answer_2, self.answer_3, self.answer_4, self.answer_5][:self.scale]


class WebAssessment(db.Model):
    """The national web-service assessment for a year: lulea.se is among the best `top_percent` %."""

    __tablename__ = "goal_web_assessment"

    id = db.Column(db.Integer, primary_key=True)
    year = db.Column(db.Integer, nullable=False, unique=True)
    top_percent = db.Column(db.Float, nullable=False)
    note = db.Column(db.String(200))
    updated_at = db.Column(UTCDateTime, nullable=False)
    updated_by = db.Column(db.String(128))


class MonthClose(db.Model):
    """A closed month: its figures as they were when closed. Later imports and edits do not touch them."""

    __tablename__ = "goal_month_close"

    month = db.Column(db.String(7), primary_key=True)
    closed_at = db.Column(UTCDateTime, nullable=False)
    closed_by = db.Column(db.String(128))
    reason = db.Column(db.String(300))  # why it was closed (required since reasons were asked for)
    figures = db.Column(JSON, nullable=False)


class MonthReopen(db.Model):
    """The latest reopening of a month that is open again: when, by whom and why.

    Shown on the month until it is closed anew (the audit log keeps every reopening).
    """

    __tablename__ = "goal_month_reopen"

    month = db.Column(db.String(7), primary_key=True)
    reopened_at = db.Column(UTCDateTime, nullable=False)
    reopened_by = db.Column(db.String(128))
    reason = db.Column(db.String(300), nullable=False)

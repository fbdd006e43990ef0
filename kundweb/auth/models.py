"""Server-side sessions and failed-login records."""
from kundweb.database import UTCDateTime
from kundweb.extensions import db


class UserSession(db.Model):
    """A logged-in session; the cookie holds a token whose SHA-256 is the key here.

    Ending the row ends the session everywhere, so a copied cookie is worthless
    after logout.
    """

    __tablename__ = "user_session"

    token_hash = db.Column(db.String(64), primary_key=True)
    username = db.Column(db.String(128), nullable=False, index=True)
    display_name = db.Column(db.String(256), nullable=False)
    email = db.Column(db.String(256), nullable=False, default="")
    directory_guid = db.Column(db.String(36), nullable=False, default="")
    roles = db.Column(db.String(256), nullable=False, default="employee")
    created_at = db.Column(UTCDateTime, nullable=False)
    last_seen_at = db.Column(UTCDateTime, nullable=False)
    roles_checked_at = db.Column(UTCDateTime, nullable=False)
    ended_at = db.Column(UTCDateTime, index=True)
    end_reason = db.Column(db.String(64))
    remote_addr = db.Column(db.String(64))

    @property
    def role_set(self):
        return frozenset(filter(None, self.roles.split(",")))


class LoginFailure(db.Model):
    """A refused login, counted to throttle guessing below AD's lockout threshold.

    Written before the directory is asked (the attempt's reserved slot) and deleted again if
    the login succeeds or the directory does not answer; see auth.services._reserve_attempt.
    """

    __tablename__ = "login_failure"

    id = db.Column(db.Integer, primary_key=True)
    # The keyed hash (HMAC) of the name as typed, never the name: people type passwords here.
    username = db.Column(db.String(128), nullable=False, index=True)
    remote_addr = db.Column(db.String(64), nullable=False, index=True)
    failed_at = db.Column(UTCDateTime, nullable=False, index=True)

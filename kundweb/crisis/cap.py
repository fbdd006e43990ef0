"""The public crisis messages as OASIS CAP 1.2 alerts: one version per publication or public change.

A message's versions are read from the audit log (its publication, then each edit or end
change while it showed), so every consumer that saw an earlier version is told which one
an Update replaces, and an ended message is a Cancel of what was last sent.
"""
from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from kundweb.audit.models import AuditEvent
from kundweb.crisis import services
from kundweb.extensions import db
from kundweb.hours.calendar import STOCKHOLM

CAP_SEVERITY = {"critical": "Severe", "warning": "Moderate", "info": "Minor"}
# What changes the alert a reader has: the text, severity or end of a message that is showing.
PUBLIC_CHANGES = ("crisis.edited", "crisis.end_changed")


@dataclass(frozen=True)
class CapVersion:
    identifier: str
    sent: datetime

    def sent_text(self):
        """ISO 8601 with offset and no fractional seconds, as CAP 1.2 requires."""
        return cap_time(self.sent)


@dataclass(frozen=True)
class CapAlert:
    """The current CAP alert of a published message: its newest version and those it replaces."""

    message: services.ActiveMessage
    msg_type: str  # Alert, Update or Cancel
    version: CapVersion
    references: list  # earlier CapVersions, oldest first

    @property
    def severity(self):
        return CAP_SEVERITY.get(self.message.severity, "Unknown")


def cap_time(instant):
    return instant.astimezone(STOCKHOLM).replace(microsecond=0).isoformat()


def sender():
    return current_app.config["CRISIS_CAP_SENDER"]


def _identifier(message_id, suffix):
    return f"lulea.se-kundweb-crisis-{message_id}-{suffix}"


def _public_change_times(message):
    """When the showing message was changed in public, oldest first."""
    query = (db.select(AuditEvent.occurred_at)
             .where(AuditEvent.object_type == "crisis_message", AuditEvent.object_id == str(message.id),
                    AuditEvent.action.in_(PUBLIC_CHANGES), AuditEvent.occurred_at > message.starts_at)
             .order_by(AuditEvent.id))
    if message.ends_at is not None:
        query = query.where(AuditEvent.occurred_at < message.ends_at)
    return list(db.session.scalars(query))


def alert_for(message, now):
    """The CAP alert of an active or recently ended message (from active_messages/recently_ended_messages)."""
    versions = [CapVersion(_identifier(message.id, "v1"), message.starts_at)]
    versions += [CapVersion(_identifier(message.id, f"v{number}"), changed)
                 for number, changed in enumerate(_public_change_times(message), start=2)]
    if message.ends_at is not None and message.ends_at <= now:
        return CapAlert(message, "Cancel", CapVersion(_identifier(message.id, "avslutat"), message.ends_at), versions)
    return CapAlert(message, "Alert" if len(versions) == 1 else "Update", versions[-1], versions[:-1])


def public_messages(now):
    """The messages with a CAP alert now: active ones, then those ended within the all-clear window."""
    return services.active_messages(now) + services.recently_ended_messages(now)


def public_message(message_id, now):
    """A message with a CAP alert now; MessageNotFound for drafts, scheduled, long-ended and unknown ids."""
    for message in public_messages(now):
        if message.id == message_id:
            return message
    raise services.MessageNotFound()

"""The audit log: who did what, when, to which object."""

"""Demo data: each feature adds an idempotent seeder to SEEDERS."""

from kundweb.demo.answers_seed import seed_answers
from kundweb.demo.companies_seed import seed_companies
from kundweb.demo.comparisons_seed import seed_comparisons
from kundweb.demo.directory_seed import seed_directory
from kundweb.demo.goals_seed import seed_goals
from kundweb.demo.records_seed import seed_records

# Each seeder takes no arguments, adds what is missing to db.session and returns
# a list of human-readable lines saying what it added (empty when nothing).


def seed_forwarding_targets():
    """The directory's units and functions and the companies as forwarding targets, as the hourly job keeps them."""
    from kundweb.audit.services import SYSTEM
    from kundweb.enquiries.services import refresh_targets

    changed = refresh_targets(SYSTEM).changed
    return [f"{changed} mottagare för vidarebefordran från katalogen och bolagsregistret"] if changed else []


SEEDERS = [seed_directory, seed_goals, seed_comparisons, seed_companies, seed_records, seed_forwarding_targets,
           seed_answers]


def seed_all():
    changes = []
    for seeder in SEEDERS:
        changes.extend(seeder())
    return changes

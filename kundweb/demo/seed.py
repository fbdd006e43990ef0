"""Demo data: each feature adds an idempotent seeder to SEEDERS."""

from kundweb.demo.companies_seed import seed_companies
from kundweb.demo.directory_seed import seed_directory
from kundweb.demo.goals_seed import seed_goals
from kundweb.demo.records_seed import seed_records

# Each seeder takes no arguments, adds what is missing to db.session and returns
# a list of human-readable lines saying what it added (empty when nothing).
SEEDERS = [seed_directory, seed_goals, seed_companies, seed_records]


def seed_all():
    changes = []
    for seeder in SEEDERS:
        changes.extend(seeder())
    return changes

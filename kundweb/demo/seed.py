"""Demo data: each feature adds an idempotent seeder to SEEDERS."""

# Each seeder takes no arguments, adds what is missing to db.session and returns
# a list of human-readable lines saying what it added (empty when nothing).
SEEDERS = []


def seed_all():
    changes = []
    for seeder in SEEDERS:
        changes.extend(seeder())
    return changes

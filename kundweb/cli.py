"""`flask kundweb ...` commands."""
import click
from flask import current_app
from flask.cli import AppGroup

from kundweb.extensions import db

kundweb_cli = AppGroup("kundweb", help="Kundweb administration.")


def init_app(app):
    app.cli.add_command(kundweb_cli)


@kundweb_cli.command("seed-demo")
def seed_demo():
    """Load the demo data (idempotent: running it twice adds nothing)."""
    from kundweb.demo import seed

    changes = seed.seed_all()
    db.session.commit()
    for line in changes:
        click.echo(line)
    click.echo("Demodata klar." if changes else "Demodata fanns redan, inget ändrat.")


@kundweb_cli.command("check-directory")
def check_directory():
    """Report whether the configured directory answers (ok, demo or down)."""
    from kundweb import ldap_client

    status = ldap_client.get_directory(current_app).status()
    click.echo(status)
    if status == "down":
        raise SystemExit(1)


@kundweb_cli.command("scheduler")
def scheduler_command():
    """Run the one scheduler process (never inside web workers)."""
    import logging

    from kundweb import scheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    # The real app object, not the `current_app` proxy: jobs run in threads outside this context.
    scheduler.run(current_app._get_current_object())

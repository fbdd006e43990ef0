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

    status = ldap_client.get_directory(current_app).status(deep=True)
    click.echo(status)
    if status == "down":
        raise SystemExit(1)


@kundweb_cli.command("sync-directory")
@click.option("--force", is_flag=True, help="Apply even if it would deactivate an unusually large share of people.")
def sync_directory_command(force):
    """Bring the extension directory in step with AD now (the nightly job does the same)."""
    from kundweb import ldap_client
    from kundweb.database import utcnow
    from kundweb.directory.sync import SyncRefused, sync_directory

    try:
        report = sync_directory(ldap_client.get_directory(current_app), utcnow(), force=force)
    except (ldap_client.DirectoryUnavailable, SyncRefused) as exc:
        raise click.ClickException(str(exc)) from exc
    for line in report.lines():
        click.echo(line)
    click.echo(report.summary())


@kundweb_cli.command("verify-audit")
def verify_audit():
    """Check the audit log's hash chain from the first event, its checkpoints, and the public records against it."""
    from kundweb.audit.checkpoints import SealKeyUnavailable, verify_checkpoints
    from kundweb.audit.services import verify_chain
    from kundweb.records.verification import verify_register

    report = verify_chain()
    if not report.ok:
        raise click.ClickException(f"Granskningsloggen är bruten efter {report.checked} hela händelser: "
                                   f"{report.problem}. Första brutna rad: audit_event.id = {report.broken_id}.")
    # A chain recomputed after a rewrite is whole in itself: only the checkpoints can show it.
    try:
        sealed = verify_checkpoints()
    except SealKeyUnavailable as exc:
        raise click.ClickException(str(exc)) from exc
    if not sealed.ok:
        raise click.ClickException(f"{sealed.problem}.")
    events = "händelse" if report.checked == 1 else "händelser"
    click.echo(f"Granskningsloggen är hel: {report.checked} {events}, kedjan obruten.")
    click.echo(f"Kontrollpunkter: {sealed.checked} stämmer med kedjan (i databasen och i filen)."
               if sealed.checked else "Kontrollpunkter: inga ännu (schemaläggaren skriver dem varje timme).")
    register = verify_register()
    if not register.ok:
        raise click.ClickException(f"Allmänna handlingar: {register.problem}.")
    versions = "version" if register.revisions == 1 else "versioner"
    files = "fil" if register.files == 1 else "filer"
    click.echo(f"Allmänna handlingar: {register.items} diarienummer utan luckor, {register.revisions} {versions} "
               f"och {register.files} {files} stämmer med granskningsloggen.")


@kundweb_cli.command("seal-audit")
def seal_audit():
    """Write a signed checkpoint of the audit chain now (the scheduler does so hourly and after exports)."""
    from kundweb.audit.checkpoints import SealKeyUnavailable, write_checkpoint
    from kundweb.database import utcnow

    try:
        checkpoint = write_checkpoint(utcnow())
    except (SealKeyUnavailable, OSError) as exc:
        raise click.ClickException(f"Ingen kontrollpunkt skriven: {exc}") from exc
    click.echo(f"Kontrollpunkt #{checkpoint.id} skriven: kedjan fram till händelse #{checkpoint.last_event_id} "
               f"är förseglad, i databasen och i {current_app.config['AUDIT_CHECKPOINT_FILE']}.")


@kundweb_cli.command("backup")
@click.argument("target", type=click.Path(file_okay=False))
def backup_command(target):
    """Back up the database, the stored files and the audit checkpoint into a new folder, with a manifest."""
    from kundweb.backup import BackupError, make_backup
    from kundweb.database import utcnow

    try:
        manifest = make_backup(target, utcnow())
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Säkerhetskopian är klar i {target}: databasen ({manifest['database']}, "
               f"revision {manifest['alembic_revision']}), {len(manifest['files']) - 1} filer, "
               f"granskningsloggen {manifest['audit_events']} händelser.")


@kundweb_cli.command("verify-backup")
@click.argument("source", type=click.Path(file_okay=False, exists=True))
def verify_backup_command(source):
    """Check a backup against its manifest: names every missing or altered file."""
    from kundweb.backup import verify_backup

    problems = verify_backup(source)
    if problems:
        raise click.ClickException("Säkerhetskopian är inte hel:\n" + "\n".join(problems))
    click.echo(f"Säkerhetskopian i {source} är hel: varje fil stämmer med manifestet.")


@kundweb_cli.command("restore")
@click.argument("source", type=click.Path(file_okay=False, exists=True))
@click.option("--force", is_flag=True, help="Overwrite a database that is not empty.")
def restore_command(source, force):
    """Restore a backup (checked against its manifest first) into this installation's database and folders."""
    from kundweb.backup import BackupError, restore_backup

    try:
        manifest = restore_backup(source, force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Återställt från {source} (gjord {manifest['created_at']}). "
               "Kör nu `flask kundweb verify-audit`.")


@kundweb_cli.command("scheduler")
def scheduler_command():
    """Run the one scheduler process (never inside web workers)."""
    import logging

    from kundweb import scheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    # The real app object, not the `current_app` proxy: jobs run in threads outside this context.
    scheduler.run(current_app._get_current_object())

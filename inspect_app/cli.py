"""Command-line tools: `flask checklists load`, `flask demo load|generate`, `flask users create`,
`flask backup PATH`, `flask restore PATH`."""

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

checklists_cli = AppGroup("checklists", help="Checklist templates.")
demo_cli = AppGroup("demo", help="Demo data.")
users_cli = AppGroup("users", help="User accounts.")
hazards_cli = AppGroup("hazards", help="Hazard lifecycle jobs (for cron).")
notifications_cli = AppGroup("notifications", help="Notification delivery.")
sms_cli = AppGroup("sms", help="Text messages to principals and actual controllers.")


@hazards_cli.command("sweep")
@click.option("--at", "at", default=None, help="Run as of this UTC time (ISO), for catching up.")
def sweep_hazards(at):
    """Log overdue hazards, send deadline reminders, propose supervision; then e-mail.
    Safe to run any number of times a day: nothing is sent twice."""
    from datetime import datetime

    from .hazards.sweep import sweep
    from .notifications.service import send_pending_email
    from .sms.service import send_pending as send_pending_sms

    counts = sweep(datetime.fromisoformat(at) if at else None)
    counts["emails"] = send_pending_email()
    counts.update({f"sms_{k}": v for k, v in send_pending_sms().items()})
    click.echo(" ".join(f"{k}={v}" for k, v in counts.items()))


@notifications_cli.command("email")
def email_notifications():
    """Send e-mail copies of notifications not yet e-mailed (needs SMTP_HOST)."""
    from .notifications.service import send_pending_email

    click.echo(f"sent {send_pending_email()}")


@sms_cli.command("send")
def send_sms():
    """Send queued text messages (SMS_BACKEND log|http) and record delivery reports."""
    from .sms.gateway import GatewayError
    from .sms.service import send_pending

    try:
        counts = send_pending()
    except GatewayError as e:
        raise click.ClickException(str(e)) from e
    click.echo(" ".join(f"{k}={v}" for k, v in counts.items()))


@checklists_cli.command("load")
@click.option("--dir", "directory", type=click.Path(exists=True, file_okay=False), default=None,
              help="Folder of *.toml checklist files (default: the bundled ones).")
def load_checklists(directory):
    """Load checklist files; a changed file becomes a new version."""
    from pathlib import Path

    from .checklists.loader import DATA_DIR, ChecklistFileError, load_all

    try:
        results = load_all(Path(directory) if directory else DATA_DIR)
    except ChecklistFileError as e:
        raise click.ClickException(str(e)) from e
    for r in results:
        click.echo(f"{'new' if r.created else 'same'}  {r.slug} v{r.version}  {r.items} items")
    click.echo(f"{sum(r.items for r in results)} items in {len(results)} checklists")


@demo_cli.command("load")
def load_demo():
    """Create the demo zone (skipped when the database already has areas)."""
    from .demo import load

    created = load()
    click.echo("demo data created" if created else "demo data already present; left as is")


@demo_cli.command("generate")
@click.option("--sites", type=click.IntRange(1, 1_000_000), default=2000, show_default=True)
@click.option("--hazards", type=click.IntRange(0, 50_000_000), default=100_000, show_default=True)
@click.option("--answers", type=click.IntRange(0, 500_000_000), default=None,
              help="Default: 10 per hazard (20 per inspection).")
def generate_demo(sites, hazards, answers):
    """Generate a zone (2,000 sites, 100,000 hazards) or a city (--sites 50000 --hazards 2000000)
    in an empty database, with set-based SQL; logins bench-supervisor/-inspector/-enterprise."""
    import time

    from .checklists.loader import load_all
    from .generate import BENCH_PASSWORD, GenerateError, generate

    load_all()
    started = time.monotonic()
    try:
        made = generate(sites, hazards, answers)
    except GenerateError as e:
        raise click.ClickException(str(e)) from e
    click.echo(f"{made.sites} sites, {made.inspections} inspections, {made.answers} answers, "
               f"{made.hazards} hazards, {made.events} events in "
               f"{time.monotonic() - started:.0f} s; password {BENCH_PASSWORD}")


@demo_cli.command("info")
@click.option("--port", default=5000, show_default=True)
@click.option("--url-only", is_flag=True, help="Print only the URL phones should open.")
def demo_info(port, url_only):
    """Print the address to open on a phone and the demo logins."""
    import subprocess

    from .demo import DEMO_LOGINS, DEMO_PASSWORD, DEMO_PIN

    # The first address of this machine on the local network (no packets are sent).
    addresses = subprocess.run(["hostname", "-I"], capture_output=True, text=True).stdout.split()
    url = f"http://{addresses[0] if addresses else '127.0.0.1'}:{port}"
    if url_only:
        click.echo(url)
        return
    click.echo(f"\nOpen {url} on a phone on the same network (or http://127.0.0.1:{port} here).")
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for username, role, name, phone in DEMO_LOGINS:
        click.echo(f"  {username:<11} {phone}  {role:<10} {name}")
    click.echo(f"Workers can also log in with phone + PIN {DEMO_PIN} at /auth/pin "
               "(13800000007, 13800000011-14).")
    click.echo("")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(["inspector", "enterprise", "worker", "supervisor",
                                           "admin"]), required=True)
@click.option("--name", default=None)
@click.option("--phone", default=None)
@click.password_option()
def create_user(username, role, name, phone, password):
    """Create a user account."""
    from .admin.service import create_user as create

    user = create(username=username, role=role, name=name or username, phone=phone,
                  password=password)
    click.echo(f"created {user.username} ({user.role})")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def backup_command(path):
    """Write the database, every photo and a manifest (row counts, checksums) to PATH (.tar.gz)."""
    from .backup import BackupError, backup

    try:
        result = backup(path)
    except BackupError as e:
        raise click.ClickException(str(e)) from e
    click.echo(f"{result.path}: {sum(result.tables.values())} rows in {len(result.tables)} "
               f"tables, {result.files} files")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--force", is_flag=True, help="Replace a database with rows and an upload folder "
              "with files (otherwise refused).")
@with_appcontext
def restore_command(path, force):
    """Load a backup into an empty database and upload folder; checks rows and checksums."""
    from .backup import BackupError, restore

    try:
        result = restore(path, force=force)
    except BackupError as e:
        raise click.ClickException(str(e)) from e
    click.echo(f"restored {sum(result.tables.values())} rows in {len(result.tables)} tables, "
               f"{result.files} files; counts and checksums match the manifest")


def init_app(app: Flask) -> None:
    for group in (checklists_cli, demo_cli, users_cli, hazards_cli, notifications_cli,
                  sms_cli):
        app.cli.add_command(group)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)

"""Command-line tools: `flask checklists load`, `flask demo load`, `flask users create`."""

import click
from flask import Flask
from flask.cli import AppGroup

checklists_cli = AppGroup("checklists", help="Checklist templates.")
demo_cli = AppGroup("demo", help="Demo data.")
users_cli = AppGroup("users", help="User accounts.")


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


def init_app(app: Flask) -> None:
    for group in (checklists_cli, demo_cli, users_cli):
        app.cli.add_command(group)

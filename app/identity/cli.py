"""`flask identity platform-admin USERNAME [--revoke]`: the first platform administrator of a deployment is named
from the command line (nobody can grant it from the web before one exists)."""

import sys

import click
from flask import Flask
from sqlalchemy import func, select

from app.audit import record
from app.extensions import db
from app.identity.models import User

PLATFORM_ADMIN_SET = "platform_admin_set"


def register_identity_cli(app: Flask) -> None:
    @app.cli.group("identity")
    def identity():
        """Accounts: platform administrators."""

    @identity.command("platform-admin")
    @click.argument("username")
    @click.option("--revoke", is_flag=True, help="Withdraw the right instead of granting it.")
    def platform_admin(username: str, revoke: bool):
        """Grant (or withdraw) the right to create institutions and administer all of them."""
        user = db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))
        if user is None:
            click.echo(f"No account named {username}.", err=True)
            sys.exit(1)
        user.is_platform_admin = not revoke
        user.is_staff = user.is_staff or not revoke
        record(PLATFORM_ADMIN_SET, target=user.username, data={"platform_admin": not revoke})
        db.session.commit()
        click.echo(f"{user.username}: platform administrator = {not revoke}")

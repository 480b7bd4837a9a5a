"""Command-line entry points: `flask processes ...`, `flask users token`, `flask demo load`, `flask workflow wake`."""

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy import select

from app.extensions import db


def register_cli(app: Flask) -> None:
    @app.cli.group("processes")
    def processes():
        """Check and deploy the BPMN routes in processes/."""

    @processes.command("check")
    @click.argument("path", required=False)
    def check(path):
        """Check BPMN files, forms and manifests (a folder, or one file); print each problem; non-zero exit on
        any."""
        from app.workflow.checking import check_path

        target = Path(path or current_app.config["PROCESSES_DIR"])
        if not target.exists():
            click.echo(f"{target}: no such file or folder", err=True)
            sys.exit(2)
        from app.workflow.messages import in_cli_locale, localized_problem

        problems, checked, manifests = check_path(target, Path(current_app.config["FORMS_DIR"]))
        db.session.rollback()
        with in_cli_locale():  # the messages in the locale's language (ro_RO: Romanian)
            for problem in problems:
                click.echo(localized_problem(problem))
            for process in checked:
                for warning in process.warnings:
                    click.echo(f"warning: {localized_problem(warning)}")
        if problems:
            click.echo(f"{len(problems)} problem(s).")
            sys.exit(1)
        click.echo(f"OK: {len(checked)} process(es), {len(manifests)} document type(s).")

    @processes.command("deploy")
    @click.option(
        "--skip-scenarios", is_flag=True, help="Deploy even if scenario tests fail (start-up, recovery)."
    )
    def deploy(skip_scenarios):
        """Deploy every process as a new version where its content changed; refused when a scenario test fails."""
        from app.workflow.deploy import DeploymentFailed, deploy_all
        from app.workflow.gates import scenario_problems_in

        try:
            if not skip_scenarios:
                failing = scenario_problems_in(
                    Path(current_app.config["PROCESSES_DIR"]), Path(current_app.config["FORMS_DIR"])
                )
                if failing:
                    raise DeploymentFailed(failing)
            versions = deploy_all(current_app.config["PROCESSES_DIR"], current_app.config["FORMS_DIR"])
        except DeploymentFailed as exc:
            db.session.rollback()
            from app.workflow.messages import in_cli_locale, localized_problem

            with in_cli_locale():
                for problem in exc.problems:
                    click.echo(localized_problem(problem), err=True)
            click.echo("Deployment stopped: nothing was deployed.", err=True)
            sys.exit(1)
        db.session.commit()
        for v in versions:
            click.echo(f"{v.process_id}: version {v.version} ({v.content_hash[:12]})")

    from app.workflow.cli import register_process_commands

    register_process_commands(processes)  # test (scenarios), migrate (running documents)

    @app.cli.group("users")
    def users():
        """User accounts."""

    @users.command("token")
    @click.argument("username")
    @click.option(
        "--name", default="linie de comandă", help="What the token is for (listed on /cont/tokenuri)."
    )
    @click.option("--days", default=90, type=int, help="Validity in days (1-365).")
    def token(username, name, days):
        """Print a new API bearer token for USERNAME (not for accounts that use two-factor authentication:
        they issue their own on /cont/tokenuri, with a TOTP code)."""
        from app.identity.models import User
        from app.identity.tokens import TokenError, issue_token, needs_second_factor

        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            click.echo(f"No user {username}.", err=True)
            sys.exit(1)
        if needs_second_factor(user):
            click.echo(
                f"{username} uses two-factor authentication: issue the token at /cont/tokenuri.", err=True
            )
            sys.exit(1)
        try:
            value = issue_token(user, name, days, None, via="command line")
        except TokenError as exc:
            click.echo(str(exc), err=True)
            sys.exit(1)
        db.session.commit()
        click.echo(value)

    @app.cli.group("demo")
    def demo():
        """Demo data."""

    @demo.command("load")
    def load():
        """Create the demo county council, its departments and accounts (password: demo)."""
        from app.demo.data import DEMO_PASSWORD, load_demo

        accounts = load_demo()
        db.session.commit()
        if current_app.config.get("SIGNING_TEST_PKI"):  # the answers are signed with the demo TEST keys
            from app.demo.documents import walk_demo_petitions

            answered = walk_demo_petitions()
            if answered:
                click.echo(f"{answered} demo petitions answered, signed and archived.")
        click.echo(f"Demo accounts (password: {DEMO_PASSWORD}):")
        for username, description in accounts:
            click.echo(f"  {username:18} {description}")

    @app.cli.group("workflow")
    def workflow():
        """Engine maintenance."""

    @workflow.command("wake")
    def wake():
        """Fire due BPMN timers once (the scheduler does this periodically)."""
        from app.workflow.runtime import wake_due_instances

        click.echo(f"{wake_due_instances()} instance(s) woken.")

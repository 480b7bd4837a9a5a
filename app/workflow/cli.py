"""`flask processes test` (scenario tests) and `flask processes migrate` (running documents to the current
version); registered on the `processes` group by app/cli.py."""

import sys
from pathlib import Path

import click
from flask import current_app


def register_process_commands(processes: click.Group) -> None:
    @processes.command("test")
    @click.argument("path", required=False)
    def test(path):
        """Run the scenario tests (*.scenarios.json) in PATH (a file or a folder; default: processes/)."""
        from app.workflow.coverage import coverage_of
        from app.workflow.scenarios import run_all

        target = Path(path or current_app.config["PROCESSES_DIR"])
        if not target.exists():
            click.echo(f"{target}: no such file or folder", err=True)
            sys.exit(2)
        results = run_all(target, Path(current_app.config["FORMS_DIR"]))
        for result in results:
            for problem in result.problems:
                click.echo(f"FAIL {result.file}: {problem}")
            for scenario in result.scenarios:
                click.echo(f"{'ok  ' if scenario.ok else 'FAIL'} {result.file}: {scenario.name}")
                for failure in scenario.failures:
                    click.echo(f"       {failure}")
            for note in result.notes:
                click.echo(f"note {result.file}: {note}")
            covered = coverage_of(result, target if target.is_dir() else target.parent)
            if covered is not None and result.scenarios:
                click.echo(f"coverage {result.file}: {covered.summary()}")
        if not results:
            click.echo("No scenario files (*.scenarios.json) found.")
            return
        scenarios = [s for r in results for s in r.scenarios]
        passed = sum(1 for s in scenarios if s.ok)
        broken_files = sum(1 for r in results if r.problems)
        summary = f"{passed} of {len(scenarios)} scenario(s) passed"
        if broken_files:
            summary += f"; {broken_files} file(s) could not be run"
        click.echo(summary + ".")
        if passed < len(scenarios) or broken_files:
            sys.exit(1)

    @processes.command("migrate")
    @click.argument("process_id")
    @click.option(
        "--dry-run", is_flag=True, help="Only say which documents can move and why the others cannot."
    )
    def migrate(process_id, dry_run):
        """Move running documents of PROCESS_ID to its current version, where the engine allows it."""
        from app.extensions import db
        from app.workflow.migration import migrate as migrate_instances

        try:
            plans = migrate_instances(process_id, dry_run=dry_run)
        except LookupError as exc:
            click.echo(str(exc), err=True)
            sys.exit(1)
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
        if not plans:
            click.echo(f"{process_id}: no running document is on an older version.")
            return
        for p in plans:
            where = f"document {p.document_label} (instance {p.instance_id}), version {p.from_version} -> {p.to_version}"
            if p.can_migrate:
                verb = "migrated" if p.migrated else "can migrate"
                click.echo(f"{verb}: {where}")
            else:
                click.echo(f"cannot migrate: {where}")
                for reason in p.reasons:
                    click.echo(f"    - {reason}")
            for note in p.notes:
                click.echo(f"    note: {note}")
        movable = sum(1 for p in plans if p.can_migrate)
        click.echo(f"{movable} of {len(plans)} document(s) {'can move' if dry_run else 'moved'}.")
        if movable < len(plans) and not dry_run:
            sys.exit(1)

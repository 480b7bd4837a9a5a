"""`flask processes test` (scenario tests) and `flask processes migrate` (running documents to the current
version); registered on the `processes` group by app/cli.py."""

import sys
from pathlib import Path

import click
from flask import current_app


def register_process_commands(processes: click.Group) -> None:
    @processes.command("test")
    @click.argument("path", required=False)
    @click.option(
        "--files-only",
        is_flag=True,
        help="Only the files in PATH, not the types created in the browser (stored in the database).",
    )
    def test(path, files_only):
        """Run the scenario tests (*.scenarios.json) in PATH (a file or a folder; default: processes/) and, without
        PATH, those of the types created in the browser on their current versions."""
        from app.workflow.coverage import coverage_of
        from app.workflow.gates import stored_scenario_runs
        from app.workflow.scenarios import run_all

        target = Path(path or current_app.config["PROCESSES_DIR"])
        if not target.exists():
            click.echo(f"{target}: no such file or folder", err=True)
            sys.exit(2)
        forms_dir = Path(current_app.config["FORMS_DIR"])
        folder = target if target.is_dir() else target.parent
        runs = [(None, [r], coverage_of(r, folder)) for r in run_all(target, forms_dir)]
        if path is None and not files_only:
            runs += stored_scenario_runs(forms_dir)
        results = []
        for label, file_results, covered in runs:
            for result in file_results:
                results.append(result)
                name = label or result.file
                for problem in result.problems:
                    click.echo(f"FAIL {name}: {problem}")
                for scenario in result.scenarios:
                    click.echo(f"{'ok  ' if scenario.ok else 'FAIL'} {name}: {scenario.name}")
                    for failure in scenario.failures:
                        click.echo(f"       {failure}")
                for note in result.notes:
                    click.echo(f"note {name}: {note}")
                if covered is not None and result.scenarios:
                    click.echo(f"coverage {name}: {covered.summary()}")
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

"""`flask archive run | fixity | export | export-year | renew-timestamps | close`."""

import sys

import click
from flask import Flask

from app.extensions import db


def register_archive_cli(app: Flask) -> None:
    @app.cli.group("archive")
    def archive():
        """Electronic archive: archive closed documents, fixity check, E-ARK export, timestamp renewal."""

    @archive.command("run")
    @click.option("--limit", default=500, show_default=True)
    def run(limit):
        """Archive every closed document not archived yet (idempotent)."""
        from app.archive.records import archive_pending

        done, errors = archive_pending(limit)
        click.echo(f"Arhivate: {done}")
        for error in errors:
            click.echo(f"Eroare: {error}", err=True)
        if errors:
            sys.exit(1)

    @archive.command("fixity")
    def fixity():
        """Re-hash every archived file; non-zero exit and the list of problems if any is missing or altered."""
        from app.archive.fixity import run_fixity

        result = run_fixity()
        db.session.commit()
        click.echo(f"Fișiere verificate: {result.checked}")
        for problem in result.problems:
            click.echo(
                f"PROBLEMĂ: {problem['registration']} {problem['file']} ({problem['sha256']}): {problem['problem']}"
            )
        if result.problems:
            sys.exit(1)

    @archive.command("export")
    @click.argument("registration_number")
    @click.argument("out_dir", type=click.Path(file_okay=False))
    def export(registration_number, out_dir):
        """E-ARK SIP of one archived document (REGISTRATION_NUMBER as N/YYYY, N/DD.MM.YYYY or its public id)."""
        from app.archive.export import EXPORTED, export_record
        from app.archive.records import ArchiveError, record_for
        from app.audit import record as audit_record
        from app.auditors.cli import find_document

        document = find_document(registration_number)
        if document is None:
            click.echo(f"Documentul {registration_number} nu există (sau numărul nu este unic).", err=True)
            sys.exit(1)
        record = record_for(document)
        if record is None:
            message = (
                "Documentul nu este închis: numai documentele arhivate se exportă."
                if not document.is_closed
                else "Documentul este închis, dar încă nearhivat: rulați `flask archive run`."
            )
            click.echo(message, err=True)
            sys.exit(1)
        try:
            package = export_record(record, out_dir)
        except ArchiveError as exc:
            click.echo(str(exc), err=True)
            sys.exit(1)
        audit_record(EXPORTED, document=document, target=str(package))
        db.session.commit()
        click.echo(str(package))

    @archive.command("export-year")
    @click.argument("year", type=int)
    @click.argument("out_dir", type=click.Path(file_okay=False))
    @click.option("--institution", "institution_code", help="codul instituției (implicit: singura)")
    def export_year_cmd(year, out_dir, institution_code):
        """E-ARK SIP of every closed file of a year."""
        from sqlalchemy import select

        from app.archive.export import EXPORTED, export_year
        from app.archive.records import ArchiveError
        from app.audit import record as audit_record
        from app.identity.models import Institution

        query = select(Institution)
        if institution_code:
            query = query.where(Institution.code == institution_code)
        institutions = db.session.scalars(query).all()
        if len(institutions) != 1:
            click.echo("Precizați instituția cu --institution.", err=True)
            sys.exit(1)
        try:
            package = export_year(institutions[0].id, year, out_dir)
        except ArchiveError as exc:
            click.echo(str(exc), err=True)
            sys.exit(1)
        audit_record(EXPORTED, institution_id=institutions[0].id, target=str(package), data={"year": year})
        db.session.commit()
        click.echo(str(package))

    @archive.command("renew-timestamps")
    @click.option("--within-days", default=90, show_default=True)
    def renew(within_days):
        """New document timestamps on archived PDFs whose timestamp certificate expires soon."""
        from app.archive.fixity import renew_timestamps

        count = renew_timestamps(within_days)
        db.session.commit()
        click.echo(f"Mărci temporale reînnoite: {count}")

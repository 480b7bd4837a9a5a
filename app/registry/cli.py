"""`flask registry freeze-day [--date 20.11.2026] [--institution cj-brasov]`: freeze a past day's register by hand
(the scheduler does it after midnight); `flask registry add-register cj-brasov urbanism`: a department's register."""

import sys
from datetime import datetime, timedelta

import click
from flask import Flask
from sqlalchemy import select

from app.dates import format_date, now_utc, to_local
from app.extensions import db
from app.identity.models import Department, Institution
from app.registry.freeze import freeze_day
from app.registry.models import RegistryError
from app.registry.numbering import add_departmental_register


def register_registry_cli(app: Flask) -> None:
    @app.cli.group("registry")
    def registry():
        """The register: departmental registers, daily freeze."""

    @registry.command("add-register")
    @click.argument("institution_code")
    @click.argument("department_code")
    @click.option("--code", help="Codul registrului; implicit: codul compartimentului.")
    @click.option("--name", default="", help="Denumirea; implicit: denumirea compartimentului.")
    def add_register_command(institution_code, department_code, code, name):
        """Add a department's own register (it shares the institution's number sequence)."""
        department = db.session.scalar(
            select(Department)
            .join(Institution, Institution.id == Department.institution_id)
            .where(Institution.code == institution_code, Department.code == department_code)
        )
        if department is None:
            click.echo(
                f"Compartimentul „{department_code}” al instituției „{institution_code}” nu există.", err=True
            )
            sys.exit(2)
        try:
            added = add_departmental_register(
                department.institution_id, department.id, code or department_code, name
            )
        except RegistryError as exc:
            db.session.rollback()
            click.echo(str(exc), err=True)
            sys.exit(1)
        db.session.commit()
        click.echo(f"{institution_code}: registrul „{added.name}” ({added.code}) adăugat.")

    @registry.command("freeze-day")
    @click.option("--date", "day_text", help="Ziua (zz.ll.aaaa); implicit: ieri.")
    @click.option("--institution", "code", help="Codul instituției; implicit: toate.")
    def freeze_day_command(day_text, code):
        """Freeze the day's register as a PDF for every institution (idempotent)."""
        if day_text:
            try:
                day = datetime.strptime(day_text, "%d.%m.%Y").date()
            except ValueError:
                click.echo(
                    f"Data „{day_text}” nu este validă: folosiți zz.ll.aaaa, de ex. 20.11.2026.", err=True
                )
                sys.exit(2)
        else:
            day = to_local(now_utc()).date() - timedelta(days=1)
        query = select(Institution).order_by(Institution.id)
        if code:
            query = query.where(Institution.code == code)
        institutions = db.session.scalars(query).all()
        if not institutions:
            click.echo(f"Instituția „{code}” nu există.", err=True)
            sys.exit(2)
        failed = False
        for institution in institutions:
            try:
                frozen = freeze_day(institution, day)
                db.session.commit()
            except RegistryError as exc:
                db.session.rollback()
                click.echo(f"{institution.code}: {exc}", err=True)
                failed = True
                continue
            click.echo(
                f"{institution.code}: registrul zilei {format_date(day)} închis "
                f"(înregistrări: {frozen.entry_count}, PDF {frozen.pdf_sha256[:12]})"
            )
        if failed:
            sys.exit(1)

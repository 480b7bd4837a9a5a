"""The views' unit of work: commit on success, roll back on any failure, keep the expected refusal for the view."""

import pytest
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.identity.models import Institution
from app.unit_of_work import unit_of_work


class Refused(Exception):
    pass


def _exists(code: str) -> bool:
    return db.session.scalar(select(Institution.id).where(Institution.code == code)) is not None


@pytest.mark.real_commits
def test_the_block_is_committed_when_it_ends_normally(ctx):
    with unit_of_work(Refused) as work:
        db.session.add(Institution(code="uow-commit", name="Primăria de probă"))
    assert work.error is None
    db.session.remove()  # a new session sees only what was committed
    try:
        assert _exists("uow-commit")
    finally:
        db.session.execute(delete(Institution).where(Institution.code == "uow-commit"))
        db.session.commit()


def test_an_expected_refusal_rolls_back_and_is_kept_for_the_view(ctx):
    with unit_of_work(Refused) as work:
        db.session.add(Institution(code="uow-refused", name="Primăria de probă"))
        db.session.flush()
        raise Refused("nu se poate")
    assert isinstance(work.failed(Refused), Refused) and str(work.error) == "nu se poate"
    assert work.failed(ValueError) is None
    assert not _exists("uow-refused")


def test_an_unexpected_error_rolls_back_and_propagates(ctx):
    with pytest.raises(ZeroDivisionError):
        with unit_of_work(Refused):
            db.session.add(Institution(code="uow-crash", name="Primăria de probă"))
            db.session.flush()
            1 / 0  # noqa: B018
    assert not _exists("uow-crash")


@pytest.mark.real_commits
def test_a_failing_commit_counts_as_a_failure_of_the_block(ctx):
    existing = db.session.scalar(select(Institution.code).limit(1))
    with unit_of_work(IntegrityError) as work:
        db.session.add(Institution(code=existing, name="Același cod"))  # unique code: the commit fails
    assert work.failed(IntegrityError) is not None
    assert db.session.scalar(select(Institution.id).where(Institution.code == existing)) is not None

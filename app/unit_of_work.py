"""One user action, one transaction, for every view.

    with unit_of_work(FormInvalid, TaskUnavailable) as work:
        complete_task(...)
    if work.error: ...   # the expected refusal, already rolled back, for the view to turn into its message

The block's changes are committed when it ends normally (a failure of the commit itself counts as a failure of
the block). Any exception rolls the session back; the expected ones (the classes given) are kept in `work.error`
instead of propagating, so the view maps them to a flash message, a form error or a JSON error; any other
propagates to the application's error pages."""

from app.extensions import db


class unit_of_work:  # noqa: N801  (used as a context manager, like contextlib's)
    def __init__(self, *expected: type[BaseException], keep_loaded: bool = False):
        """`keep_loaded`: the objects keep their values after the commit (nothing is read again), for a view that
        answers from the rows it has just written."""
        self.expected = expected
        self.error: BaseException | None = None
        self.keep_loaded = keep_loaded

    def __enter__(self) -> "unit_of_work":
        return self

    def __exit__(self, exc_type, exc, traceback) -> bool:
        if exc_type is None:
            try:
                self._commit()
                return False
            except BaseException as failure:
                exc = failure
                if not isinstance(failure, self.expected):
                    db.session.rollback()
                    raise
        db.session.rollback()
        if self.expected and isinstance(exc, self.expected):
            self.error = exc
            return True
        return False

    def _commit(self) -> None:
        session = db.session()
        expire, session.expire_on_commit = (
            session.expire_on_commit,
            not self.keep_loaded and session.expire_on_commit,
        )
        try:
            session.commit()
        finally:
            session.expire_on_commit = expire

    def failed(self, *kinds: type[BaseException]) -> BaseException | None:
        """The kept error if it is one of `kinds`."""
        return self.error if isinstance(self.error, kinds) else None

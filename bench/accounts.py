"""Create N extra citizen accounts with API tokens in the database DATABASE_URL names, and tokens for the demo's
`cetatean` and `registrator`; print them as JSON ({"existing": {username: token}, "citizens": {username: token}}).

Run by bench/run.py with the benchmark's environment (there is no `flask` command that creates citizens; one
process instead of one `flask users token` per account saves seconds of start-up).
All accounts share one password hash (argon2 is deliberately slow; hashing N passwords proves nothing here)."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from wsgi import app  # noqa: E402

EXISTING = ("cetatean", "registrator")


def main(count: int) -> None:
    from app.extensions import db
    from app.identity.models import ApiToken, User

    accounts = {}
    existing = {}
    with app.app_context():
        for username in EXISTING:
            user = db.session.scalar(select(User).where(User.username == username))
            if user is None:
                raise SystemExit(f"the demo has no user {username}")
            existing[username] = ApiToken.issue(user, name="bench")
        password_hash = None
        for n in range(1, count + 1):
            username = f"bench.cetatean.{n:03d}"
            user = db.session.scalar(select(User).where(User.username == username))
            if user is None:
                user = User(
                    username=username,
                    email=f"{username}@bench.example",
                    full_name=f"Cetățean Test {n:03d}",
                    phone="0722000000",
                    address=f"Str. Republicii nr. {n}, Brașov",
                )
                if password_hash is None:
                    user.set_password("bench-password-not-secret")
                    password_hash = user.password_hash
                else:
                    user.password_hash = password_hash
                db.session.add(user)
                db.session.flush()
            accounts[username] = ApiToken.issue(user)
        db.session.commit()
    json.dump({"existing": existing, "citizens": accounts}, sys.stdout)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 8)

"""The audit log: one tamper-evident, hash-chained, append-only table every package appends to with
`record(ACTION, ...)` (app/audit/log.py), its verification (chain.py) and the checkpoints that anchor its head in
time (anchoring.py). A leaf: it imports no other package of app/. The auditors' pages, a document's path, replay
and the audit bundle sit above the engine in app/auditors."""

from app.audit.log import *  # noqa: F403  (record and the action names are this package's interface)
from app.audit.log import install_session_hooks

# Installed on import: whoever can call `record` also gets its entries written at commit.
install_session_hooks()

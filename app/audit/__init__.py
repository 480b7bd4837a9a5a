"""Audit: the tamper-evident log of every action (hash chain), a document's path step by step, replay of its
route, and the audit bundle. Other packages record actions with `record(ACTION, ...)`; see app/audit/log.py."""

from app.audit.log import *  # noqa: F403  (record and the action names are this package's interface)
from app.audit.log import install_session_hooks
from app.audit.trail import install_model_hooks

# Installed on import: whoever can call `record` also gets its entries written at commit.
install_session_hooks()
install_model_hooks()

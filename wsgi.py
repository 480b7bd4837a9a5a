"""Entry point for gunicorn (`gunicorn wsgi:app`) and the flask CLI (FLASK_APP=wsgi:app)."""

import os
import sys

from app import create_app

# gunicorn runs each worker with several threads. A thread that waits for PostgreSQL gives up the GIL and, by
# default, gets it back only when the running thread's 5 ms switch interval ends: with ~20 statements a request,
# each request waited up to 100 ms for its own process (60 completions/s at 8 clients). 0.5 ms: 77-95/s, the same
# CPU per request (bench/README.md). PYTHON_SWITCH_INTERVAL (seconds) overrides it.
sys.setswitchinterval(float(os.environ.get("PYTHON_SWITCH_INTERVAL", "0.0005")))

app = create_app()

"""gunicorn settings, read from the environment (issue 18 §1): set explicitly rather than left to
gunicorn's defaults (1 worker, 30-second timeout), and documented in README.md and .env.example.

Long work does not belong in a request: list exports above EXPORT_INLINE_MAX_ROWS, imports, the
State dashboard file and the evidence packs run in Celery, so the timeout only stops a request
that hangs.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Synchronous workers; (2 × cores) + 1 is gunicorn's own advice for a mostly database-bound app.
workers = int(os.environ.get("GUNICORN_WORKERS", str(2 * multiprocessing.cpu_count() + 1)))
# Seconds a worker may stay silent on one request before the arbiter kills it (HTTP 502/500).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# A worker restarted after this many requests (with jitter) bounds slow leaks; 0 disables it.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "100"))
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")

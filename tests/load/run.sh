#!/usr/bin/env bash
# make loadtest (issue 18 §4): gunicorn with the production settings on 127.0.0.1, 2 workers, then
# locust headless for LOADTEST_SECONDS with the 8 sessions of tests/load/locustfile.py; prints
# requests/s, p50/p95/p99 and the errors, stops gunicorn whatever happens, fails on any error.
#
#   LOADTEST_DB        DATABASE_URL of a migrated, seeded database (default: the SQLite demo of make run)
#   LOADTEST_SECONDS   length of the run (default 60)
#   LOADTEST_PORT      free port on 127.0.0.1 (default 8765)
#   LOADTEST_WORKERS   gunicorn workers (default 2)
#   LOADTEST_WAIT_MAX  longest pause between two pages of a session, in seconds (default 0.1)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN="${BIN:-.venv/bin}"
PORT="${LOADTEST_PORT:-8765}"
SECONDS_RUN="${LOADTEST_SECONDS:-60}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/alternance-loadtest.XXXXXX")"

export DJANGO_SETTINGS_MODULE=alternance.settings.production
export DATABASE_URL="${LOADTEST_DB:-sqlite:///$PWD/db.sqlite3}"
export ALLOWED_HOSTS=127.0.0.1
# A throw-away secret; the NIR key is the one the demo was seeded with (derived from the local
# settings' development secret unless NIR_ENCRYPTION_KEY is given), so the NIRs read back.
export SECRET_KEY="loadtest-$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
export NIR_ENCRYPTION_KEY="${NIR_ENCRYPTION_KEY:-$(DJANGO_SETTINGS_MODULE=alternance.settings.local "$BIN/python" -c '
import base64, hashlib
from alternance.settings import local
print(local.NIR_ENCRYPTION_KEY or base64.urlsafe_b64encode(hashlib.sha256(f"nir:{local.SECRET_KEY}".encode()).digest()).decode())')}"
export GUNICORN_BIND="127.0.0.1:$PORT"
export GUNICORN_WORKERS="${LOADTEST_WORKERS:-2}"
export GUNICORN_ACCESS_LOG="$WORK/access.log"
export LOG_LEVEL=WARNING

if "$BIN/python" -c "import socket, sys; sys.exit(socket.socket().connect_ex(('127.0.0.1', $PORT)) != 0)"; then
  echo "Le port $PORT est déjà pris : choisissez-en un autre avec LOADTEST_PORT=…" >&2
  exit 2
fi
echo "Base : ${DATABASE_URL%%://*} ; $GUNICORN_WORKERS workers gunicorn sur http://127.0.0.1:$PORT ; $SECONDS_RUN s ; journaux dans $WORK"
# The manifest storage of the production settings needs the collected files (kept in staticfiles/, as the Dockerfile does).
"$BIN/python" manage.py collectstatic --noinput -v0

"$BIN/gunicorn" alternance.wsgi:application --config gunicorn.conf.py >"$WORK/gunicorn.log" 2>&1 &
GUNICORN_PID=$!
stop_gunicorn() {
  if kill -0 "$GUNICORN_PID" 2>/dev/null; then
    kill -TERM "$GUNICORN_PID" 2>/dev/null || true
    # gunicorn stops its workers; after 10 s the master is killed (its workers exit when it is gone).
    for _ in $(seq 1 100); do kill -0 "$GUNICORN_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$GUNICORN_PID" 2>/dev/null || true
  fi
  wait "$GUNICORN_PID" 2>/dev/null || true
}
trap stop_gunicorn EXIT INT TERM

ready=0
for _ in $(seq 1 60); do
  if "$BIN/python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/healthz', timeout=2)" 2>/dev/null; then
    ready=1
    break
  fi
  kill -0 "$GUNICORN_PID" 2>/dev/null || break
  sleep 0.5
done
if [ "$ready" != 1 ]; then
  echo "gunicorn ne répond pas sur /healthz :" >&2
  tail -n 30 "$WORK/gunicorn.log" >&2
  exit 1
fi

# Each worker's first requests load the templates, translations and URL resolvers: not what is measured.
for _ in 1 2 3 4; do
  "$BIN/python" -c "import urllib.request as u; u.urlopen(u.Request('http://127.0.0.1:$PORT/connexion/',
    headers={'X-Forwarded-Proto': 'https'}), timeout=30)" >/dev/null 2>&1 || echo "préchauffage : /connexion/ n'a pas répondu" >&2
done

# Bounded twice: locust's own --run-time, and timeout(1) if it does not stop by itself (--foreground: Ctrl-C
# reaches locust, which stops and prints its figures; then the trap stops gunicorn).
status=0
PYTHONPATH="$PWD" timeout --foreground --kill-after=10 "$((SECONDS_RUN + 60))" \
  "$BIN/locust" -f tests/load/locustfile.py --headless --users 8 --spawn-rate 8 --run-time "${SECONDS_RUN}s" \
  --stop-timeout 5 --host "http://127.0.0.1:$PORT" --only-summary --loglevel WARNING || status=$?
if [ "$status" != 0 ]; then
  echo "Test de charge en échec (code $status) : voir les erreurs ci-dessus et $WORK/gunicorn.log" >&2
fi
exit "$status"

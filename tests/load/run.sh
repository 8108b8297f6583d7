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
#   LOADTEST_SCENARIO  "menus" (default: the 8 sessions above) or "signin" (issue 19 §4: LOADTEST_COHORTS
#                      sessions of LOADTEST_COHORT_SIZE apprentices who all sign in within LOADTEST_SECONDS,
#                      their rooms' screens polling; gunicorn runs under faketime on the sessions' day)
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

SCENARIO="${LOADTEST_SCENARIO:-menus}"
CLOCK=()
if [ "$SCENARIO" = signin ]; then
  # The sessions are opened on the cohorts' next centre day at 09:00: gunicorn lives at 09:01 that day
  # (libfaketime, the Debian package), so that a weekend or a holiday never stops the test.
  export LOADTEST_SIGNIN_PLAN="$WORK/plan.json"
  "$BIN/python" manage.py loadtest_signin setup --plan "$LOADTEST_SIGNIN_PLAN" \
    --cohorts "${LOADTEST_COHORTS:-5}" --size "${LOADTEST_COHORT_SIZE:-40}"
  DAY="$("$BIN/python" -c "import json, os; print(json.load(open(os.environ['LOADTEST_SIGNIN_PLAN']))['day'])")"
  # env(1) execs gunicorn itself (the faketime wrapper would stand between it and the trap's kill).
  LIBFAKETIME="$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n 1)"
  if [ -z "$LIBFAKETIME" ]; then
    echo "libfaketime manque : apt-get install faketime" >&2
    exit 2
  fi
  CLOCK=(env LD_PRELOAD="$LIBFAKETIME" FAKETIME="@$DAY 09:01:00")
fi
"${CLOCK[@]}" "$BIN/gunicorn" alternance.wsgi:application --config gunicorn.conf.py >"$WORK/gunicorn.log" 2>&1 &
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
if [ "$SCENARIO" = signin ]; then
  PEOPLE="$("$BIN/python" -c "import json, os; p = json.load(open(os.environ['LOADTEST_SIGNIN_PLAN'])); print(len(p['sessions']) + len(p['apprentices']))")"
  # Everyone logs in during the first LOADTEST_LOGIN_SECONDS, then signs at its turn within SECONDS_RUN.
  export LOADTEST_LOGIN_SECONDS="${LOADTEST_LOGIN_SECONDS:-60}" LOADTEST_SECONDS="$SECONDS_RUN"
  LOCUST=(-f tests/load/signin_locustfile.py --users "$PEOPLE" --spawn-rate 10
          --run-time "$((LOADTEST_LOGIN_SECONDS + SECONDS_RUN + 20))s")
else
  LOCUST=(-f tests/load/locustfile.py --users 8 --spawn-rate 8 --run-time "${SECONDS_RUN}s")
fi
PYTHONPATH="$PWD" timeout --foreground --kill-after=10 "$((SECONDS_RUN + ${LOADTEST_LOGIN_SECONDS:-0} + 90))" \
  "$BIN/locust" "${LOCUST[@]}" --headless \
  --stop-timeout 5 --host "http://127.0.0.1:$PORT" --only-summary --loglevel WARNING || status=$?
if [ "$SCENARIO" = signin ] && [ "$status" = 0 ]; then
  "$BIN/python" manage.py loadtest_signin report --plan "$LOADTEST_SIGNIN_PLAN" || status=$?
fi
if [ "$status" != 0 ]; then
  echo "Test de charge en échec (code $status) : voir les erreurs ci-dessus et $WORK/gunicorn.log" >&2
fi
exit "$status"

"""A Redis server of the test's own (its own port, nothing persisted) and Celery pointed at it, for
the fault-injection tests of issue 17: stop it, start it again, kill the worker that reads it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import redis
from django.db import connection

from alternance import outbox
from alternance.celery import app
from tests.conftest import skip_or_fail

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition: Callable[[], object], *, timeout: float = 60, every: float = 0.2, what: str = "") -> object:
    """Poll ``condition`` until it returns something true (returned), or fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"pas obtenu en {timeout} s : {what}")
        time.sleep(every)


class RedisServer:
    """``redis-server`` on a free port; ``stop()`` and ``start()`` again on the same port."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            skip_or_fail("redis-server est introuvable : installez le paquet « redis-server » pour les tests de pannes.")
        self.binary = binary
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 (fixed arguments)
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        wait_for(lambda: _pings(client), timeout=10, what="redis-server répond")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def __enter__(self) -> RedisServer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.exceptions.ConnectionError:
        return False


def _forget_connections() -> None:
    # The app keeps its broker pool, producer pool and result backend once made: drop them so
    # that the next publish connects to the URL now in the configuration.
    app._pool = None
    app.amqp._producer_pool = None
    app._backend_cache = None
    app._local = threading.local()


@contextmanager
def celery_on(url: str) -> Iterator[str]:
    """Point the Celery app at ``url`` (not eager), on a queue of this test alone; yields the queue."""
    queue = f"faults-{os.getpid()}-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{time.monotonic_ns()}"
    keys = ("task_always_eager", "task_default_queue", "broker_url", "result_backend")
    previous = {key: app.conf[key] for key in keys}
    app.conf.update(task_always_eager=False, task_default_queue=queue, broker_url=url, result_backend=url)
    _forget_connections()
    outbox._broker_down_until = 0.0
    try:
        yield queue
    finally:
        app.conf.update(previous)
        _forget_connections()
        outbox._broker_down_until = 0.0


def database_url() -> str:
    """The URL of the test database this process uses, for a worker started as a subprocess."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "") + "@" if db["USER"] else ""
    return f"postgres://{auth}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker_process(*, redis_url: str, queue: str, media_root: Path, log: Path, extra_env: dict | None = None) -> subprocess.Popen:
    """``celery -A alternance worker`` as its own process (solo pool, so SIGKILL kills the worker
    that runs the task), on the test database, the test's Redis and its queue."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "alternance.settings.test",
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url,
        "MEDIA_ROOT": str(media_root),
        **(extra_env or {}),
    }
    return subprocess.Popen(  # noqa: S603 (fixed arguments)
        [sys.executable, "-m", "celery", "-A", "alternance", "worker", "--pool=solo", "-Q", queue,
         "--without-heartbeat", "--without-mingle", "--without-gossip", "-l", "INFO", "-n", f"{queue}@%h"],
        cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
    )

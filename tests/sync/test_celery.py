"""With a broker: deliveries queued on Redis and carried out by a real Celery worker process."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from sync import api
from sync.data import State
from sync.models import Delivery
from tests.conftest import IN_CI

BROKER = os.environ.get("TOSCA_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_broker():
    import redis

    try:
        client = redis.Redis.from_url(BROKER, socket_connect_timeout=2)
        client.ping()
    except redis.RedisError as error:
        if IN_CI:
            pytest.fail(f"CI=true but Redis at {BROKER} is not reachable: {error}", pytrace=False)
        pytest.skip(f"Redis at {BROKER} is not reachable: {error}")
    client.flushdb()
    yield BROKER
    client.flushdb()


@contextlib.contextmanager
def using_broker(url: str, settings):
    """This process's Celery app sends to `url` for the duration."""
    from tosca.celery import app

    saved = app.conf.broker_url
    settings.CELERY_BROKER_URL = url
    app.conf.broker_url = url
    app.close()
    try:
        yield app
    finally:
        app.conf.broker_url = saved
        app.close()


@pytest.fixture
def worker(redis_broker, database_url, tmp_path, settings):
    """`tosca worker` in its own process, on the test database and the test broker."""
    settings.TOSCA_SYNC_DISPATCH = "celery"
    stack = contextlib.ExitStack()
    stack.enter_context(using_broker(redis_broker, settings))
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": redis_broker,
        "TOSCA_DESTINATIONS": json.dumps(settings.TOSCA_DESTINATIONS),
        "TOSCA_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "tosca.settings",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "tosca.cli", "worker", "--concurrency", "1", "--no-beat", "--loglevel", "WARNING"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    stack.close()


def wait_until_delivered(count: int, process, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while Delivery.objects.filter(state=State.DELIVERED).count() < count:
        if process.poll() is not None:
            raise AssertionError(f"the worker stopped: {process.stdout.read()[-3000:]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"not delivered within {seconds} s: {api.status()}")
        time.sleep(0.2)


@pytest.mark.django_db(transaction=True)
def test_a_committed_completion_is_delivered_by_the_worker(worker, units, learner):
    from libretto import api as libretto

    moment = timezone.now() - timedelta(hours=1)
    for module in ("modulo-1", "modulo-2", "modulo-3"):
        api.record_module_completion("giulia", module, moment, 0.9, units[:2])
    wait_until_delivered(3, worker)
    assert len(libretto.libretto_for(learner).entries) == 2


@pytest.mark.django_db(transaction=True)
def test_the_sweep_task_delivers_what_is_due(worker, units, settings):
    from sync import tasks

    settings.TOSCA_SYNC_DISPATCH = "manual"  # recorded without queueing: only the sweep can find it
    api.record_module_completion("giulia", "modulo-1", timezone.now() - timedelta(hours=1), None, units[:1])
    tasks.deliver_due.delay()
    wait_until_delivered(1, worker)

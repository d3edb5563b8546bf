import json
import os
import subprocess
import sys

import pytest

from pictura.testing.servers import SilentServer, free_port

pytestmark = pytest.mark.slow  # waits for databases that do not answer


@pytest.mark.django_db
def test_health_answers_200_with_json_when_the_database_answers(client):
    response = client.get("/health", HTTP_HOST="10.0.3.17")  # the load balancer uses the instance IP
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize(
    "database_url",
    ["postgres://pictura@127.0.0.1:1/pictura", "sqlite:////no-such-directory/pictura.sqlite3"],
    ids=["postgres-port-closed", "sqlite-unopenable"],
)
def test_health_answers_503_when_the_database_does_not(database_url):
    assert health_in_a_process_with(DATABASE_URL=database_url) == (
        503, {"status": "unavailable", "database": "error: OperationalError"}
    )


def test_health_answers_503_in_time_when_the_database_accepts_but_never_answers():
    with SilentServer() as port:
        answer = health_in_a_process_with(DATABASE_URL=f"postgres://pictura@127.0.0.1:{port}/pictura")
    assert answer == (503, {"status": "unavailable", "database": "timeout: no answer within 2 s"})


@pytest.mark.django_db
def test_full_health_reports_each_part_for_operators(client):
    response = client.get("/health?full=1", HTTP_HOST="10.0.3.17")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok", "database": "ok", "broker": "not used: tasks run in the web process", "storage": "ok",
    }


def test_full_health_names_the_broker_when_redis_is_down_or_hangs():
    with SilentServer() as port:
        hung = health_in_a_process_with(REDIS_URL=f"redis://127.0.0.1:{port}/0", query="?full=1")
    down = health_in_a_process_with(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0", query="?full=1")
    assert hung == (503, {"status": "unavailable", "database": "ok", "broker": "timeout: no answer within 2 s", "storage": "ok"})
    assert down == (503, {"status": "unavailable", "database": "ok", "broker": "error: OperationalError", "storage": "ok"})


def health_in_a_process_with(*, query="", **environ):
    """/health asked of a fresh process configured by ``environ``: nothing in it is patched."""
    probe = (
        "import django, json, sys; django.setup(); from django.test import Client; "
        "r = Client().get('/health' + sys.argv[1]); print(r.status_code, json.dumps(r.json()))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "pictura.settings", "DATABASE_URL": "sqlite:///:memory:", **environ}
    done = subprocess.run([sys.executable, "-c", probe, query], env=env, capture_output=True, text=True, timeout=60)
    status, body = done.stdout.strip().split(" ", 1)
    return int(status), json.loads(body)


def test_other_paths_still_check_the_host(client):
    assert client.get("/", HTTP_HOST="10.0.3.17").status_code == 400

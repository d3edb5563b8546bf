import json
import os
import subprocess
import sys

import pytest

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
    # A fresh process whose database cannot be reached: nothing in it is patched.
    probe = (
        "import django, json; django.setup(); from django.test import Client; "
        "r = Client().get('/health'); print(r.status_code, json.dumps(r.json()))"
    )
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "pictura.settings"}
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60)
    status, body = done.stdout.strip().split(" ", 1)
    assert status == "503"
    assert json.loads(body) == {"status": "unavailable", "database": "error: OperationalError"}


def test_other_paths_still_check_the_host(client):
    assert client.get("/", HTTP_HOST="10.0.3.17").status_code == 400

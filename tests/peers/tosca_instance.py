"""A second Tosca instance, in its own process with its own database: the remote regional libretto.

It runs the real `tosca` command (migrate, load_demo, libretto client add, runserver) on 127.0.0.1, so
evidence sent to it crosses a real HTTP boundary and lands in a database the test process does not share.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.peers.ralph import free_port

OPERATOR = ("regione", "operatore-remoto-2026")


class ToscaInstance:
    def __init__(self, workdir: Path, *, client_platform: str):
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.client_platform = client_platform
        self.token = ""
        self.process: subprocess.Popen | None = None
        self.environment = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{workdir / 'remote.sqlite3'}",
            "TOSCA_VAR_DIR": str(workdir / "var"),
            "TOSCA_BASE_URL": self.url,
            "TOSCA_SYNC_DISPATCH": "manual",
            "DJANGO_SETTINGS_MODULE": "tosca.settings",
            "DJANGO_SUPERUSER_USERNAME": OPERATOR[0],
            "DJANGO_SUPERUSER_PASSWORD": OPERATOR[1],
            "DJANGO_SUPERUSER_EMAIL": "regione@example.org",
        }
        self.environment.pop("TOSCA_DESTINATIONS", None)

    def tosca(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "tosca.cli", *args],
            env=self.environment,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if result.returncode != 0:
            raise RuntimeError(f"remote tosca {' '.join(args)} failed: {result.stderr[-2000:]}")
        return result.stdout

    def start(self) -> ToscaInstance:
        self.tosca("migrate", "--no-input", "-v", "0")
        self.tosca("load_demo")
        self.tosca("createsuperuser", "--no-input")
        self.token = self.tosca("libretto", "client", "add", "sender", "--platform", self.client_platform).strip()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tosca.cli", "runserver", f"127.0.0.1:{self.port}", "--noreload"],
            env=self.environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the remote Tosca stopped: {self.process.stderr.read()[-2000:]}")
            try:
                if requests.get(f"{self.url}/api/libretto/v1/openapi.json", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError("the remote Tosca did not answer within 60 s")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None

    def libretto_of(self, platform: str, learner: str) -> dict | None:
        """A learner's libretto as the remote operator reads it over the remote REST API (None if absent)."""
        session = requests.Session()
        session.get(f"{self.url}/accounts/login/", timeout=10)
        session.post(
            f"{self.url}/accounts/login/",
            timeout=10,
            data={
                "username": OPERATOR[0],
                "password": OPERATOR[1],
                "csrfmiddlewaretoken": session.cookies["csrftoken"],
            },
            headers={"Referer": f"{self.url}/accounts/login/"},
        )
        answer = session.get(
            f"{self.url}/api/libretto/v1/learners/", timeout=10, params={"platform": platform, "learner": learner}
        )
        if answer.status_code == 404:
            return None
        answer.raise_for_status()
        return answer.json()

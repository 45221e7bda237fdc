"""LTI 1.3 launches: Tosca's tool against a reference tool built on django-lti + pylti1p3, in the same run.

Prints, per tool: launches per second and p50/p95 of complete round trips (OIDC login initiation -> the
platform's authentication request -> a freshly signed id_token -> the launch POST with the login's cookies -> the
tool's redirect to the module), the same for the tool's own share of each round trip, SQL statements per login
and per launch, and JWKS fetches per launch; then the ratio Tosca/reference, and what one id_token validation
costs: a bare PyJWT decode, Tosca's validate_id_token and pylti1p3's signature check. Target: at least 2x the
reference's launches per second. Figures are printed, not asserted.

The platform is simulated (bench/lti_platform_sim.py): its RSA key is made here, its JWKS served over HTTP on
127.0.0.1 by this process, so both tools fetch keys over the network as from a real platform. Each tool runs in
a process of its own with its own settings and a fresh SQLite database under bench/data/lti/, warms up with one
launch per learner of a pool, then does the timed round trips with django.test.Client, in batches: the two tools
take turns (never both at once), so that whatever else loads the machine weighs on both alike. The reference
lives in its own venv, .venv/bench/lti-reference, created on first use (django-lti's app is also named lti_tool).

Run as `.venv/bin/python -m bench.lti` from the repository root (`--launches`, `--batch`, `--pool`,
`--only ours|reference`); the tools' logs and the SQL of one launch each are left in bench/data/lti/.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCRATCH = ROOT / "bench" / "data" / "lti"
REFERENCE_VENV = ROOT / ".venv" / "bench" / "lti-reference"
REFERENCE_RUNNER = ROOT / "bench" / "lti_reference" / "run.py"
# The reference tool's own packages, pinned; its crypto and HTTP libraries are the project venv's versions, so
# that the comparison is of the tools' code, not of PyJWT or cryptography releases.
REFERENCE_PINS = ("Django==5.2.19", "django-lti==0.10.1", "pylti1p3==2.0.0", "jwcrypto==1.6.1")
MATCHED_WITH_PROJECT = ("PyJWT", "cryptography", "requests", "urllib3")
LAUNCHES = 300
BATCH = 25
POOL = 50
TARGET_RATIO = 2.0
ISSUER = "https://platform.bench.example.org"
CLIENT_ID = "tosca-bench-client"
DEPLOYMENT_ID = "deployment-bench-1"
KID = "platform-bench-key-1"
TARGET_LINK_URI = "http://testserver/lti/launch/"
MODULE = "block-v1:RegioneToscana+TRIO-RETI+2026+type@tosca_module+block@m1"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--launches", type=int, default=LAUNCHES, help="timed round trips per tool")
    parser.add_argument("--batch", type=int, default=BATCH, help="round trips per turn; the tools take turns")
    parser.add_argument("--pool", type=int, default=POOL, help="learners; each launches once in the warm-up")
    parser.add_argument("--budget", type=float, default=1.0, help="seconds per validation-cost figure")
    parser.add_argument("--only", choices=["ours", "reference"], help="measure one of the two tools")
    parser.add_argument("--measure", choices=["ours"], help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.measure:
        return measure_ours(options)

    from bench.lti_platform_sim import JwksServer, PlatformConfig, new_private_key, public_jwk, write_private_key

    started = time.perf_counter()
    shutil.rmtree(SCRATCH, ignore_errors=True)
    SCRATCH.mkdir(parents=True)
    key = new_private_key()
    key_file = SCRATCH / "platform-key.pem"
    write_private_key(key, str(key_file))
    jwks = {"keys": [public_jwk(new_private_key(), "platform-bench-key-0"), public_jwk(key, KID)]}
    reference_python = None if options.only == "ours" else ensure_reference_python()

    results: list[tuple[str, dict]] = []
    with JwksServer(jwks) as server:
        config = PlatformConfig(
            issuer=ISSUER,
            client_id=CLIENT_ID,
            deployment_id=DEPLOYMENT_ID,
            auth_login_url=f"{server.base_url}/auth",
            auth_token_url=f"{server.base_url}/token",
            keyset_url=f"{server.base_url}/jwks.json",
            stats_url=f"{server.base_url}/stats",
            kid=KID,
            private_key_file=str(key_file),
            target_link_uri=TARGET_LINK_URI,
            module=MODULE,
        )
        sides: dict[str, Child] = {}
        try:
            if options.only != "reference":
                sides["ours"] = Child(
                    "Tosca",
                    [sys.executable, str(Path(__file__).resolve()), "--measure", "ours"],
                    ours_environment(config),
                    options,
                )
            if reference_python is not None:
                sides["reference"] = Child(
                    "reference", [str(reference_python), str(REFERENCE_RUNNER)], reference_environment(config), options
                )
            print(f"LTI launches: migrating and warming up ({options.pool} first launches per tool) …", flush=True)
            for child in sides.values():
                child.wait_ready()
            batches = max(1, -(-options.launches // options.batch))
            print(
                f"LTI launches: {options.launches} timed round trips per tool, in {batches} alternating batches …",
                flush=True,
            )
            done = 0
            for number in range(batches):
                size = min(options.batch, options.launches - done)
                order = list(sides.values()) if number % 2 == 0 else list(reversed(sides.values()))
                for child in order:  # one tool at a time; the other waits on its stdin
                    child.batch(size)
                done += size
            results = {name: child.finish() for name, child in sides.items()}
        finally:
            for child in sides.values():
                child.close()
    report(results, options)
    print(f"LTI benchmark: {time.perf_counter() - started:.0f} s in all")
    return 0


class Child:
    """One tool's process: set up, warmed up, then timed in batches on the orchestrator's orders (the protocol
    of bench.lti_platform_sim.serve); its stderr goes to bench/data/lti/<name>.log."""

    def __init__(self, name: str, command: list[str], environment: dict, options) -> None:
        self.name = name
        self.log_path = SCRATCH / f"{name.lower()}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in close()
        self.process = subprocess.Popen(
            [*command, "--pool", str(options.pool), "--budget", str(options.budget)],
            env=environment,
            cwd=SCRATCH,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )
        self.batches: list[dict] = []
        self.warmup_seconds = 0.0

    def _answer(self) -> dict:
        from bench.lti_platform_sim import PROTOCOL

        for line in self.process.stdout:
            if line.startswith(PROTOCOL):
                return json.loads(line[len(PROTOCOL) :])
        self.process.wait(timeout=30)
        self._log.flush()
        sys.stderr.write(self.log_path.read_text(encoding="utf-8", errors="replace")[-6000:])
        raise SystemExit(f"LTI ({self.name}): the tool's process ended with status {self.process.returncode}")

    def _send(self, command: str) -> dict:
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self._answer()

    def wait_ready(self) -> None:
        self.warmup_seconds = self._answer()["warmup_seconds"]

    def batch(self, launches: int) -> None:
        self.batches.append(self._send(f"batch {launches}"))

    def finish(self) -> dict:
        from bench.lti_platform_sim import percentile

        result = self._send("finish")
        round_trips = [value for batch in self.batches for value in batch["round_trips"]]
        tool = [value for batch in self.batches for value in batch["tool"]]
        seconds = sum(batch["seconds"] for batch in self.batches)
        result.update(
            launches=len(round_trips),
            seconds=seconds,
            warmup_seconds=self.warmup_seconds,
            launches_per_second=len(round_trips) / seconds,
            p50_ms=statistics.median(round_trips) * 1000,
            p95_ms=percentile(round_trips, 0.95) * 1000,
            tool_p50_ms=statistics.median(tool) * 1000,
            tool_p95_ms=percentile(tool, 0.95) * 1000,
            tool_mean_ms=statistics.fmean(tool) * 1000,
            jwks_fetches_per_launch=sum(batch["jwks_fetches"] for batch in self.batches) / len(round_trips),
        )
        return result

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log.close()


def ours_environment(config) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tosca.settings",
        "DATABASE_URL": f"sqlite:///{SCRATCH / 'ours.sqlite3'}",  # an absolute path: sqlite:////…
        "TOSCA_VAR_DIR": str(SCRATCH / "ours-var"),
        "ALLOWED_HOSTS": "testserver,localhost",
        "BENCH_LTI_PLATFORM": config.to_json(),
        "BENCH_LTI_SQL_LOG": str(SCRATCH / "ours"),
    }


def reference_environment(config) -> dict:
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in ("PYTHONPATH", "DATABASE_URL", "DJANGO_SETTINGS_MODULE", "VIRTUAL_ENV")
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="lti_reference.settings",
        BENCH_LTI_REFERENCE_DATABASE=str(SCRATCH / "reference.sqlite3"),
        BENCH_LTI_PLATFORM=config.to_json(),
        BENCH_LTI_SQL_LOG=str(SCRATCH / "reference"),
    )
    return environment


# -- the reference tool's venv ------------------------------------------------------------------------------


def reference_requirements() -> tuple[str, ...]:
    return (*REFERENCE_PINS, *(f"{name}=={version(name)}" for name in MATCHED_WITH_PROJECT))


def ensure_reference_python() -> Path:
    """The python of .venv/bench/lti-reference, created and installed on first use (and when the pins change)."""
    from tests.peers.venvs import ensure_venv

    requirements = reference_requirements()
    if not (REFERENCE_VENV / ".installed").is_file():
        print(f"LTI reference: installing {' '.join(requirements)} into {REFERENCE_VENV} …", flush=True)
    try:
        return ensure_venv(REFERENCE_VENV, requirements, unavailable=RuntimeError)
    except RuntimeError as error:
        raise SystemExit(f"LTI reference: {error}") from error


# -- Tosca's side (in a child process of its own) ----------------------------------------------------------


def measure_ours(options) -> int:
    import django

    django.setup()
    from django.core.management import call_command

    from bench.lti_platform_sim import PlatformConfig, RoundTrips, serve

    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_demo", verbosity=0)
    config = PlatformConfig.from_environment()
    from lti_tool.api import add_registration

    add_registration(
        config.issuer,
        config.client_id,
        auth_login_url=config.auth_login_url,
        auth_token_url=config.auth_token_url,
        keyset_url=config.keyset_url,
        deployments=[config.deployment_id],
    )
    landing: dict[str, str] = {}

    def check_page(client, launch) -> None:
        page = client.get(launch["Location"], follow=True)
        if page.status_code != 200:
            raise AssertionError(f"the module page {launch['Location']} answered {page.status_code}")
        landing["module_page"] = page.wsgi_request.path
        landing["module_page_redirects"] = len(page.redirect_chain)

    trips = RoundTrips(
        config,
        login_path="/lti/login/",
        launch_path="/lti/launch/",
        expect_location=lambda location: bool(location) and "login" not in location and "/lti/launch" not in location,
    )

    def finish() -> dict:
        versions = {name: version(name) for name in ("Django", "PyJWT", "cryptography", "requests")}
        return {**landing, **validation_costs(trips, options.budget), "versions": versions}

    serve(trips, pool=options.pool, check_page=check_page, sql_log=os.environ.get("BENCH_LTI_SQL_LOG"), finish=finish)
    return 0


def validation_costs(trips, budget: float) -> dict:
    """The bare-PyJWT baseline, the RS256 verify alone and Tosca's validate_id_token, on an id_token like those of
    the round trips."""
    import base64

    import jwt
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    from bench.lti_platform_sim import microseconds_per_call

    config = trips.platform.config
    token = trips.platform.id_token("n" * 32, "learner-0000")
    with open(config.private_key_file, "rb") as file:
        public_key = serialization.load_pem_private_key(file.read(), password=None).public_key()  # once

    def bare() -> None:
        jwt.decode(token, public_key, algorithms=["RS256"], audience=config.client_id, issuer=config.issuer)

    header_and_claims, _, signature = token.rpartition(".")
    signature_bytes = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))

    def rsa_only() -> None:
        public_key.verify(signature_bytes, header_and_claims.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())

    costs = {
        "pyjwt_decode_us": microseconds_per_call(bare, budget=budget),
        "rsa_verify_us": microseconds_per_call(rsa_only, budget=budget),
    }
    costs["ours_validation_us"] = ours_validation_cost(token, config, budget)
    return costs


def ours_validation_cost(token: str, config, budget: float) -> float | None:
    """Median microseconds of one `lti_tool.validation.validate_id_token` on `token` (nonce "n" * 32), with the
    platform's keyset already cached as after the first launch. It includes the one SQL query validation makes
    (the deployment), against which the bare PyJWT decode makes none."""
    import functools

    from django.test import RequestFactory

    from bench.lti_platform_sim import microseconds_per_call
    from lti_tool.models import Registration
    from lti_tool.oidc import is_our_launch_url
    from lti_tool.validation import validate_id_token

    registration = Registration.objects.get(issuer=config.issuer, client_id=config.client_id)
    is_our_url = functools.partial(is_our_launch_url, RequestFactory().post("/lti/launch/"))

    def ours() -> None:
        validate_id_token(token, registration, nonce="n" * 32, is_our_url=is_our_url)

    return microseconds_per_call(ours, budget=budget)


# -- the report ---------------------------------------------------------------------------------------------


def report(results: dict, options) -> None:
    ours, reference = results.get("ours"), results.get("reference")
    first = ours or reference
    print()
    print(
        f"LTI 1.3 login + launch round trips: {first['launches']} timed per tool after a {options.pool}-launch "
        f"warm-up, one fresh client per round trip, id_token {first['id_token_bytes']:,} bytes"
    )
    print(
        f"{'tool':<34} {'launches/s':>10} {'p50 ms':>7} {'p95 ms':>7} {'tool p50':>9} {'tool p95':>9} "
        f"{'SQL login':>9} {'SQL launch':>10} {'(first)':>7} {'JWKS/launch':>11}"
    )
    rows = []
    if ours is not None:
        rows.append(("Tosca lti_tool", ours))
    if reference is not None:
        versions = reference["versions"]
        rows.append((f"django-lti {versions['django-lti']} + pylti1p3 {versions['pylti1p3']}", reference))
    for name, row in rows:
        print(
            f"{name:<34} {row['launches_per_second']:>10.1f} {row['p50_ms']:>7.2f} {row['p95_ms']:>7.2f} "
            f"{row['tool_p50_ms']:>9.2f} {row['tool_p95_ms']:>9.2f} {row['sql_per_login']:>9.1f} "
            f"{row['sql_per_launch']:>10.1f} {row['sql_per_first_launch']:>7.1f} "
            f"{row['jwks_fetches_per_launch']:>11.2f}"
        )
    if ours is not None and reference is not None:
        ratio = ours["launches_per_second"] / reference["launches_per_second"]
        verdict = "meets" if ratio >= TARGET_RATIO else "MISSES"
        print(
            f"ratio Tosca/reference: {ratio:.2f}x launches/s ({verdict} the {TARGET_RATIO:.0f}x target); "
            f"p95 {reference['p95_ms'] / ours['p95_ms']:.2f}x lower; tool time per launch "
            f"{reference['tool_mean_ms'] / ours['tool_mean_ms']:.2f}x less"
        )
    print(
        "(a round trip is the tool's login and launch requests plus the simulated platform checking the "
        "authentication request and signing the id_token; the 'tool' columns are the two requests alone; SQL is per "
        "request, for a returning learner and (first) a learner's first launch)"
    )
    parts = []
    if ours is not None:
        parts.append(f"bare PyJWT decode (key loaded once, aud and iss checked) {ours['pyjwt_decode_us']:.0f} us")
        parts.append(f"the RS256 verify alone (cryptography) {ours['rsa_verify_us']:.0f} us")
        if ours.get("ours_validation_us") is not None:
            parts.append(
                f"Tosca validate_id_token {ours['ours_validation_us']:.0f} us, one SQL query included "
                f"({ours['ours_validation_us'] / ours['pyjwt_decode_us']:.2f}x PyJWT)"
            )
        else:
            parts.append("Tosca validate_id_token not measured yet (bench/lti.py: ours_validation_cost)")
    if reference is not None:
        parts.append(
            f"pylti1p3 signature check {reference['pylti1p3_signature_us']:.0f} us with the key set in memory, "
            f"{reference['pylti1p3_signature_with_fetch_us']:.0f} us with the JWKS fetch it makes on every launch"
        )
    print("one id_token validation: " + "; ".join(parts))
    print(f"the SQL of one launch per tool: {SCRATCH.relative_to(ROOT)}/{{ours,reference}}-{{launch,first-launch}}.sql")
    if ours is not None and "module_page" in ours:
        print(f"Tosca's launch lands on {ours['module_page']} (checked once, untimed)")


if __name__ == "__main__":
    sys.exit(main())

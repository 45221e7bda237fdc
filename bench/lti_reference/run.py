"""Run the reference tool's round trips in-process, in batches the orchestrator asks for.

Run by `bench/lti.py` with the python of `.venv/bench/lti-reference`, the platform described by the environment
variable BENCH_LTI_PLATFORM and a fresh SQLite file in BENCH_LTI_REFERENCE_DATABASE, as
`python bench/lti_reference/run.py --pool 50`; it then takes its orders on stdin (see lti_platform_sim.serve).

Never put the repository root on sys.path here: its `lti_tool/` is Tosca's, not django-lti's.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != BENCH.parent]
sys.path.insert(0, str(BENCH))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lti_reference.settings")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pool", type=int, default=50)
    parser.add_argument("--budget", type=float, default=1.0, help="seconds per validation-cost figure")
    options = parser.parse_args()

    import django

    django.setup()
    import lti_tool

    if "site-packages" not in (lti_tool.__file__ or ""):
        raise SystemExit(f"lti_tool is {lti_tool.__file__}, not django-lti's: the repository root is on sys.path")
    from django.core.management import call_command
    from lti_platform_sim import PlatformConfig, RoundTrips, serve

    call_command("migrate", verbosity=0, interactive=False)
    config = PlatformConfig.from_environment()
    configure(config)

    def check_page(client, launch) -> None:
        page = client.get(launch["Location"])
        if page.status_code != 200 or config.module.encode() not in page.content:
            raise AssertionError(f"the module page answered {page.status_code}: {page.content[:300]!r}")

    trips = RoundTrips(
        config,
        login_path="/lti/login/",
        launch_path="/lti/launch/",
        expect_location=lambda location: location.startswith("/module/") and config.module in location,
    )
    serve(
        trips,
        pool=options.pool,
        check_page=check_page,
        sql_log=os.environ.get("BENCH_LTI_SQL_LOG"),
        finish=lambda: {**validation_costs(config, trips, options.budget), **versions()},
    )
    return 0


def configure(config) -> None:
    """The tool's key (as `manage.py rotate_keys` makes it) and the platform's registration and deployment."""
    from lti_tool.models import Key, LtiDeployment, LtiRegistration

    Key.objects.generate()
    registration = LtiRegistration.objects.create(
        name="Simulated platform",
        issuer=config.issuer,
        client_id=config.client_id,
        auth_url=config.auth_login_url,
        token_url=config.auth_token_url,
        keyset_url=config.keyset_url,
    )
    LtiDeployment.objects.create(registration=registration, deployment_id=config.deployment_id, is_active=True)


def validation_costs(config, trips, budget: float) -> dict:
    """What pylti1p3 spends checking one id_token's signature, as MessageLaunch.validate_jwt_signature does it:
    the key set from the registration (fetched over HTTP when the registration has none, which is every launch
    in django-lti: it builds a new Registration per launch), the JWK turned into a PEM, and jwt.decode with that
    PEM, which PyJWT parses again on every call."""
    import requests
    from django.test import RequestFactory
    from lti_platform_sim import microseconds_per_call
    from lti_tool.utils import DjangoToolConfig
    from pylti1p3.contrib.django import DjangoMessageLaunch
    from pylti1p3.registration import Registration

    token = trips.platform.id_token("n" * 32, "learner-0000")
    request = RequestFactory().post("/lti/launch/", {"id_token": token, "state": "state-x"})
    launch = DjangoMessageLaunch(request, DjangoToolConfig())
    launch.validate_jwt_format()

    def registration(key_set=None) -> Registration:
        value = Registration().set_key_set_url(config.keyset_url).set_issuer(config.issuer)
        value.set_client_id(config.client_id)
        if key_set is not None:
            value.set_key_set(key_set)
        return value

    key_set = launch.fetch_public_key(config.keyset_url)

    def in_memory() -> None:
        launch._registration = registration(key_set)
        launch.validate_jwt_signature()

    def with_fetch() -> None:  # a new requests.Session, as each DjangoMessageLaunch has its own
        launch._registration = registration()
        with requests.Session() as session:
            launch._requests_session = session
            launch.validate_jwt_signature()

    return {
        "pylti1p3_signature_us": microseconds_per_call(in_memory, budget=budget),
        "pylti1p3_signature_with_fetch_us": microseconds_per_call(with_fetch, budget=budget),
    }


def versions() -> dict:
    from importlib.metadata import version

    names = ("Django", "django-lti", "pylti1p3", "PyJWT", "jwcrypto", "cryptography", "requests")
    return {"versions": {name: version(name) for name in names}}


if __name__ == "__main__":
    sys.exit(main())

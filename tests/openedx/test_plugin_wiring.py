"""Tosca as Open edX plugin apps, read by edx-django-utils' own plugin machinery (the code the LMS and Studio run):
which apps each side installs, the settings they get, the URLs they add and the signal receivers they connect."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest
from django.urls import reverse
from edx_django_utils.plugins import add_plugins, connect_plugin_receivers, get_plugin_apps

import tosca.settings as site

LMS, CMS = "lms.djangoapp", "cms.djangoapp"
LMS_PROCESSORS = [
    "django.template.context_processors.request",
    "django.contrib.auth.context_processors.auth",
    "django.template.context_processors.i18n",
    "django.contrib.messages.context_processors.messages",
]


def settings_module(**values) -> types.ModuleType:
    """A settings module as the platform's are when plugins are added: the platform's own values already set."""
    module = types.ModuleType("tosca_test_openedx_settings")
    module.__dict__.update(values)
    sys.modules[module.__name__] = module
    return module


def test_the_lms_installs_every_tosca_app_and_studio_all_but_the_lti_tool():
    lms, cms = get_plugin_apps(LMS), get_plugin_apps(CMS)

    core = ["repertory.apps.RepertoryConfig", "libretto.apps.LibrettoConfig", "sync.apps.SyncConfig"]
    assert {*core, "xblocks.apps.XBlocksConfig", "lti_tool.apps.LtiToolConfig"} <= set(lms)
    assert {*core, "xblocks.apps.XBlocksConfig"} <= set(cms)
    assert "lti_tool.apps.LtiToolConfig" not in cms
    assert not any("runtime" in app or "tosca." in app for app in lms + cms)  # Tosca's own runtime and site stay out


def test_plugin_settings_take_the_platforms_address_and_name_and_keep_what_the_operator_set():
    module = settings_module(
        LMS_ROOT_URL="https://learn.regione.toscana.it/",
        PLATFORM_NAME="Trio",
        DATA_DIR=Path("/openedx/data"),
        TOSCA_DESTINATIONS=[{"name": "lrs", "type": "xapi", "url": "https://lrs.example.org/xAPI/"}],
    )

    add_plugins(module.__name__, LMS, "common")

    assert module.TOSCA_BASE_URL == "https://learn.regione.toscana.it"
    assert module.TOSCA_ISSUER_NAME == "Trio"
    assert Path("/openedx/data/tosca/signing-key.pem") == module.TOSCA_SIGNING_KEY_FILE
    assert module.TOSCA_DESTINATIONS == [{"name": "lrs", "type": "xapi", "url": "https://lrs.example.org/xAPI/"}]
    assert module.TOSCA_SYNC_DISPATCH == "inline"
    assert module.TOSCA_LTI["dynamic_registration"] == "staff"  # inside a platform, only its staff register others


def test_studio_gets_the_settings_of_its_apps_but_not_the_lti_tools():
    module = settings_module(LMS_ROOT_URL="https://learn.example.org")

    add_plugins(module.__name__, CMS, "common")

    assert module.TOSCA_REPERTORY_URI_BASE == "urn:tosca:repertory:" and module.TOSCA_SYNC["max_attempts"] == 12
    assert not hasattr(module, "TOSCA_LTI")


# What differs on purpose inside Open edX; everything else must be the Tosca site's own default.
PLATFORM_SPECIFIC = {
    "TOSCA_BASE_URL",
    "TOSCA_ISSUER_NAME",
    "TOSCA_SIGNING_KEY_FILE",
    "TOSCA_SYNC_DISPATCH",
    "TOSCA_DERIVED_FROM_PLATFORM",
}


def test_plugin_defaults_are_the_tosca_sites_defaults(monkeypatch):
    module = settings_module(LMS_ROOT_URL="https://learn.example.org")
    add_plugins(module.__name__, LMS, "common")

    names = {name for name in vars(module) if name.startswith("TOSCA_")} - PLATFORM_SPECIFIC
    lti = dict(module.TOSCA_LTI, dynamic_registration=site.TOSCA_LTI["dynamic_registration"])
    assert lti == site.TOSCA_LTI
    assert {name: getattr(module, name) for name in names - {"TOSCA_LTI"}} == {
        name: getattr(site, name) for name in names - {"TOSCA_LTI"}
    }


@pytest.mark.urls("tests.openedx.plugin_urls")
def test_the_lms_serves_the_repertory_libretto_and_lti_tool_under_tosca_with_their_usual_names():
    assert reverse("repertory:framework-list") == "/tosca/repertory/"
    assert reverse("libretto:home") == "/tosca/libretto/"
    assert reverse("lti:login") == "/tosca/lti/login/"
    assert reverse("repertory-api:framework-list") == "/api/tosca/repertory/v1/frameworks/"


@pytest.mark.django_db
@pytest.mark.urls("tests.openedx.plugin_urls")
def test_the_repertory_libretto_and_lti_pages_answer_inside_the_lms(client, demo, settings, django_user_model):
    # The LMS's templates settings, not Tosca's site: none of the site's context processors.
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "OPTIONS": {**settings.TEMPLATES[0]["OPTIONS"], "context_processors": LMS_PROCESSORS}}
    ]
    client.force_login(django_user_model.objects.create_user("anna", "anna@example.org", "pw"))

    repertory = client.get("/tosca/repertory/", HTTP_ACCEPT_LANGUAGE="en")
    libretto = client.get("/tosca/libretto/", HTTP_ACCEPT_LANGUAGE="en")
    lti = client.get("/tosca/lti/", HTTP_ACCEPT_LANGUAGE="en")

    assert repertory.status_code == 200 and "RRFP" in repertory.content.decode()
    assert libretto.status_code == 200
    assert lti.status_code == 200 and "/tosca/lti/login/" in lti.content.decode()


def test_the_course_passing_receiver_is_connected_once_whoever_connects_it():
    from openedx_events.learning.signals import COURSE_PASSING_STATUS_UPDATED

    from sync import receivers

    connect_plugin_receivers(LMS)
    receivers.connect()

    connected = [
        receiver
        for receiver in COURSE_PASSING_STATUS_UPDATED.receivers
        if "sync.record_course_passing" in str(receiver[0])
    ]
    assert len(connected) == 1


def test_the_platforms_real_address_and_name_win_over_the_placeholders_common_settings_saw():
    # edx-platform's common.py has placeholders; production.py reads the real values, then adds "production"
    # plugin settings. An operator's own TOSCA_ISSUER_NAME (from the YAML) is kept.
    module = settings_module(LMS_ROOT_URL="http://localhost:18000", PLATFORM_NAME="Your Platform Name Here")
    add_plugins(module.__name__, LMS, "common")
    module.LMS_ROOT_URL, module.PLATFORM_NAME = "https://learn.regione.toscana.it", "Trio"
    module.TOSCA_ISSUER_NAME = "Regione Toscana"

    add_plugins(module.__name__, LMS, "production")

    assert module.TOSCA_BASE_URL == "https://learn.regione.toscana.it"
    assert module.TOSCA_ISSUER_NAME == "Regione Toscana"

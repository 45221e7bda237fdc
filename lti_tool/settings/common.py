"""The LTI tool's settings inside the Open edX LMS: the same defaults as on Tosca's own site."""

from __future__ import annotations


def defaults(settings) -> dict:
    return {
        "TOSCA_LTI": {
            "leeway": 60,
            "max_token_age": 600,
            "login_lifetime": 600,
            "jwks_cache_seconds": 3600,
            "jwks_refetch_interval": 5,
            "http_timeout": 10.0,
            "dynamic_registration": "staff",
            "key_publish_ahead": 86_400,
            "key_keep_retired": 7 * 86_400,
        },
    }


def plugin_settings(settings) -> None:
    for name, value in defaults(settings).items():
        if not hasattr(settings, name):
            setattr(settings, name, value)

"""Evidence delivery inside Open edX: to this platform's own libretto by default, right after the completion
commits ("inline"; `./manage.py lms sync run` retries what is due, from the outbox)."""

from __future__ import annotations

from datetime import timedelta


def defaults(settings) -> dict:
    return {
        "TOSCA_DESTINATIONS": [{"name": "local", "type": "local"}],
        "TOSCA_SYNC_DISPATCH": "inline",
        "TOSCA_SYNC": {
            "batch_size": 200,
            "claim_size": 1000,
            "max_attempts": 12,
            "first_retry": timedelta(seconds=30),
            "longest_retry": timedelta(hours=6),
            "lease": timedelta(minutes=5),
            "timeout": 10.0,
        },
    }


def plugin_settings(settings) -> None:
    for name, value in defaults(settings).items():
        if not hasattr(settings, name):
            setattr(settings, name, value)

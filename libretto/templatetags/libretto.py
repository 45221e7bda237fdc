from django import template

from libretto.data import Ambito, Status

register = template.Library()


@register.filter
def status_label(status: str) -> str:
    return Status(status).label if status in Status.values else status


@register.filter
def ambito_label(ambito: str) -> str:
    return Ambito(ambito).label if ambito in Ambito.values else ambito


@register.filter
def percent(score: float | None) -> str:
    return "" if score is None else f"{round(score * 100)}%"

from django import template

from repertory.data import Kind, Relation

register = template.Library()


@register.filter
def kind_label(kind: str) -> str:
    return Kind(kind).label if kind in Kind.values else kind


@register.filter
def relation_label(relation: str) -> str:
    return Relation(relation).label if relation in Relation.values else relation

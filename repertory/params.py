"""Reading paging parameters from a request, with errors a user can act on (never a 500)."""

from __future__ import annotations

from django.utils.translation import gettext as _

MAX_PAGE_SIZE = 200


class BadParameter(ValueError):
    pass


def positive_int(params, name: str, default: int, *, maximum: int | None = None) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise BadParameter(
            _("“%(name)s” must be a whole number, not “%(value)s”.") % {"name": name, "value": str(raw)[:20]}
        ) from None
    if value < 1 or (maximum is not None and value > maximum):
        raise BadParameter(
            _("“%(name)s” must be between 1 and %(max)s.")
            % {"name": name, "max": maximum if maximum is not None else "∞"}
        )
    return value


def page_window(params, *, default_size: int) -> tuple[int, int, int]:
    """(page, page size, offset) from ?page=&page_size=."""
    size = positive_int(params, "page_size", default_size, maximum=MAX_PAGE_SIZE)
    page = positive_int(params, "page", 1, maximum=1_000_000)
    return page, size, (page - 1) * size

"""Answer "no route of this area matches" with one regex instead of a walk over its routes.

FastAPI (0.16x) keeps each ``include_router`` as one entry of the app's route list and matches a
request by asking each area in turn, in order, whether one of its routes matches; each area
then walks its routes with some bookkeeping per route. The scan API (``/api/sayim/{id}/scan``)
is in the eighth area of about twenty: 60-80 µs of CPU per request went to asking the areas
before it (``bench/http_overhead.py``).

:func:`install` gives an area router a ``matches`` that first tries one regex made of all its
routes' path regexes: when the request's path matches none, no route of the area can match
(a route matches only when its path regex does), so the answer is ``Match.NONE``, exactly what
the walk would answer. Otherwise the walk runs as before. Order, URLs and methods are untouched:
the app still asks the areas in the same order and takes the same route. A router with a route
that has no path regex (a host route, a nested router) is left as it is.

The router must be included without a prefix (``create_app`` includes every area so): the
regexes are those of the router's own routes.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.routing import Match

_NAMED_GROUP = re.compile(r"\(\?P<\w+>")


def path_filter(routes: list[Any]) -> re.Pattern[str] | None:
    """One regex matching every path that one of ``routes`` matches; None when one route has
    no path regex.

    >>> from fastapi import APIRouter
    >>> r = APIRouter()
    >>> _ = r.get("/sayim/{session_id}")(lambda session_id: None)
    >>> _ = r.post("/api/sayim/{session_id}/scan")(lambda session_id: None)
    >>> f = path_filter(r.routes)
    >>> [bool(f.match(p)) for p in ("/sayim/3", "/api/sayim/3/scan", "/sayim", "/bildirim/3")]
    [True, True, False, False]
    """
    patterns = []
    for route in routes:
        regex = getattr(route, "path_regex", None)
        if not isinstance(regex, re.Pattern):
            return None
        # Named groups would clash between alternatives; they do not change what matches.
        patterns.append("(?:" + _NAMED_GROUP.sub("(?:", regex.pattern) + ")")
    return re.compile("|".join(patterns)) if patterns else None


def install(router: Any) -> None:
    """Give ``router`` (an area's ``APIRouter``, included without prefix) the quick refusal."""
    router.__dict__.pop("matches", None)      # a router included again: rebuilt from its routes
    regex = path_filter(list(router.routes))
    if regex is None:
        return
    walk = router.matches                     # the class's own matches, bound to the router
    match_path = regex.match

    def matches(scope: Any) -> tuple[Match, dict[str, Any]]:
        if not scope.get("root_path") and match_path(scope["path"]) is None:
            return Match.NONE, {}
        return walk(scope)  # type: ignore[no-any-return]

    router.matches = matches

"""Malformed requests get a 4xx with a Turkish message, never a 500 (issue 13).

Two checks every route gets without asking for them:

- :func:`bounded_ints`, the last step of the app-wide guard (``guard.check``): an integer path parameter outside
  what an id column holds (every id is an SQLAlchemy ``Integer``: PostgreSQL ``integer``,
  -2^31 … 2^31-1; SQLite would take up to 2^63-1) is "Bulunamadı." (404) — no row can have
  that id, and PostgreSQL (or, past 2^63, the SQLite driver) would raise on it;
  an integer query parameter (``sayfa``, flags) beyond ±``QUERY_INT_MAX`` is refused (422), so
  no page arithmetic (``(sayfa - 1) * 100``) can leave the database's range either. Which
  parameters are integers is read from the route's own signature, so a route added later is
  covered as well.
- :data:`DATA_ERROR`: a value the database itself refuses (PostgreSQL takes no NUL in text) is
  a 422, the request's transaction rolled back whole.
- :func:`validation_message`: FastAPI's own validation errors (a missing form field, ``abc``
  where an id belongs, a body that is not JSON) in Turkish, naming the field.

>>> out_of_range("9223372036854775808", DB_INT_MAX), out_of_range("2147483648", DB_INT_MAX)
(True, True)
>>> out_of_range("-2147483648", DB_INT_MAX), out_of_range("2147483647", DB_INT_MAX)
(False, False)
>>> out_of_range("abc", DB_INT_MAX)  # not a number: FastAPI's validation answers it (422)
False
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

DB_INT_MAX = 2**31 - 1
"""Largest id a table holds: a PostgreSQL ``integer`` (the lowest is -2^31)."""
QUERY_INT_MAX = 1_000_000_000
"""Largest integer a query parameter may carry: page numbers and flags, never ids."""

DATA_ERROR = ("Geçersiz istek: gönderilen bir değer kaydedilemez (ör. metinde NUL karakteri ya da "
              "çok büyük bir sayı). Hiçbir şey değiştirilmedi.")
"""The answer when the database refuses a value of the request (``sqlalchemy.exc.DataError``)."""

_INT_PARAMS: dict[int, tuple[frozenset[str], frozenset[str]]] = {}


def out_of_range(raw: str, limit: int) -> bool:
    """True when ``raw`` reads as a number outside ``-limit-1 … limit``."""
    text = raw.strip()
    if len(text) > 400:
        return True
    try:
        value = Decimal(text.replace("_", ""))
    except (InvalidOperation, ValueError):
        return False
    if not value.is_finite():
        return not value.is_nan()
    return value > limit or value < -limit - 1


def _is_int(annotation: Any) -> bool:
    if annotation is int:
        return True
    args = getattr(annotation, "__args__", ())
    return int in args and all(a is int or a is type(None) for a in args)


def _int_params(route: APIRoute) -> tuple[frozenset[str], frozenset[str]]:
    """(path, query) parameter names the route declares as integers (read once per route)."""
    found = _INT_PARAMS.get(id(route))
    if found is None:
        dependants = [route.dependant]
        path: set[str] = set()
        query: set[str] = set()
        while dependants:
            dep = dependants.pop()
            dependants.extend(dep.dependencies)
            path |= {f.alias for f in dep.path_params if _is_int(f.field_info.annotation)}
            query |= {f.alias for f in dep.query_params if _is_int(f.field_info.annotation)}
        found = _INT_PARAMS[id(route)] = (frozenset(path), frozenset(query))
    return found


async def bounded_ints(request: Request) -> None:
    """Refuse integers no database column can hold before any view or query sees them.

    ``async`` although it awaits nothing: FastAPI runs a plain ``def`` dependency in a worker
    thread, a hop every request (the scan API's included) would pay for no I/O.
    """
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    path, query = _int_params(route)
    for name in path:
        raw = request.path_params.get(name)
        if isinstance(raw, str) and out_of_range(raw, DB_INT_MAX):
            raise HTTPException(404, "Bulunamadı.")
    for name in query:
        for raw in request.query_params.getlist(name):
            if out_of_range(raw, QUERY_INT_MAX):
                raise HTTPException(422, f"Geçersiz istek: '{name}' değeri çok büyük ya da çok "
                                         f"küçük ({raw[:30]!r}).")


_REASONS = {
    "int_parsing": "bir tam sayı olmalı",
    "int_from_float": "bir tam sayı olmalı",
    "float_parsing": "bir sayı olmalı",
    "bool_parsing": "evet/hayır değeri olmalı",
    "missing": "eksik",
    "string_type": "metin olmalı",
    "json_invalid": "geçerli bir JSON değil",
    "model_attributes_type": "beklenen biçimde değil",
    "dict_type": "beklenen biçimde değil",
    "value_error": "geçersiz",
}
_PLACES = {"path": "adres", "query": "sorgu", "body": "form", "header": "başlık",
           "cookie": "çerez"}


def validation_message(errors: list[Any]) -> str:
    """FastAPI's validation errors as one Turkish sentence naming each field.

    >>> validation_message([{"type": "int_parsing", "loc": ("path", "session_id")},
    ...                     {"type": "missing", "loc": ("body", "dosya")}])
    "Geçersiz istek: adres alanı 'session_id' bir tam sayı olmalı; form alanı 'dosya' eksik."
    """
    parts = []
    for err in errors[:5]:
        loc = [str(x) for x in err.get("loc", ())]
        place = _PLACES.get(loc[0], "istek") if loc else "istek"
        name = ".".join(loc[1:]) or "gövde"
        reason = _REASONS.get(str(err.get("type", "")), "geçersiz")
        parts.append(f"{place} alanı '{name[:60]}' {reason}")
    return "Geçersiz istek: " + ("; ".join(parts) or "istek okunamadı") + "."


async def scan_json(request: Request) -> dict[str, Any] | JSONResponse:
    """The JSON body of a scan (``{"raw": "…", …}``: the count's and the Son kontrol's scan
    endpoints), or the 400 answer to give instead, in Turkish, as the pages' scripts read it."""
    try:
        body = await request.json()
    except ValueError:
        return JSONResponse({"message": "Geçersiz istek (JSON bekleniyor)."}, status_code=400)
    if not isinstance(body, dict) or not isinstance(body.get("raw"), str):
        return JSONResponse({"message": "Geçersiz istek: raw alanı eksik."}, status_code=400)
    return body

"""Pure domain core: frozen dataclasses and functions. Standard library only; no I/O, SQL,
HTTP or clock (callers pass ``today``)."""

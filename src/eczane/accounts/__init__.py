"""Accounts: users and pharmacies, passwords, server-side sessions, login throttling.

A slice (STYLE §15): its tables (``tables``), store functions (``users``, ``sessions``,
``throttle``), the login flow (``login``), web pages (``routes`` + ``templates/accounts``) and
the admin CLI (``cli``: ``eczane user …``, ``eczane pharmacy …``) live together here.
``eczane.store.users`` re-exports ``users`` for older callers. See ``docs/security.md``.
"""

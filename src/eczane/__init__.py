"""eczane: an open-source back office for Turkish community pharmacies.

Two missions: the İTS stock equalization of Law 7557 ("75" deactivation) and the licensing
assistant for opening a pharmacy. Layout: ``domain`` is pure (no I/O); ``store``, ``its``,
``importers``, ``exports``, ``web`` and ``cli`` are adapters around it.
"""

__version__ = "0.1.0"

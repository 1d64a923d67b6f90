"""Eczane açma asistanı: the rules for opening, moving or taking over a pharmacy.

Pure functions over frozen dataclasses. Every conclusion carries a :class:`Reason` with the
``rule`` it came from and its ``source`` (seed file + section, law article, or research note).
What varies by year or province (law dates, fee brackets, site profiles, document lists, cost
tables) is passed in as data; ``eczane.licensing_data`` loads it from ``eczane/data/licensing``.

Sources: seed ``001_271ab17188307080.txt`` (guide to opening a pharmacy, 2012/2014 rules),
seed ``002_dfc04fed92d85993.txt`` (İstanbul İl Sağlık Müdürlüğü licensing page),
``research/licensing.md`` (tags [C] confirmed, [S] secondary, [I] inference).
"""

from eczane.domain.licensing.reasons import Reason

__all__ = ["Reason"]

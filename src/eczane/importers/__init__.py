"""Importers: files in, domain rows out. Pure readers (no database):

- ``its_stock.read_its_stock`` — the İTS "Stok İndir" export (XLSX/XLS/CSV, header-detected)
- ``onhand.read_onhand`` — the pharmacy program's karekod list
- ``catalog.read_catalog`` — product lists (our CSV, the agency's spreadsheets)

``tabular`` sniffs and opens files safely (zip-bomb guard, encodings); ``headers`` finds header
rows by the synonym table in ``data/importers/headers.yaml`` or applies a user's mapping;
``kinds`` names a file meant for another import box (``data/importers/file_kinds.yaml``), the
one check every reader runs before reading a row.
"""

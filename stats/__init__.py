"""Statistics (统计): the counts the 统计 page shows, each one SQL ``GROUP BY`` over the local store.

``stats.tables`` holds the plain result (a ``CountTable``: one dimension, its labels in their
natural order, a count each); ``stats.counts`` makes the tables of cases and of organizations.
Later views (年检率, ratings, one street's screen) add modules beside them that return the same
``CountTable``, so the page and the .xlsx export (``spreadsheets/count_tables.py``) take them as
they are.
"""

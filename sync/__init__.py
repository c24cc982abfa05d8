"""Sync with the district's central database (与中心库同步): outbox, push, pull, code blocks.

The outbox capture itself (models.outbox) is installed by the local store, so every write to a
synchronised table is queued in its own transaction whether or not this package is imported.
"""

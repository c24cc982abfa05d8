"""Sync with the district's central database (与中心库同步): outbox, push, pull, code blocks.

Importing the package installs the outbox capture (models.outbox) so that every write made in
a process that syncs is queued for the centre.
"""

import models.outbox  # noqa: F401  (installs the outbox capture on every Session)

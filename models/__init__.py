"""Ground floor: tables, the local store, migrations, the audit trail and reference data.

Nothing here imports Qt or any package above it (workflow, printing, sync, ui).
"""

"""Local writes as they commit (本机写入): the 同步 status shows 待上传 again after each one."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event

from models.store import Store


def watch_local_writes(store: Store, on_write: Callable[[], None]) -> Callable[[], None]:
    """Call ``on_write()`` after each commit to ``store``, on the committing thread (reads roll back,
    so only writes count); returns the function that stops watching."""

    def committed(_connection) -> None:
        on_write()

    event.listen(store.engine, "commit", committed)
    return lambda: event.remove(store.engine, "commit", committed)

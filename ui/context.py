"""What every page is given (页面上下文): the open store, the logged-in user and the task runner."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the store and accounts modules load SQLAlchemy; the login window must not wait for it
    from accounts.users import UserInfo
    from models.store import Store
    from ui.tasks import TaskRunner


@dataclass(frozen=True)
class PageContext:
    """Pages call domain functions with ``store`` and ``user``, through ``tasks`` when the work is long."""

    store: Store
    user: UserInfo
    tasks: TaskRunner

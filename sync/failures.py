"""Why a sync failed (同步失败原因), in Chinese, whatever failed.

The centre's own refusals come in Chinese already and are shown as they are; the PostgreSQL
errors a window can meet (a cut connection, a session the centre's watchdog ended, a timeout, a
missing right, an old central schema) are told in Chinese by their SQLSTATE; anything else
becomes one sentence saying what to do, with the original error — and the op or change it
happened on, when the sync could tell (``Exception.add_note``) — in a crash log. No English
message of PostgreSQL, SQLite or Python reaches the clerk.
"""

from __future__ import annotations

import re

import psycopg

from models.crashlog import write_crash_log
from models.errors import SoregError

_HAN = re.compile(r"[\u4e00-\u9fff]")

_LOST = {
    "57P01": "中心结束了本窗口的连接（连接占用过久，或中心正在维护），本窗口可继续离线工作，稍后再同步。",
    "57P02": "中心数据库正在重启，本窗口可继续离线工作，稍后再同步。",
    "57P03": "中心数据库暂时不接受连接，本窗口可继续离线工作，稍后再同步。",
    "53300": "中心的连接数已满，请稍后再同步。",
    "28P01": "密码错误（请用 central connect 重新设置）。",
    "28000": "中心不接受本窗口的账户（账户不存在或已停用），请中心管理员检查该窗口的账户（central add-window）。",
    "3D000": "中心数据库不存在，请检查中心地址中的库名（central connect）。",
    "42501": "本窗口的账户不能连接中心数据库，请中心管理员检查该窗口的账户（central add-window）。",
}
"""SQLSTATE → what a lost or refused connection means."""

_REFUSED = {
    "57014": "中心处理超时，已中止本次同步（已完成的部分已保存），请稍后再同步。",
    "55P03": "中心正忙（数据被其他连接占用），请稍后再同步。",
    "40001": "中心正忙，请稍后再同步。",
    "40P01": "中心正忙，请稍后再同步。",
    "42501": "本窗口的中心账户没有所需的权限，请中心管理员检查该窗口的账户（central add-window）。",
    "42883": "中心数据库的同步接口版本不对，请中心管理员运行 central init 升级中心数据库后再同步。",
    "3F000": "中心数据库的同步接口版本不对，请中心管理员运行 central init 升级中心数据库后再同步。",
    "53100": "中心数据库的磁盘已满，请联系中心管理员。",
    "53200": "中心数据库内存不足，请稍后再同步；如仍不行，请联系中心管理员。",
}
"""SQLSTATE → what a statement the centre refused means."""


def _crash_log(exc: BaseException) -> str:
    return str(write_crash_log(exc))


def unreachable_reason(exc: psycopg.OperationalError) -> str:
    """Why the centre could not be reached, or the connection was lost."""
    text = str(exc)
    if exc.sqlstate in _LOST:
        return _LOST[exc.sqlstate]
    if "password authentication failed" in text:
        return _LOST["28P01"]
    if exc.sqlstate is None or exc.sqlstate.startswith("08"):  # no answer, or the connection was cut
        return "中心暂时无法访问，本窗口可继续离线工作，稍后再同步。"
    return f"与中心的连接出错，本窗口可继续离线工作，稍后再同步。详情已写入 {_crash_log(exc)}。"


def _chinese(text: str | None) -> str | None:
    """The centre's own message (its functions speak Chinese), ending in a full stop."""
    if not text or not _HAN.search(text):
        return None
    return text if text.endswith(("。", "）", "！")) else text + "。"


def failure_message(exc: BaseException) -> str:
    """The one Chinese sentence that tells the clerk why a sync stopped and what to do."""
    if isinstance(exc, SoregError):
        return exc.message
    if isinstance(exc, psycopg.OperationalError) and (exc.sqlstate is None or exc.sqlstate in _LOST
                                                      or exc.sqlstate.startswith("08")):
        return f"同步中断：{unreachable_reason(exc)}"
    if isinstance(exc, psycopg.Error):
        said = _chinese(exc.diag.message_primary) or _REFUSED.get(exc.sqlstate or "")
        if said is not None:
            return f"同步被中心拒绝：{said}"
    return (f"同步出错，已停止（已完成的部分已保存，下次同步从中断处继续）。详情已写入 {_crash_log(exc)}，"
            "请把该文件交给管理员。")

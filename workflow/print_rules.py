"""Print rules (打印规则) that the print record will enforce: reprints and the stock serial.

Pure functions: the case workflow calls them before it records a print.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from models.accounts import Role
from models.errors import SoregError
from printing.data import CopyKind

STOCK_SERIAL = re.compile(r"^[A-Z0-9]{6,20}$")


def check_reprint(copy: CopyKind, reason: str, roles: Collection[Role]) -> str:
    """Allow a reprint (补打) of ``copy``: it needs a reason, and a 正本 needs the approver role.

    Returns the reason, trimmed.
    """
    reason = reason.strip()
    if not reason:
        raise SoregError(f"补打证书{copy.value}必须填写补打原因（例如：原证书污损、遗失补领）；补打后，原来的{copy.value}作废。",
                         field="补打原因")
    if copy is CopyKind.ORIGINAL and Role.APPROVER not in roles:
        raise SoregError("补打证书正本须由具有“审批”角色的人员操作，请让审批人员登录后补打。", field="操作人")
    return reason


def normalize_stock_serial(serial: str) -> str:
    """The 证件印制号 as entered from the pre-printed stock: 6–20 letters or digits."""
    serial = "".join(serial.split()).upper()
    if not STOCK_SERIAL.fullmatch(serial):
        raise SoregError("证件印制号应为印在空白证书上的 6 至 20 位字母或数字，请对照证书纸重新输入。", field="证件印制号")
    return serial

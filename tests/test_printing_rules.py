"""Print rules: a reprint needs a reason, a 正本 reprint needs the approver; the stock serial's form."""

from __future__ import annotations

import pytest

from models.accounts import Role
from models.errors import SoregError
from printing.data import CopyKind
from workflow.print_rules import check_reprint, normalize_stock_serial


@pytest.mark.parametrize("reason", ["", "   ", "\n"])
def test_a_reprint_without_a_reason_is_refused(reason: str) -> None:
    with pytest.raises(SoregError) as err:
        check_reprint(CopyKind.DUPLICATE, reason, {Role.APPROVER})
    assert err.value.field == "补打原因" and "原因" in str(err.value)


def test_an_original_reprint_by_a_clerk_is_refused() -> None:
    with pytest.raises(SoregError) as err:
        check_reprint(CopyKind.ORIGINAL, "原证书污损", {Role.CLERK, Role.REVIEWER})
    assert err.value.field == "操作人" and "审批" in str(err.value)


def test_reprints_allowed_with_a_reason_and_the_right_role() -> None:
    assert check_reprint(CopyKind.ORIGINAL, " 原证书污损 ", {Role.APPROVER}) == "原证书污损"
    assert check_reprint(CopyKind.DUPLICATE, "副本遗失补领", {Role.CLERK}) == "副本遗失补领"


def test_stock_serial_is_normalized_and_checked() -> None:
    assert normalize_stock_serial(" sz 2026 000123 ") == "SZ2026000123"
    for bad in ("12345", "SZ-2026", "印制号123456"):
        with pytest.raises(SoregError) as err:
            normalize_stock_serial(bad)
        assert err.value.field == "证件印制号"

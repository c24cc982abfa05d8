"""What a reviewer or clerk types while a case is under way (审查与发证时填写的内容).

The reviewer's opinion (审查意见), the reasons of a step (理由), the reason for a correction
(更正理由) and the agent who collects a certificate (代理人领证: name and ID number, read with the
intake form's person fields). All go through the one text policy (forms/text.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from forms.fields import Field, FieldError, FieldInvalid, as_text, read_fields
from forms.intake import PERSON_FIELDS

OPINION = Field("opinion", "审查意见", as_text, max_length=500, multiline=True, hint="随本次操作记入办理过程，可不填")
REASON = Field("reasons", "理由", as_text, max_length=500)
CORRECTION_REASON = Field("reason", "更正理由", as_text, required=True, max_length=500, multiline=True,
                          hint="例如：申请人提交了业务主管单位批准文件")
AGENT_FIELDS: tuple[Field, ...] = tuple(f for f in PERSON_FIELDS if f.key in ("name", "id_number"))
AGENT = "代理人"


def read_reasons(raw: Sequence[str]) -> tuple[list[str], list[FieldError]]:
    """The non-empty reasons, each read with the text policy, and an error for each refused one."""
    reasons, errors = [], []
    for n, text in enumerate(raw, start=1):
        try:
            value = REASON.read(text)
        except FieldInvalid as exc:
            errors.append(FieldError(f"reasons[{n - 1}]", f"第 {n} 条理由", f"“第 {n} 条理由”{exc.reason}"))
            continue
        if value:
            reasons.append(value)
    return reasons, errors


def read_agent(data: Mapping[str, object]) -> tuple[dict[str, Any], list[FieldError]]:
    """The agent's name and ID number, with errors at ``collector.name`` / ``collector.id_number``."""
    return read_fields(AGENT_FIELDS, data, path="collector.", where=AGENT)

"""What the certificate can print (证书可印字数): limits of the registered items, for the forms.

The limits are measured from the certificate templates (``printing.field_limits``) and kept in
resources/reference/field_limits.json, so an accepted value fits both copies of the certificate;
this module reads them through ``models.reference`` and never imports printing.
"""

from __future__ import annotations

from collections.abc import Sequence

from models.reference import field_limits

SCOPE_SEPARATOR, SCOPE_END = "；", "。"


def max_chars(key: str) -> int:
    """The most characters the certificate prints for the item ``key`` (name, address, sponsor, …)."""
    return field_limits()[key].max_chars


def scope_as_printed(texts: Sequence[str]) -> str:
    """The 业务范围 items as the certificate prints them: joined by "；", ending with "。"."""
    return SCOPE_SEPARATOR.join(texts) + SCOPE_END


def scope_too_long(texts: Sequence[str]) -> str | None:
    """The reason (completing "“业务范围”…") when the items, as printed, exceed the certificate's limit."""
    printed, limit = len(scope_as_printed(texts)), max_chars("business_scope")
    if printed <= limit:
        return None
    return f"各项合计（以“；”相连、末尾加“。”）最多 {limit} 个字，现有 {printed} 个，请删减。"

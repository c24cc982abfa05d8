"""The local 严重违法失信名单 of persons (失信人员名单): who may not head a new organization.

Entries are matched by 身份证号 in the persons check (workflow/checks.py). An entry is in force
from ``listed_on`` until ``removed_on`` (移出名单); removal keeps the row, so a check made on an
earlier day still sees it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from accounts.users import UserInfo
from forms.fields import FieldInvalid, as_date, as_person_name
from forms.intake import as_id_number
from models.accounts import Role
from models.audit import record_event_in
from models.cases import DishonestPerson
from models.errors import SoregError
from models.store import Store
from workflow.permissions import require_role

MANAGERS = frozenset({Role.ADMIN, Role.APPROVER})


@dataclass(frozen=True)
class ListedPerson:
    id_number: str
    name: str
    listed_on: date
    removed_on: date | None
    source: str


def _read(field: str, parse, raw: str):
    try:
        return parse(raw.strip())
    except FieldInvalid as exc:
        raise SoregError(f"“{field}”{exc.reason}", field=field) from None


def list_person(store: Store, id_number: str, name: str, listed_on: str, *, source: str, user: UserInfo) -> ListedPerson:
    """Put a person on the list from ``listed_on`` (YYYY-MM-DD); ``source`` names the decision."""
    require_role(user, MANAGERS, "维护失信人员名单")
    number = _read("身份证号", as_id_number, id_number)
    person_name = _read("姓名", as_person_name, name)
    day = _read("列入日期", as_date, listed_on)
    if not source.strip():
        raise SoregError("请填写列入依据（决定书文号等）。", field="列入依据")
    with store.write() as session:
        current = session.scalar(select(DishonestPerson).where(DishonestPerson.id_number == number,
                                                               DishonestPerson.removed_on.is_(None)))
        if current is not None:
            raise SoregError(f"身份证号 {number} 已在名单中（{current.listed_on:%Y-%m-%d} 列入）。", field="身份证号")
        row = DishonestPerson(id_number=number, name=person_name, listed_on=day, source=source.strip())
        session.add(row)
        session.flush()
        record_event_in(session, actor=user.username, action="dishonest.list", record_type="dishonest_person",
                     record_id=row.id, after={"id_number": number, "name": person_name, "listed_on": day, "source": row.source})
        return ListedPerson(number, person_name, day, None, row.source)


def remove_person(store: Store, id_number: str, removed_on: str, *, user: UserInfo) -> None:
    """Take a person off the list from ``removed_on`` (移出名单)."""
    require_role(user, MANAGERS, "维护失信人员名单")
    number = _read("身份证号", as_id_number, id_number)
    day = _read("移出日期", as_date, removed_on)
    with store.write() as session:
        row = session.scalar(select(DishonestPerson).where(DishonestPerson.id_number == number,
                                                           DishonestPerson.removed_on.is_(None)))
        if row is None:
            raise SoregError(f"身份证号 {number} 不在名单中。", field="身份证号")
        if day < row.listed_on:
            raise SoregError(f"移出日期不能早于列入日期 {row.listed_on:%Y-%m-%d}。", field="移出日期")
        row.removed_on = day
        record_event_in(session, actor=user.username, action="dishonest.remove", record_type="dishonest_person",
                     record_id=row.id, before={"removed_on": None}, after={"removed_on": day})


def listed_persons(store: Store) -> list[ListedPerson]:
    with store.read() as session:
        rows = session.scalars(select(DishonestPerson).order_by(DishonestPerson.listed_on, DishonestPerson.name))
        return [ListedPerson(r.id_number, r.name, r.listed_on, r.removed_on, r.source) for r in rows]

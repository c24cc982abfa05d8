"""Demo data (演示数据): realistic synthetic organizations for demos, screenshots and benchmarks.

Names are built like real ones — 上海市长宁区 + 字号 + a field word from fields.json + an ending
allowed for the type (社会团体: member composition or field instead of a 字号) — from the word
lists in resources/demo/vocabulary.json. Every organization gets a valid 统一社会信用代码 built from
a synthetic organization code; the same seed gives the same organizations. Demo data is made only
in a demo database (``init --demo``, setting ``store.demo``), never in a window's real registry.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import reference
from models.audit import record_event_in
from models.errors import SoregError
from models.registry import Organization, OrgStatus
from models.settings import DEMO_DATABASE, get_setting_in
from models.store import Store
from registry.credit_code import ALPHABET, build_credit_code, organization_code
from registry.organizations import (
    FormerName,
    OrganizationRecord,
    bulk_add_organizations_in,
)

DEMO_ACTOR = "demo"
DEMO_CODE_PREFIX = "MD"
"""Synthetic organization codes are MD + six base-31 characters: never handed out by a block."""

# Shares of the registry: type, status, ratings and list flags (a district's typical mix).
TYPE_WEIGHTS = {"社会团体": 25, "民办非企业单位": 70, "基金会": 5}
STATUS_WEIGHTS = {OrgStatus.ACTIVE.value: 80, OrgStatus.DEREGISTERED.value: 15, OrgStatus.REVOKED.value: 5}
RENAMED_SHARE = 0.05
RATED_SHARE = 0.2
ABNORMAL_SHARE = 0.03
DISHONEST_SHARE = 0.005
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2026, 6, 30)


@dataclass(frozen=True)
class Vocabulary:
    zihao: tuple[str, ...]
    members: tuple[str, ...]
    surnames: tuple[str, ...]
    given_chars: tuple[str, ...]
    roads: tuple[str, ...]
    sponsors: dict[str, str]
    endings: dict[str, dict[str, list[str]]]
    member_endings: tuple[str, ...]

    def endings_for(self, org_type: str, field: str) -> list[str]:
        """Endings that suit the field for this type (key "" is the type's default)."""
        by_field = self.endings[org_type]
        return by_field.get(field) or by_field[""]


@cache
def vocabulary() -> Vocabulary:
    with (reference.RESOURCES / "demo" / "vocabulary.json").open(encoding="utf-8") as fh:
        data = json.load(fh)
    combined = [a + b for a in data["zihao_first"] for b in data["zihao_second"] if a != b]
    excluded = reference.division_names() | set(reference.prohibited_words().reject)
    zihao = tuple(dict.fromkeys(z for z in data["zihao"] + combined if z not in excluded))
    return Vocabulary(zihao, tuple(data["group_members"]), tuple(data["surnames"]), tuple(data["given_chars"]),
                      tuple(data["roads"]), data["sponsors"], data["endings"], tuple(data["member_endings"]))


reference.on_change(vocabulary.cache_clear)  # it leaves out division names and prohibited words


def _base31(n: int, width: int) -> str:
    chars = []
    for _ in range(width):
        n, r = divmod(n, len(ALPHABET))
        chars.append(ALPHABET[r])
    return "".join(reversed(chars))


class _Generator:
    """Draws one organization after another from a seeded random stream."""

    def __init__(self, seed: int, first_serial: int) -> None:
        self.rng = random.Random(seed)
        self.serial = first_serial
        self.words = vocabulary()
        self.prefix = reference.district().name_prefix
        self.types = reference.org_types()
        self.field_words = reference.field_words()
        self.streets = reference.streets()
        self.used: set[str] = set()

    def _day(self, start: date, end: date) -> date:
        return start + timedelta(days=self.rng.randrange((end - start).days + 1))

    def _name(self, org_type: str) -> tuple[str, str]:
        """A name of the type and its field, never given before in this run.

        A real registry holds no two organizations under one name (the identical-name rule refuses
        the second), so a repeated draw gets a longer, two-word qualifier instead.
        """
        rng, words = self.rng, self.words
        word, field = rng.choice(self.field_words)
        ending = rng.choice(words.endings_for(org_type, field))
        qualifier = rng.choice(words.zihao)
        if not self.types[org_type].has_zihao and rng.random() < 0.3:  # 社会团体 named after its members
            word, ending, field = rng.choice(words.members), rng.choice(words.member_endings), ""
            qualifier = ""
        name = f"{self.prefix}{qualifier}{word}{ending}"
        while name in self.used:
            qualifier = rng.choice(words.zihao) + rng.choice(words.zihao)
            name = f"{self.prefix}{qualifier}{word}{ending}"
        self.used.add(name)
        return name, field

    def _person(self) -> str:
        rng = self.rng
        return rng.choice(self.words.surnames) + "".join(rng.choices(self.words.given_chars, k=rng.choice((1, 2))))

    def _credit_code(self, org_type: str) -> str:
        body = DEMO_CODE_PREFIX + _base31(self.serial, 6)
        self.serial += 1
        return build_credit_code(organization_code(body), self.types[org_type].code_digit)

    def organization(self) -> OrganizationRecord:
        rng = self.rng
        org_type = rng.choices(list(TYPE_WEIGHTS), weights=list(TYPE_WEIGHTS.values()))[0]
        name, field = self._name(org_type)
        status = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
        established = self._day(FIRST_DAY, LAST_DAY - timedelta(days=400))
        status_changed = None if status == OrgStatus.ACTIVE.value else self._day(established + timedelta(days=365), LAST_DAY)
        former = ()
        if rng.random() < RENAMED_SHARE:
            renamed_on = self._day(established + timedelta(days=180), status_changed or LAST_DAY)
            former_name = self._name(org_type)[0]
            if former_name != name:
                former = (FormerName(former_name, renamed_on),)
        terms = (LAST_DAY - established).days // (5 * 365) + 1
        active = status == OrgStatus.ACTIVE.value
        return OrganizationRecord(
            name=name,
            org_type=org_type,
            status=status,
            status_changed_on=status_changed,
            credit_code=self._credit_code(org_type),
            street_code=rng.choice(self.streets).code,
            address=f"{self.prefix}{rng.choice(self.words.roads)}{rng.randint(1, 1800)}号",
            legal_representative=self._person(),
            sponsor=self.words.sponsors.get(field) if org_type != "基金会" else reference.district().authority,
            established_on=established,
            certificate_valid_until=established + timedelta(days=terms * 5 * 365),
            rating=rng.choice(("3A", "4A", "5A")) if active and rng.random() < RATED_SHARE else None,
            on_abnormal_list=active and rng.random() < ABNORMAL_SHARE,
            on_dishonest_list=rng.random() < DISHONEST_SHARE,
            former_names=former,
        )


def require_demo_database_in(session: Session) -> None:
    """Refuse to make demo data anywhere but in a demo database."""
    if not get_setting_in(session, DEMO_DATABASE):
        raise SoregError("演示数据只能生成在演示数据库中，不能混入本窗口的真实登记库和办件。"
                         "请新建一个演示数据库，例如 --db demo.sqlite3 init --window D01 --demo。", field="数据库")


def next_demo_serial_in(session: Session) -> int:
    """The serial after the highest demo organization code in the registry.

    Base-31 digits sort like their values, so the greatest code body is the highest serial; a
    count would fall short once some serials were drawn but not stored (``cases demo`` stores
    only the organizations of cases past approval)."""
    body = session.scalar(select(func.max(func.substr(Organization.credit_code, 11, 6)))
                          .where(func.substr(Organization.credit_code, 9, 2) == DEMO_CODE_PREFIX))
    if body is None:
        return 0
    value = 0
    for char in body:
        value = value * len(ALPHABET) + ALPHABET.index(char)
    return value + 1


def demo_organizations(count: int, *, seed: int = 1, first_serial: int = 0) -> Iterator[OrganizationRecord]:
    """``count`` synthetic organizations, the same ones for the same seed and first serial."""
    generator = _Generator(seed, first_serial)
    for _ in range(count):
        yield generator.organization()


def fill_demo(store: Store, count: int, *, seed: int = 1, progress=None) -> int:
    """Add ``count`` demo organizations in one transaction with one audit event; return the count."""
    if count < 1:
        raise SoregError(f"演示组织数量应为正整数，实为 {count}。", field="--orgs")
    done = 0

    def report(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress.report(done, count, "生成演示数据")

    with store.write() as session:
        require_demo_database_in(session)
        # demo codes continue after those of earlier demo runs, so credit codes stay unique
        ids = bulk_add_organizations_in(session, demo_organizations(count, seed=seed,
                                                                 first_serial=next_demo_serial_in(session)),
                                     on_chunk=report)
        record_event_in(session, actor=DEMO_ACTOR, action="registry.demo", record_type="registry", record_id="demo",
                     after={"organizations": len(ids), "seed": seed})
    return len(ids)

"""The business catalogue (业务目录): each window business declared once, in data and one effect.

A business (业务, e.g. 成立登记) is a file in resources/businesses/: the organization types it
applies to, the registered items its form captures (keys of forms/intake.py's fields), its steps
in order — each with the role that acts at it, the action that moves the case on, the check ids
it runs (workflow/checks.py ``CHECKS``) and ``needed_when``, the items whose change makes the step
run —, its materials checklist and time limits (named in the reference data), its documents per
state and its effect on the registry at approval, a function in ``workflow.businesses``.

The state machine (workflow/transitions.py), the case page, the wizard, the 办件 list and the
dashboard read the catalogue; the side exits (补正, 退回, 不予登记, 撤回) are the same for all.
A test declares an extra business with ``declare``, which returns its undo.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from forms.intake import ORGANIZATION_FIELDS
from forms.materials import checklist
from models.accounts import Role
from models.cases import BusinessType, Case, CaseState
from models.errors import SoregError
from models.print_records import DocumentKind
from models.reference import RESOURCES, org_types
from workflow.checks import CHECKS
from workflow.states import FINAL

BUSINESSES = RESOURCES / "businesses"
FIRST, LAST = CaseState.ACCEPTED.value, CaseState.CLOSED.value  # every business starts at 受理 and ends at 办结
SIDE_STATES = (CaseState.SUPPLEMENT.value, CaseState.REJECTED.value, CaseState.WITHDRAWN.value)
ACTIONS = ("submit", "advance", "approve", "print", "issue")  # how a step moves a case on
ALL_STATES = "*"  # a documents key: in every state

# approval's effect on the registry: (session, case, rules, actor=, on=) → what it registered, or None
Effect = Callable[..., Any]


@dataclass(frozen=True)
class Step:
    """One step of a business: its state, who acts at it, how it moves on, what it checks, and
    the registered items whose change it is needed for (empty: always)."""

    state: str
    role: Role | None = None  # None only at the last step (办结)
    action: str | None = None
    checks: tuple[str, ...] = ()
    needed_when: frozenset[str] = frozenset()
    # a check that runs only for a case changing one of these items (e.g. the name check at 核准登记)
    check_needed_when: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # what moving on from a step after approval does to the registry (e.g. 旧证收回作废 at 发证)
    effect: Effect | None = None

    def needed(self, changed: frozenset[str]) -> bool:
        return not self.needed_when or bool(self.needed_when & changed)

    def checks_for(self, changed: frozenset[str]) -> tuple[str, ...]:
        """The check ids this step runs for a case that changes ``changed`` (empty: all)."""
        return tuple(c for c in self.checks
                     if not changed or not self.check_needed_when.get(c) or self.check_needed_when[c] & changed)


@dataclass(frozen=True)
class ChangeableItem:
    """A registered item a business may change (变更事项): its label and the form's fields it opens
    (a key of forms/intake.py's fields, or a part of the form: scope_items, persons)."""

    label: str
    fields: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class Business:
    """A window business (业务) as declared in the catalogue; see the module's docstring."""

    name: str
    org_types: tuple[str, ...]
    items: tuple[str, ...]
    steps: tuple[Step, ...]
    effect: Effect
    documents: Mapping[str, tuple[DocumentKind, ...]] = field(default_factory=dict)
    materials: str = ""  # the checklist's name in reference/materials.json (default: the business's name)
    deadlines: str = ""  # the limits' name in reference/case_rules.json (default: the business's name)
    # the items a case may change (变更事项), by key; a business that has them acts on a registered
    # organization: its case is opened from the organization's current record
    changes: Mapping[str, ChangeableItem] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "materials", self.materials or self.name)
        object.__setattr__(self, "deadlines", self.deadlines or self.name)
        _validate(self)

    def main_line(self, changed: Iterable[str] = ()) -> tuple[Step, ...]:
        """The steps a case runs that changes the items ``changed`` (成立登记: every step)."""
        changed = frozenset(changed)
        return tuple(s for s in self.steps if s.needed(changed))

    @property
    def on_registered(self) -> bool:
        """Whether a case of this business acts on a registered organization (e.g. 变更登记)."""
        return bool(self.changes)

    def step(self, state: str) -> Step | None:
        return next((s for s in self.steps if s.state == state), None)

    def under_review(self, changed: Iterable[str] = ()) -> tuple[str, ...]:
        """The states in which the authority is still deciding: 受理 up to the approval step."""
        states = [s.state for s in self.main_line(changed)]
        return tuple(states[: states.index(self.approval_step.state) + 1])

    @property
    def approval_step(self) -> Step:
        return next(s for s in self.steps if s.action == "approve")

    def documents_in(self, state: str) -> tuple[DocumentKind, ...]:
        """The documents (文书) a case of this business has in ``state``."""
        return (*self.documents.get(ALL_STATES, ()), *self.documents.get(state, ()))


def changed_items(case: Case) -> frozenset[str]:
    """The registered items ``case`` changes (cases.changed_items, comma-joined; empty: all)."""
    return frozenset(filter(None, (case.changed_items or "").split(",")))


def _refuse(business: str, message: str) -> SoregError:
    return SoregError(f"业务“{business}”的声明有误：{message}", field="业务目录")


def _validate(b: Business) -> None:
    known_types = org_types()
    if unknown := [t for t in b.org_types if t not in known_types]:
        raise _refuse(b.name, f"组织类型“{'、'.join(unknown)}”不存在（可选：{'、'.join(known_types)}）。")
    if not b.org_types:
        raise _refuse(b.name, "org_types 至少列出一种组织类型。")
    fields = {f.key for f in ORGANIZATION_FIELDS}
    if unknown := [i for i in b.items if i not in fields and i not in b.changes]:
        raise _refuse(b.name, f"items 中的“{'、'.join(unknown)}”不是登记事项（forms/intake.py 的字段或 changes 中的事项）。")
    for key, item in b.changes.items():
        if key not in b.items or not item.label or not item.fields or set(item.fields) - fields - FORM_PARTS:
            raise _refuse(b.name, f"changes 中的“{key}”应列在 items 中，有 label，fields 为表单的字段"
                                  f"（forms/intake.py）或 {'、'.join(sorted(FORM_PARTS))}。")
    states = [s.state for s in b.steps]
    if len(states) < 3 or states[0] != FIRST or states[-1] != LAST:
        raise _refuse(b.name, f"steps 应从“{FIRST}”开始、到“{LAST}”结束，至少三步，现为：{'→'.join(states)}。")
    if len(set(states)) != len(states):
        raise _refuse(b.name, "steps 中有重复的环节。")
    if clash := [s for s in states if s in SIDE_STATES]:
        raise _refuse(b.name, f"“{'、'.join(clash)}”是各业务共用的环节，不能声明为步骤。")
    if b.steps[0].action != "submit" or b.steps[0].needed_when:
        raise _refuse(b.name, f"“{FIRST}”的 action 应为 submit，且不能有 needed_when。")
    if [s.action for s in b.steps].count("approve") != 1:
        raise _refuse(b.name, "steps 中应有且只有一个 action 为 approve 的核准环节。")
    for s in b.steps[:-1]:
        if s.action not in ACTIONS or s.role is None:
            raise _refuse(b.name, f"环节“{s.state}”须有 role 和 action（{'、'.join(ACTIONS)} 之一）。")
        if unknown := [c for c in s.checks if c not in CHECKS]:
            raise _refuse(b.name, f"环节“{s.state}”的审查“{'、'.join(unknown)}”不存在（可选：{'、'.join(CHECKS)}）。")
        if unknown := sorted(s.needed_when.union(*s.check_needed_when.values()) - set(b.items)):
            raise _refuse(b.name, f"环节“{s.state}”的 needed_when 中的“{'、'.join(unknown)}”不在本业务的 items 中。")
    if b.steps[-1].action or b.steps[-1].checks or b.steps[-1].needed_when:
        raise _refuse(b.name, f"最后一步“{LAST}”不能有 action、checks 或 needed_when。")
    approval = states.index(b.approval_step.state)
    if any(s.needed_when for s in b.steps[approval:]) or any(s.action in ("submit", "approve") for s in b.steps[1:approval]):
        raise _refuse(b.name, "核准环节及其后的环节不能有 needed_when；受理与核准之间的环节的 action 应为 advance。")
    if any(s.effect for s in b.steps[: approval + 1]):
        raise _refuse(b.name, "只有核准之后的环节（制证、发证）可以声明 effect；核准的效果写在业务的 effect 中。")
    if unknown := [k for k in b.documents if k != ALL_STATES and k not in states and k not in SIDE_STATES]:
        raise _refuse(b.name, f"documents 中的“{'、'.join(unknown)}”不是本业务的环节。")
    for org_type in b.org_types:
        checklist(b.materials, org_type)  # refuses, naming the file, a checklist that is missing


def _role(value: Any, where: str) -> Role | None:
    if value is None:
        return None
    try:
        return Role(value)
    except ValueError:
        raise SoregError(f"{where}的 role “{value}”不存在（可选：{'、'.join(r.value for r in Role)}）。",
                         field="业务目录") from None


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SoregError(f"{where}应为文字列表。", field="业务目录")
    return tuple(value)


def _checks(value: Any, where: str) -> tuple[tuple[str, ...], dict[str, frozenset[str]]]:
    """A step's checks: ids, or {"check": id, "needed_when": [items]} for a check that runs only
    for a case changing one of the items."""
    if not isinstance(value, list):
        raise SoregError(f"{where}的 checks 应为列表。", field="业务目录")
    ids, needs = [], {}
    for entry in value:
        if isinstance(entry, dict) and set(entry) == {"check", "needed_when"} and isinstance(entry["check"], str):
            ids.append(entry["check"])
            needs[entry["check"]] = frozenset(_strings(entry["needed_when"], f"{where}的审查“{entry['check']}”的 needed_when"))
        elif isinstance(entry, str):
            ids.append(entry)
        else:
            raise SoregError(f"{where}的 checks 中每项应为审查 id，或 {{check, needed_when}} 对象。", field="业务目录")
    return tuple(ids), needs


def _effect(spec: Any, where: str) -> Effect:
    """``module:function`` of the workflow.businesses package."""
    module, _, name = str(spec).partition(":")
    if not module.isidentifier() or not name.isidentifier():
        raise SoregError(f"{where}的 effect 应写作“模块:函数”（workflow/businesses/ 中），现为“{spec}”。", field="业务目录")
    try:
        function = getattr(importlib.import_module(f"workflow.businesses.{module}"), name)
    except (ImportError, AttributeError):
        raise SoregError(f"{where}的 effect “{spec}”在 workflow/businesses/ 中找不到。", field="业务目录") from None
    return function


def _document_kinds(value: Any, where: str) -> tuple[DocumentKind, ...]:
    known = {k.value: k for k in DocumentKind}
    names = _strings(value, where)
    if unknown := [n for n in names if n not in known]:
        raise SoregError(f"{where}的文书“{'、'.join(unknown)}”不存在（可选：{'、'.join(known)}）。", field="业务目录")
    return tuple(known[n] for n in names)


KEYS = {"note", "name", "org_types", "items", "steps", "documents", "effect", "materials", "deadlines", "changes"}
FORM_PARTS = frozenset({"scope_items", "persons"})  # parts of the intake form a changeable item may open
STEP_KEYS = {"state", "role", "action", "checks", "needed_when", "effect"}


def parse_business(data: Any, source: str) -> Business:
    """The business declared by ``data`` (the JSON of ``source``); refuse with what is wrong."""
    if not isinstance(data, dict) or not isinstance(data.get("name"), str) or not isinstance(data.get("steps"), list):
        raise SoregError(f"{source} 应为一个对象，含 name（业务名称）和 steps（环节列表）。", field="业务目录")
    where = f"{source}（{data['name']}）"
    if extra := sorted(set(data) - KEYS):
        raise SoregError(f"{where}中有不认识的项：{'、'.join(extra)}。", field="业务目录")
    steps = []
    for n, raw in enumerate(data["steps"], 1):
        at = f"{where}第 {n} 个环节"
        if not isinstance(raw, dict) or not isinstance(raw.get("state"), str) or set(raw) - STEP_KEYS:
            raise SoregError(f"{at}应为对象，含 state，可含 {'、'.join(sorted(STEP_KEYS - {'state'}))}。", field="业务目录")
        checks, check_needs = _checks(raw.get("checks", []), at)
        steps.append(Step(raw["state"], _role(raw.get("role"), at), raw.get("action"), checks,
                          frozenset(_strings(raw.get("needed_when", []), f"{at}的 needed_when")), check_needs,
                          _effect(raw["effect"], at) if "effect" in raw else None))
    documents = data.get("documents", {})
    if not isinstance(documents, dict):
        raise SoregError(f"{where}的 documents 应为“环节: [文书…]”对象。", field="业务目录")
    changes = data.get("changes", {})
    if not isinstance(changes, dict) or not all(isinstance(c, dict) and set(c) == {"label", "fields"}
                                                for c in changes.values()):
        raise SoregError(f"{where}的 changes 应为“事项: {{label, fields}}”对象。", field="业务目录")
    return Business(
        name=data["name"], org_types=_strings(data.get("org_types"), f"{where}的 org_types"),
        items=_strings(data.get("items", []), f"{where}的 items"), steps=tuple(steps),
        effect=_effect(data.get("effect"), where),
        documents={state: _document_kinds(kinds, f"{where}的 documents“{state}”") for state, kinds in documents.items()},
        materials=str(data.get("materials", "")), deadlines=str(data.get("deadlines", "")),
        changes={key: ChangeableItem(str(c["label"]), _strings(c["fields"], f"{where}的 changes“{key}”的 fields"))
                 for key, c in changes.items()},
    )


_declared: dict[str, Business] = {}


def _catalogue() -> dict[str, Business]:
    """The declared businesses in the order of models.cases.BusinessType (成立登记 first)."""
    if not _declared:
        order = [t.value for t in BusinessType]
        for path in sorted(BUSINESSES.glob("*.json"), key=lambda p: _order_of(p, order)):
            with path.open(encoding="utf-8") as fh:
                declared = parse_business(json.load(fh), f"resources/businesses/{path.name}")
            if declared.name in _declared:
                raise SoregError(f"业务“{declared.name}”在 resources/businesses/ 中声明了两次。", field="业务目录")
            _declared[declared.name] = declared
    return _declared


def _order_of(path, order: list[str]) -> tuple[int, str]:
    with path.open(encoding="utf-8") as fh:
        name = json.load(fh).get("name")
    return (order.index(name) if name in order else len(order), path.name)


def businesses() -> tuple[Business, ...]:
    """Every declared business, in the catalogue's order."""
    return tuple(_catalogue().values())


def business(name: str) -> Business:
    """The declared business ``name``; refuse one the window does not offer."""
    found = _catalogue().get(name)
    if found is None:
        raise SoregError(f"本窗口不办理“{name}”（可办业务：{'、'.join(_catalogue())}）。", field="业务类型")
    return found


def declare(extra: Business) -> Callable[[], None]:
    """Add ``extra`` to the catalogue (for a test); return the undo."""
    catalogue = _catalogue()
    if extra.name in catalogue:
        raise SoregError(f"业务“{extra.name}”已经声明过。", field="业务目录")
    catalogue[extra.name] = extra
    return lambda: catalogue.pop(extra.name, None)


def states() -> tuple[str, ...]:
    """Every state a case can be in: the declared steps in order, then the side states."""
    ordered: list[str] = []
    for b in businesses():
        previous = None
        for s in b.steps:
            if s.state not in ordered:  # a business's own step goes after the step it follows
                ordered.insert(ordered.index(previous) + 1 if previous else len(ordered), s.state)
            previous = s.state
    return (*ordered, *(s for s in SIDE_STATES if s not in ordered))


def open_states() -> tuple[str, ...]:
    """The states of a case that still needs work (办理中)."""
    return tuple(s for s in states() if s not in FINAL)


def under_review_states() -> tuple[str, ...]:
    """The states, in any business, in which the authority is still deciding (the clock runs)."""
    return tuple(dict.fromkeys(s for b in businesses() for s in b.under_review(b.items)))


def apply_effect_in(session: Session, case: Case, rules: dict[str, Any], *, actor: str, on: date) -> Any:
    """Approval's effect of ``case``'s business on the registry, in the caller's transaction."""
    return business(case.business_type).effect(session, case, rules, actor=actor, on=on)

"""Demo cases (演示办件): N establishment cases spread over every state, for demos and benchmarks.

Each case is built from a demo organization (registry/demo.py: realistic names, legal
representatives, addresses, valid credit codes) and given a history consistent with its state:
the main line up to it, a 补正 with the clock stopped, or a rejection or withdrawal part way.
Cases past approval have their organization in the registry. Rows go in with Core bulk inserts
in one transaction with one audit event, so 100,000 cases take a couple of minutes. Only a demo
database (``init --demo``) takes them, as often as asked: each run continues the case numbers and
the demo organization codes of the runs before.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from itertools import islice

from sqlalchemy import insert

from forms.materials import required_items
from models.audit import record_event_in
from models.base import new_id, utcnow
from models.case_rules import case_rules_in
from models.cases import (
    BusinessType,
    Case,
    CaseMaterial,
    CasePerson,
    CaseScopeItem,
    CaseState,
    CaseStep,
)
from models.errors import SoregError
from models.reference import scope_catalogue
from models.store import Store
from registry.demo import (
    demo_organizations,
    next_demo_serial_in,
    require_demo_database_in,
)
from registry.organizations import OrganizationRecord, bulk_add_organizations_in
from workflow.approval import certificate_valid_until
from workflow.case_numbers import format_case_no, reserve_case_numbers_in
from workflow.catalogue import business
from workflow.deadlines import initial_due_dates, limits_for

DEMO_ACTOR = "demo"
CHUNK = 2000
ALL_STATES = tuple(CaseState)
CLERKS, REVIEWERS, APPROVERS = ("clerk1", "clerk2", "clerk3"), ("reviewer1", "reviewer2"), ("approver1",)
ACTIONS = {CaseState.SUPPLEMENT: "supplement", CaseState.REJECTED: "reject", CaseState.WITHDRAWN: "withdraw",
           CaseState.CERTIFICATE: "approve", CaseState.ISSUE: "print", CaseState.CLOSED: "issue"}


def _id_number(rng: random.Random, birth: date) -> str:
    from stdnum.cn import ric

    body = f"310105{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return body + ric.calc_check_digit(body + "0")


class _CaseMaker:
    """Draws cases from a seeded random stream; returns plain row dicts per table."""

    def __init__(self, seed: int, today: date, rules: dict) -> None:
        self.rng = random.Random(seed)
        self.today = today
        self.rules = rules
        self.limits = limits_for(rules, BusinessType.ESTABLISH.value)
        self.scope = [item for item in scope_catalogue() if item.prior_approval is None]
        self.now = utcnow()

    def _synced(self) -> dict:
        return {"id": new_id(), "created_at": self.now, "updated_at": self.now, "row_version": 1}

    def _path(self, state: CaseState) -> tuple[list[CaseState], CaseState | None]:
        """The states a case in ``state`` went through, and the state a 补正 left."""
        main_line = [CaseState(s.state) for s in business(BusinessType.ESTABLISH.value).steps]
        if state in main_line:
            return main_line[: main_line.index(state) + 1], None
        stop = self.rng.choice([CaseState(s) for s in business(BusinessType.ESTABLISH.value).under_review()])
        return main_line[: main_line.index(stop) + 1] + [state], stop

    def case(self, record: OrganizationRecord, state: CaseState, case_no: str, window: str) -> dict:
        rng = self.rng
        accepted_on = self.today - timedelta(days=rng.randrange(0, 150))
        due, statutory_due = initial_due_dates(self.limits, accepted_on)
        path, left_from = self._path(state)
        case = self._synced() | {
            "case_no": case_no, "business_type": BusinessType.ESTABLISH.value, "org_type": record.org_type,
            "state": state.value, "resume_state": left_from.value if state is CaseState.SUPPLEMENT else None,
            "window_code": window, "accepted_by": rng.choice(CLERKS),
            "accepted_at": datetime.combine(accepted_on, time(9)) + timedelta(minutes=rng.randrange(480)),
            "applicant": record.legal_representative or "", "applicant_phone": f"139{rng.randrange(10**8):08d}",
            "due_date": due, "statutory_due_date": statutory_due,
            "stopped_since": accepted_on + timedelta(days=len(path)) if state is CaseState.SUPPLEMENT else None,
            "stopped_working_days": 0, "stopped_calendar_days": 0,
            "name": record.name, "address": record.address or "", "street_code": record.street_code,
            "purpose": "遵守宪法、法律、法规和国家政策，开展公益服务，促进社会发展", "activity_area": "上海市长宁区",
            "legal_representative": record.legal_representative or "",
            "funds_yuan": rng.choice((30000, 50000, 100000, 200000)),
            "sponsor": record.sponsor, "sponsor_consent_doc_no": f"长{rng.randrange(1, 400)}号" if record.sponsor else None,
            "sponsor_consent_date": accepted_on - timedelta(days=10) if record.sponsor else None,
            "direct_category": None if record.sponsor else "城乡社区服务类",
            "direct_justification": None if record.sponsor else "面向本区社区居民提供服务",
            "individual_members": rng.randrange(50, 300) if record.org_type == "社会团体" else 0,
            "unit_members": rng.randrange(0, 40) if record.org_type == "社会团体" else 0,
            "premises_document": f"沪房地长字第{rng.randrange(10**6):06d}号", "premises_valid_until": None,
            "name_warnings_ack_by": None, "name_warnings_ack_at": None, "organization_id": None, "credit_code": None,
            "approved_by": None, "approved_on": None,
            "closed_on": accepted_on + timedelta(days=len(path)) if state in (CaseState.CLOSED, CaseState.REJECTED,
                                                                              CaseState.WITHDRAWN) else None,
        }
        if CaseState.CERTIFICATE in path:
            case |= {"approved_by": APPROVERS[0], "approved_on": accepted_on + timedelta(days=path.index(CaseState.CERTIFICATE)),
                     "credit_code": record.credit_code}
        case["_path"] = path
        return case

    def children(self, case: dict) -> dict[str, list[dict]]:
        rng = self.rng
        accepted_on = case["accepted_at"].date()
        birth = date(rng.randrange(1956, 2000), rng.randrange(1, 13), rng.randrange(1, 29))
        person = self._synced() | {
            "case_id": case["id"], "position": 0, "name": case["legal_representative"] or "王伟",
            "id_number": _id_number(rng, birth), "birth_date": birth, "phone": f"138{rng.randrange(10**8):08d}",
            "roles": "发起人,法定代表人", "title": "会长" if case["org_type"] == "社会团体" else "理事长", "appointed_on": None,
        }
        scope = [self._synced() | {"case_id": case["id"], "position": n, "catalogue_code": item.code, "text": item.text,
                                   "approval_doc_no": None, "approval_date": None}
                 for n, item in enumerate(rng.sample(self.scope, 2))]
        conditions = frozenset({"sponsor" if case["sponsor"] else "direct"})
        waiting = case["state"] == CaseState.SUPPLEMENT.value
        materials = [self._synced() | {"case_id": case["id"], "position": n, "item_code": item.code, "label": item.label,
                                       "received": not (waiting and n == 0), "received_on": None if waiting and n == 0 else accepted_on}
                     for n, item in enumerate(required_items(BusinessType.ESTABLISH.value, case["org_type"], conditions))]
        steps, previous = [], None
        for seq, state in enumerate(case.pop("_path"), start=1):
            actor = (case["accepted_by"] if state in (CaseState.ACCEPTED, CaseState.NAME_REVIEW, CaseState.ISSUE, CaseState.CLOSED)
                     else APPROVERS[0] if state in (CaseState.CERTIFICATE, CaseState.REJECTED) else rng.choice(REVIEWERS))
            action = "accept" if previous is None else ACTIONS.get(state, "advance")
            reasons = ["演示：材料不齐"] if state in (CaseState.SUPPLEMENT, CaseState.REJECTED, CaseState.WITHDRAWN) else []
            steps.append(self._synced() | {
                "case_id": case["id"], "seq": seq, "action": action, "from_state": previous.value if previous else None,
                "to_state": state.value, "actor": actor, "at": case["accepted_at"] + timedelta(days=seq - 1),
                "note": "", "reasons": json.dumps(reasons, ensure_ascii=False)})
            previous = state
        return {"persons": [person], "scope": scope, "materials": materials, "steps": steps}


def _states(rng: random.Random, count: int) -> Iterator[CaseState]:
    """Every state equally often, in random order."""
    for start in range(0, count, len(ALL_STATES)):
        block = list(ALL_STATES)[: count - start]
        rng.shuffle(block)
        yield from block


def fill_demo_cases(store: Store, count: int, *, seed: int = 1, today: date | None = None, progress=None) -> int:
    """Add ``count`` demo cases in one transaction with one audit event; return the count."""
    if count < 1:
        raise SoregError(f"演示办件数量应为正整数，实为 {count}。", field="N")
    today = today or date.today()
    with store.write() as session:
        require_demo_database_in(session)
        rules = case_rules_in(session)
        maker = _CaseMaker(seed, today, rules)
        window, first_seq = reserve_case_numbers_in(session, today.year, count)
        records = demo_organizations(count, seed=seed, first_serial=next_demo_serial_in(session))
        states = _states(random.Random(seed), count)
        done = 0
        while chunk := list(islice(zip(records, states, strict=False), CHUNK)):
            cases = [maker.case(r, s, format_case_no(window, today.year, first_seq + done + n), window)
                     for n, (r, s) in enumerate(chunk)]
            approved = [(c, r) for c, (r, _) in zip(cases, chunk, strict=True) if c["credit_code"]]
            org_ids = bulk_add_organizations_in(session, [
                replace(r, status="正常", status_changed_on=None, former_names=(), established_on=c["approved_on"],
                        certificate_valid_until=certificate_valid_until(rules, c["approved_on"]))
                for c, r in approved])
            for (c, _), org_id in zip(approved, org_ids, strict=True):
                c["organization_id"] = org_id
            children = [maker.children(c) for c in cases]
            session.execute(insert(Case.__table__), cases)
            for table, key in ((CasePerson, "persons"), (CaseScopeItem, "scope"), (CaseMaterial, "materials"), (CaseStep, "steps")):
                session.execute(insert(table.__table__), [row for c in children for row in c[key]])
            done += len(chunk)
            if progress is not None:
                progress.report(done, count, "生成演示办件")
        record_event_in(session, actor=DEMO_ACTOR, action="case.demo", record_type="case", record_id="demo",
                     after={"cases": count, "seed": seed, "first_case_no": format_case_no(window, today.year, first_seq)})
    return count

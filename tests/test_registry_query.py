"""登记库 queries: keyset pages in order, with and without a search text, no row twice or missed."""

from __future__ import annotations

from models.registry import OrgStatus
from registry.registry_query import RegistryFilter, search_organizations
from tests.name_check_fixtures import fresh_store, register

ZIHAO = ["春晖", "博雅", "启明", "阳光", "彩虹", "同心", "明德"]


def all_pages(store, flt: RegistryFilter, limit: int) -> list[str]:
    names, after = [], None
    while True:
        rows = search_organizations(store, flt, after=after, limit=limit)
        names += [r.name for r in rows]
        if len(rows) < limit:
            return names
        after = rows[-1].position


def test_pages_cover_every_match_once_in_order(tmp_path):
    store = fresh_store(tmp_path)
    expected = []
    for i, z in enumerate(ZIHAO):
        for ending in ("中心", "学校", "院"):
            name = f"上海市长宁区{z}教育{ending}"
            status = OrgStatus.DEREGISTERED if i % 3 == 0 else OrgStatus.ACTIVE
            register(store, name, status=status, legal_representative=f"张{z}",
                     credit_code=f"5231010500000{i:02d}{len(expected):03d}")
            expected.append(name)
    assert all_pages(store, RegistryFilter(), limit=4) == sorted(expected)
    # search text: name prefix without the district, or legal representative, paged by name
    assert all_pages(store, RegistryFilter(text="阳光"), limit=2) == sorted(n for n in expected if "阳光" in n)
    assert all_pages(store, RegistryFilter(text="张明"), limit=2) == sorted(n for n in expected if "明德" in n)
    assert all_pages(store, RegistryFilter(text="上海市长宁区同心教育"), limit=2) == sorted(
        n for n in expected if "同心" in n)
    # a credit-code prefix pages in credit-code order
    assert all_pages(store, RegistryFilter(text="52310105"), limit=5) == expected
    assert all_pages(store, RegistryFilter(text="5231010500000 03"), limit=2) == expected[9:12]
    deregistered = all_pages(store, RegistryFilter(status="已注销"), limit=2)
    assert deregistered == sorted(n for i, z in enumerate(ZIHAO) if i % 3 == 0 for n in expected if z in n)
    store.close()

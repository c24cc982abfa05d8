"""Names real organizations use (tests/data/real_names.csv) pass the form rules of the name check,
and the rules that make a name illegal still refuse variants of them.

Each real name is checked as the registration authority its region names would check a new
name: "上海市X区…" (or the older "上海X区…") by district X, every other name by the city
(上海市民政局, which takes "上海市…" and "上海…"). The authority is reference data
(district.json), so the test swaps it the way the centre would publish another window's.

Decision on older names: a name whose region is written as the rules in force when it was
registered allowed — a district after the city's short name ("上海浦东新区…", before the full form
was required), or "民办" before the region ("民办上海上外静安外国语中学", as the 民办非企业单位名称管理
暂行规定 let schools write it) — is a lawful registered name and is never refused on form. A new
name should take the current form (社会组织名称管理办法, 2024), so the region rule warns the reviewer
and suggests it ("上海市浦东新区…", "上海市民办…"); the suggested name passes the region rule. These
names are kept in the data and tested apart (``old_style`` below); no name is special-cased.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from models import reference
from registry.name_check import check_name
from registry.name_rules import FORM_RULES, REJECT, WARN, Finding
from registry.names import authority_regions, parse_name
from tests.name_check_fixtures import fresh_store

DATA = Path(__file__).resolve().parent / "data" / "real_names.csv"
TODAY = date(2026, 1, 1)
CITY = ""


@dataclass(frozen=True)
class RealName:
    name: str
    org_type: str
    source_url: str
    source_title: str


def real_names() -> list[RealName]:
    with DATA.open(encoding="utf-8", newline="") as fh:
        return [RealName(r["name"], r["type"], r["source_url"], r["source_title"]) for r in csv.DictReader(fh)]


NAMES = real_names()


def authority_of(name: str) -> str:
    """The Shanghai district whose bureau registers ``name`` (its region), or CITY."""
    for district in reference.bundled("divisions.json")["shanghai_districts"]:
        if name.startswith(("上海市" + district, "上海" + district)):
            return district
    return CITY


@contextmanager
def registered_by(district: str) -> Iterator[None]:
    """The reference data of the authority of ``district`` (CITY: 上海市民政局) while inside."""
    bureau = f"上海市{district}民政局"
    data = dict(reference.bundled("district.json"), district=district, name_prefix="上海市" + district,
                authority=bureau, authority_alias=bureau)
    assert reference.use_central({"district.json": data}) == {}
    try:
        yield
    finally:
        reference.use_central({})


def form_findings(name: str, org_type: str) -> list[Finding]:
    parsed = parse_name(name, org_type)
    return [f for rule in FORM_RULES for f in rule(parsed)]


def refusals(name: str, org_type: str) -> list[str]:
    return [f"{f.rule}: {f.message}" for f in form_findings(name, org_type) if f.level == REJECT]


def old_style(name: str) -> bool:
    """Checked under its own authority: a region that is not one the authority takes."""
    return not name.startswith(authority_regions())


def by_authority() -> dict[str, list[RealName]]:
    groups: dict[str, list[RealName]] = {}
    for real in NAMES:
        groups.setdefault(authority_of(real.name), []).append(real)
    return groups


def test_the_collection_names_its_sources_and_covers_every_type():
    assert len({r.name for r in NAMES}) == len(NAMES), "a name is listed twice"
    assert {r.org_type for r in NAMES} == set(reference.org_types())
    assert all(r.source_url.startswith(("http://", "https://")) and r.source_title for r in NAMES)
    counts = Counter(r.org_type for r in NAMES)
    assert min(counts.values()) >= 25, counts
    assert len(NAMES) >= 200  # the collection may grow (tests/data/README.md), never shrink unnoticed


def test_no_real_name_is_refused_on_form():
    refused, checked = {}, 0
    for district, names in by_authority().items():
        with registered_by(district):
            for real in names:
                checked += 1
                if found := refusals(real.name, real.org_type):
                    refused[f"{real.name}（{real.org_type}）"] = found
    print(f"{checked} real names checked, {len(refused)} refused on form")
    assert checked == len(NAMES) >= 200
    assert refused == {}, f"{len(refused)} of {checked} real names refused on form"


def old_style_names() -> list[RealName]:
    found = []
    for district, names in by_authority().items():
        with registered_by(district):
            found += [real for real in names if old_style(real.name)]
    return found


def test_older_names_are_warned_with_the_current_form_which_passes():
    olds = old_style_names()
    assert len(olds) >= 5, "the data holds older names (上海X区…, 民办上海…): keep testing them"
    for real in olds:
        with registered_by(authority_of(real.name)):
            region = [f for f in form_findings(real.name, real.org_type) if f.rule.startswith("region_")]
            assert [(f.rule, f.level) for f in region] == [("region_older_form", WARN)], real.name
            assert "已登记的名称可以继续使用" in region[0].message
            suggested = re.search(r"建议名称：(.+)。$", region[0].message).group(1)
            assert suggested.startswith(authority_regions()[0]) and suggested != real.name, suggested
            assert [f for f in form_findings(suggested, real.org_type)
                    if f.level == REJECT or f.rule.startswith("region_")] == [], suggested


# --- the rules that make a name illegal still refuse variants of real names ----------------------

def district_names(org_type: str | None = None) -> list[RealName]:
    """Real names in full district form (上海市X区…), of ``org_type`` if given."""
    return [r for r in NAMES if r.name.startswith("上海市") and authority_of(r.name) != CITY
            and (org_type is None or r.org_type == org_type)]


@pytest.fixture
def store(tmp_path):
    s = fresh_store(tmp_path)
    yield s
    s.close()


def verdict_at_own_authority(store, name: str, org_type: str) -> tuple[str, set[str]]:
    with registered_by(authority_of(name)):
        result = check_name(store, name, org_type, TODAY)
    return result.verdict, {f.rule for f in result.findings}


def with_region(real: RealName, insert: str) -> str:
    """``real``'s name with ``insert`` placed right after its region."""
    with registered_by(authority_of(real.name)):
        region = parse_name(real.name, real.org_type).region
    return region + insert + real.name[len(region):]


@pytest.mark.parametrize("word", ["中国", "中华", "全国", "国家", "第一", "最高", "国家级"])
def test_prohibited_words_inserted_into_real_names_are_refused(store, word):
    reals = district_names()
    assert reals
    for real in reals:
        verdict, found = verdict_at_own_authority(store, with_region(real, word), real.org_type)
        assert verdict == "reject" and "prohibited_word" in found, real.name


@pytest.mark.parametrize("insert", ["ABC", "A", "2", "２号", "e家"])
def test_latin_letters_and_digits_in_real_names_are_refused(store, insert):
    for real in NAMES[::5]:
        verdict, found = verdict_at_own_authority(store, with_region(real, insert), real.org_type)
        assert verdict == "reject" and "chinese_only" in found, real.name


def test_a_district_registered_name_without_its_full_district_prefix_is_refused(store):
    """No region, the city alone and the district alone are refused; the older "上海X区…" is
    warned (a lawful registered form): each message suggests the real name."""
    reals = district_names()
    assert reals
    for real in reals:
        district = authority_of(real.name)
        rest = real.name[len("上海市" + district):]
        for name, rule, verdict in ((rest, "region_missing", "reject"), ("上海市" + rest, "region_missing", "reject"),
                                    (district + rest, "region_district_alone", "reject"),
                                    ("上海" + district + rest, "region_older_form", "warn")):
            with registered_by(district):
                result = check_name(store, name, real.org_type, TODAY)
            assert result.verdict == verdict and rule in {f.rule for f in result.findings}, name
            assert real.name in next(f.message for f in result.findings if f.rule == rule)  # the suggestion


def test_a_division_name_as_zihao_is_refused_in_real_names(store):
    for real in district_names("民办非企业单位") + district_names("基金会"):
        with registered_by(authority_of(real.name)):
            parsed = parse_name(real.name, real.org_type)
        name = parsed.region + "北京" + parsed.field_word + parsed.form
        verdict, found = verdict_at_own_authority(store, name, real.org_type)
        assert verdict == "reject" and "zihao_is_division" in found, name


def test_a_one_character_zihao_is_refused_in_real_names(store):
    tried = 0
    for real in [r for r in NAMES if r.org_type == "民办非企业单位"]:
        with registered_by(authority_of(real.name)):
            parsed = parse_name(real.name, real.org_type)
        if not parsed.field_word or not parsed.region:
            continue
        tried += 1
        name = parsed.region + parsed.zihao[:1] + parsed.field_word + parsed.form
        verdict, found = verdict_at_own_authority(store, name, real.org_type)
        assert verdict == "reject" and "zihao_too_short" in found, name
    assert tried >= 5


def test_branch_endings_after_real_names_are_refused(store):
    for real in NAMES:
        if real.org_type == "民办非企业单位":
            continue
        ending = "专业委员会" if real.org_type == "社会团体" else "代表处"
        verdict, found = verdict_at_own_authority(store, real.name + "青年" + ending, real.org_type)
        assert verdict == "reject" and "branch_name" in found, real.name


def test_zong_in_a_real_minfei_name_is_refused(store):
    for real in [r for r in NAMES if r.org_type == "民办非企业单位"][:10]:
        verdict, found = verdict_at_own_authority(store, with_region(real, "总"), real.org_type)
        assert verdict == "reject" and "forbidden_for_type" in found, real.name


# Real names of branches and representative offices (分支机构、代表机构), each seen on the page given:
# they end in a branch ending and are not organizations of their own.
REAL_BRANCHES = (
    ("上海市社会工作者协会儿童福利专业委员会", "社会团体", "http://www.cdcn.org.cn/article/15096"),
    ("上海市心理学会老年心理学专业委员会", "社会团体", "https://www.chongde.org.cn/?p=9822"),
    ("上海市慈善基金会虹口区分会", "基金会", "https://scf.org.cn/csjjh/n2801/n2802/n2839/u1ai115304.html"),
    ("上海市慈善基金会长宁区分会", "基金会", "http://sh-art.org.cn/news1.aspx?Class_id=22&Class_page=682&class=4"),
    ("上海市慈善基金会闵行区代表处", "基金会", "http://www.scf.org.cn/csjjh/n3421/n3778/n3779/n3798/u1ai277240.html"),
    ("上海市老年基金会松江区代表处", "基金会",
     "http://sscf.sh.cn/?itemcode=a6ed44e7-f2b4-11f0-b9b1-00163e3def38&r=index%2Fpage"),
)


@pytest.mark.parametrize(("name", "org_type", "_source"), REAL_BRANCHES)
def test_real_branch_names_are_refused_as_branches(store, name, org_type, _source):
    verdict, found = verdict_at_own_authority(store, name, org_type)
    assert verdict == "reject" and "branch_name" in found and "form_not_allowed" not in found

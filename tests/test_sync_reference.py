"""Reference data (基础数据) published by the centre and used by the windows."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from sync_fixtures import Centre, centre, file_keyring, make_window, private_server  # noqa: F401

from forms.fields import FieldInvalid
from forms.intake import as_street_code
from models import reference
from models.errors import SoregError
from models.outbox import CentralReference, SyncNotice
from models.store import open_store
from sync.apply import apply_reference_in
from sync.notices import list_notices
from sync.reference_publish import bundled_files, publish_reference
from sync.reference_use import use_central_reference
from sync.runner import run_sync

ROOT = Path(__file__).resolve().parent.parent
NEW_STREET = {"code": "310105999", "name": "临空街道"}


@pytest.fixture(autouse=True)
def bundled_reference():
    """Every test ends with the bundled files in use again, for the other tests of this worker."""
    yield
    reference.use_central({})


def _write(folder: Path, name: str, value) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    return path


def _with_new_street(folder: Path) -> Path:
    return _write(folder, "streets.json", [*reference.bundled("streets.json"), NEW_STREET])


def _central_rows(centre: Centre) -> dict[str, tuple[int, object]]:
    with centre.admin() as conn:
        return {key: (version, value) for key, version, value in
                conn.execute("SELECT key, row_version, value FROM central.reference_data")}


def test_every_bundled_file_is_checked_by_a_loader():
    assert reference.known_files() == {path.name for path in bundled_files()}
    for path in bundled_files():
        assert reference.problem(path.name, reference.bundled(path.name)) is None, path.name


def test_a_published_street_comes_down_and_the_intake_form_accepts_it(tmp_path, centre, file_keyring):
    store, settings = make_window(tmp_path / "w", centre, "W01")
    with pytest.raises(FieldInvalid):
        as_street_code(NEW_STREET["name"])

    done = publish_reference(centre.admin_url, [_with_new_street(tmp_path / "files")])
    assert (done.added, done.changed, done.unchanged) == (("streets.json",), (), ())
    centre.drain()
    report = run_sync(store, settings)

    assert report.pulled_by_kind.get("reference") == 1
    assert reference.streets()[-1] == reference.Street(**NEW_STREET)
    assert as_street_code(NEW_STREET["name"]) == NEW_STREET["code"]
    assert as_street_code("华阳路街道") == "310105001"
    assert list_notices(store) == []


def test_an_invalid_file_is_refused_and_nothing_is_published(tmp_path, centre):
    publish_reference(centre.admin_url, [_with_new_street(tmp_path / "first")])
    before = _central_rows(centre)
    folder = tmp_path / "second"
    good = _write(folder, "prohibited_words.json", reference.bundled("prohibited_words.json"))
    missing_name = _write(folder, "streets.json", [{"code": "310105001"}])
    broken = folder / "org_types.json"
    broken.write_text('[{"type": "社会团体",', encoding="utf-8")
    unknown = _write(folder, "holidays.json", {"years": {}})
    cases = {(good, missing_name): "streets.json 的内容不对：第 1 项缺少字段“name”",
             (good, broken): "org_types.json 不是有效的 JSON",
             (good, unknown): "holidays.json 的内容不对：本程序不使用这个文件",
             (good, folder / "district.json"): "找不到文件"}

    for files, message in cases.items():
        with pytest.raises(SoregError, match=message) as refused:
            publish_reference(centre.admin_url, list(files))
        assert "未发布任何文件" in refused.value.message
        assert _central_rows(centre) == before


def test_republishing_unchanged_files_changes_no_row_version(tmp_path, centre):
    names = tuple(path.name for path in bundled_files())
    assert publish_reference(centre.admin_url).added == names
    with centre.admin() as conn:
        logged = conn.execute("SELECT count(*) FROM central.change_log WHERE kind = 'reference'").fetchone()[0]

    again = publish_reference(centre.admin_url)
    assert (again.added, again.changed, again.unchanged) == ((), (), names)
    assert {version for version, _ in _central_rows(centre).values()} == {1}
    with centre.admin() as conn:
        assert conn.execute("SELECT count(*) FROM central.change_log WHERE kind = 'reference'").fetchone()[0] == logged

    changed = publish_reference(centre.admin_url, [_with_new_street(tmp_path), bundled_files()[0]])
    assert (changed.changed, changed.unchanged) == (("streets.json",), (bundled_files()[0].name,))
    rows = _central_rows(centre)
    assert rows["streets.json"] == (2, [*reference.bundled("streets.json"), NEW_STREET])


def test_a_window_without_central_values_uses_the_bundled_files(tmp_path):
    reference.use_central({"streets.json": [NEW_STREET]})  # as another store of this process left it
    store = open_store(tmp_path / "w.sqlite3")

    assert use_central_reference(store) == {}
    assert reference.streets() == tuple(reference.Street(**s) for s in reference.bundled("streets.json"))
    assert reference.document("district.json") == reference.bundled("district.json")


def test_a_bad_value_at_the_window_keeps_the_bundled_data_and_leaves_a_notice(tmp_path, centre, file_keyring):
    store, settings = make_window(tmp_path / "w", centre, "W01")
    words = reference.bundled("prohibited_words.json")
    words["reject"]["words"].append("示范")
    with centre.admin() as conn:  # as an older program or a hand-made row would have published them
        conn.execute("INSERT INTO central.reference_data (key, value) VALUES"
                     " ('streets.json', '[{\"code\": \"310105001\"}]'), ('prohibited_words.json', %s)",
                     [json.dumps(words, ensure_ascii=False)])
    centre.drain()
    run_sync(store, settings)

    assert reference.streets() == tuple(reference.Street(**s) for s in reference.bundled("streets.json"))
    assert "示范" in reference.prohibited_words().reject  # the good value of the same sync is used
    [notice] = list_notices(store)
    assert (notice.kind, notice.status, notice.record) == ("被拒绝", "未采用", "基础数据")
    assert "streets.json" in notice.reason and "第 1 项缺少字段“name”" in notice.reason
    assert "程序自带" in notice.reason

    assert use_central_reference(store) == {"streets.json": "第 1 项缺少字段“name”"}  # the store opened again
    with store.read() as session:
        assert len(session.scalars(select(SyncNotice)).all()) == 1


def test_the_gui_uses_the_centres_values_when_it_opens_the_store(tmp_path):
    from ui.app import _open

    path = tmp_path / "w.sqlite3"
    store = open_store(path)
    with store.write() as session:
        apply_reference_in(session, [{"key": "streets.json", "value": [NEW_STREET], "row_version": 3}])
    store.close()

    opened = _open(path)
    try:
        assert reference.streets() == (reference.Street(**NEW_STREET),)
    finally:
        opened.store.close()


def _soreg(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "SOREG_PASSWORD"}
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True,
                          env=env, timeout=60)


def test_publish_reference_on_the_command_line(tmp_path, centre, file_keyring):
    url = centre.admin_url
    first = _soreg("central", "publish-reference", "--url", url)
    assert first.returncode == 0, first.stderr
    assert f"新增：{'、'.join(p.name for p in bundled_files())}" in first.stdout
    assert "更新：无" in first.stdout and "未变：无" in first.stdout

    words = reference.bundled("prohibited_words.json")
    words["reject"]["words"].append("示范")
    changed = _soreg("central", "publish-reference", "--url", url,
                     str(_write(tmp_path / "files", "prohibited_words.json", words)),
                     str(reference.REFERENCE / "streets.json"))
    assert changed.returncode == 0, changed.stderr
    assert "新增：无" in changed.stdout and "更新：prohibited_words.json" in changed.stdout
    assert "未变：streets.json" in changed.stdout

    before = _central_rows(centre)
    bad = _soreg("central", "publish-reference", "--url", url, str(_write(tmp_path / "bad", "streets.json", {})))
    assert bad.returncode != 0
    lines = bad.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in bad.stderr
    assert "streets.json 的内容不对" in lines[0] and "未发布任何文件" in lines[0]
    assert _central_rows(centre) == before

    # a window's command line uses what the centre published once the window has synced
    store, settings = make_window(tmp_path / "w", centre, "W01")
    centre.drain()
    run_sync(store, settings)
    with store.read() as session:
        assert session.get(CentralReference, "prohibited_words.json").row_version == 2
    store.close()
    checked = _soreg("--db", str(tmp_path / "w" / "W01.sqlite3"), "namecheck", "上海市长宁区示范养老服务中心",
                     "--type", "民办非企业单位", "--json")
    assert checked.returncode in (0, 1), checked.stderr
    findings = json.loads(checked.stdout)["findings"]
    assert any("示范" in f["message"] and f["level"] == "reject" for f in findings), findings

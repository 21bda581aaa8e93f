"""lab/node/ansiballz_code_cache.py: the node images' cache of compiled module payload code."""

import importlib.util
import os
import sys
import zipfile

import pytest

HOOK = os.path.join(os.path.dirname(__file__), "..", "..", "..", "lab", "node", "ansiballz_code_cache.py")


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("ansiballz_code_cache_under_test", HOOK)
    module = importlib.util.module_from_spec(spec)
    hooks = list(sys.path_hooks)
    spec.loader.exec_module(module)  # inserts its hook; restored below
    monkeypatch.setattr(module, "CACHE", str(tmp_path / "cache"))
    yield module
    sys.path_hooks[:] = hooks
    sys.path_importer_cache.clear()


def _payload(tmp_path, run, files):
    folder = tmp_path / ("ansible_probe_payload_%s" % run)
    folder.mkdir()
    path = folder / "ansible_probe_payload.zip"
    with zipfile.ZipFile(str(path), "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text)
    return str(path)


def _load(path, name):
    sys.path.insert(0, path)
    try:
        for key in [k for k in sys.modules if k == "probepkg" or k.startswith("probepkg.")]:
            del sys.modules[key]
        return importlib.import_module(name)
    finally:
        sys.path.remove(path)


FILES = {"probepkg/__init__.py": "A = 1\n", "probepkg/sub/__init__.py": "", "probepkg/sub/mod.py": "B = 2\n"}


def test_only_payload_zips_and_their_folders(cache, tmp_path):
    path = _payload(tmp_path, 1, FILES)
    assert type(cache._hook(path)).__name__ == "_CachingZipImporter"
    assert type(cache._hook(path + "/probepkg/sub")).__name__ == "_CachingZipImporter"
    for other in ("/usr/lib/python3/dist-packages", str(tmp_path / "other.zip"), "/tmp/ansible_x/notes.zip"):
        with pytest.raises(ImportError):
            cache._hook(other)


def test_second_run_is_served_from_the_cache_and_a_changed_file_is_not(cache, tmp_path):
    first = _load(_payload(tmp_path, 1, FILES), "probepkg.sub.mod")
    assert first.B == 2 and type(first.__loader__).__name__ == "_CachingZipImporter"
    kept = sorted(os.listdir(cache.CACHE))
    assert len(kept) == 3  # probepkg, probepkg.sub, probepkg.sub.mod
    second = _load(_payload(tmp_path, 2, FILES), "probepkg.sub.mod")
    assert second.B == 2 and sorted(os.listdir(cache.CACHE)) == kept
    changed = _load(_payload(tmp_path, 3, dict(FILES, **{"probepkg/sub/mod.py": "B = 3\n"})), "probepkg.sub.mod")
    assert changed.B == 3 and len(os.listdir(cache.CACHE)) == 4


def test_an_unwritable_cache_still_imports(cache, tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setattr(cache, "CACHE", str(blocker / "cache"))
    assert _load(_payload(tmp_path, 1, FILES), "probepkg.sub.mod").B == 2

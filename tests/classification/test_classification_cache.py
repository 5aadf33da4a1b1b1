"""The compiled cache: reused when the sources are unchanged, rebuilt when they change."""
from __future__ import annotations

import os
import time

from clincode.classification.cache import cached


def test_cache_is_reused_then_invalidated_by_a_source_change(tmp_path):
    source = tmp_path / "table.tsv"
    source.write_text("a")
    cache_dir = tmp_path / "cache"
    calls = []

    def build():
        calls.append(1)
        return {"rows": source.read_text()}

    assert cached("demo", [source], cache_dir, build) == {"rows": "a"}
    assert cached("demo", [source], cache_dir, build) == {"rows": "a"}
    assert len(calls) == 1 and len(list(cache_dir.glob("demo-*.pickle"))) == 1
    source.write_text("bb")  # size and mtime change
    later = time.time() + 5
    os.utime(source, (later, later))
    assert cached("demo", [source], cache_dir, build) == {"rows": "bb"}
    assert len(calls) == 2
    assert len(list(cache_dir.glob("demo-*.pickle"))) == 1  # the stale file was removed


def test_corrupt_cache_is_rebuilt_not_fatal(tmp_path):
    source = tmp_path / "t.tsv"
    source.write_text("x")
    cache_dir = tmp_path / "cache"
    cached("demo", [source], cache_dir, lambda: 1)
    for path in cache_dir.glob("demo-*.pickle"):
        path.write_bytes(b"not a pickle")
    assert cached("demo", [source], cache_dir, lambda: 2) == 2


def test_unwritable_cache_dir_still_works(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("I am a file, not a folder")
    assert cached("demo", [blocker], blocker / "sub", lambda: 3) == 3
    assert cached("demo", [blocker], None, lambda: 4) == 4


def test_classifications_load_from_cache_in_a_new_process(settings, tmp_path):
    import subprocess
    import sys

    env = dict(os.environ, CLINCODE_CACHE_DIR=str(tmp_path),
               CLINCODE_CLASSIFICATION_DIR=str(settings.classification_dir))
    code = ("from clincode.classification import load_classifications as l; c = l(); "
            "print(len(c.icd10), c.icd10.get('K35.0').current)")
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert list(tmp_path.glob("classifications-shared-*.pickle"))
    second = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert first.stdout == second.stdout and first.stdout.strip().endswith("False")

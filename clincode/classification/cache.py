"""A compiled cache of parsed classification data in ``settings.cache_dir``.

Parsing the tables and the 100,000-row Alphabetic Index takes a few seconds; unpickling the result
takes a fraction of one. A cache file is named by a fingerprint of everything it was built from:
the clincode version, a format number bumped whenever the cached structures change, and each source
file's path, size and modification time. Change any of these and the old file is simply not found,
so a stale cache is never read; older files of the same kind are removed when a new one is written.
A cache that cannot be read or written is not an error: clincode builds from the sources instead.
"""
from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from pathlib import Path
from typing import Callable, Iterable, TypeVar

from .. import __version__

log = logging.getLogger(__name__)

T = TypeVar("T")

# Bump when a cached class changes shape (fields added to Code, IndexEntry ...).
CACHE_FORMAT = 3


def fingerprint(kind: str, sources: Iterable[Path | str]) -> str:
    digest = hashlib.sha256(f"{kind}|{__version__}|{CACHE_FORMAT}".encode())
    for source in sources:
        path = Path(source)
        try:
            stat = path.stat()
            digest.update(f"|{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode())
        except OSError:
            digest.update(f"|{source}|missing".encode())
    return digest.hexdigest()[:20]


def cached(kind: str, sources: Iterable[Path | str], cache_dir: Path | None, build: Callable[[], T]) -> T:
    """``build()``'s result, from ``cache_dir`` when a cache with the same fingerprint exists."""
    sources = list(sources)
    if cache_dir is None:
        return build()
    # One cache per set of source paths (tests and trusts may use several folders side by side).
    where = hashlib.sha256("|".join(str(Path(s).resolve()) for s in sources).encode()).hexdigest()[:8]
    family = f"{kind}-{where}"
    path = Path(cache_dir) / f"{family}-{fingerprint(kind, sources)}.pickle"
    if path.is_file():
        try:
            with open(path, "rb") as fh:
                return pickle.load(fh)
        except Exception as exc:  # a truncated or foreign file: rebuild, never fail
            log.warning("ignoring unreadable cache %s (%s)", path, exc)
    value = build()
    _write(path, family, value)
    return value


def _write(path: Path, family: str, value: object) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{family}-", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a cache holds nothing secret
        os.replace(tmp, path)  # atomic: concurrent readers see the old file or the new, never half
        for old in path.parent.glob(f"{family}-*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
    except Exception as exc:  # read-only home, full disk, unpicklable value: carry on uncached
        log.warning("could not write cache %s (%s)", path, exc)
        try:
            os.unlink(tmp)  # type: ignore[possibly-undefined]
        except Exception:
            pass

"""The user's cache folder: files that only save time (compiled report templates, the formula
parser's tables), never results of verification.

Where: ``$XDG_CACHE_HOME/symbptt`` when that is an absolute path, else the platform's user
cache folder (``~/.cache``, ``~/Library/Caches``, ``%LOCALAPPDATA%``) + ``symbptt``. Never a
shared temp folder. ``SYMBPTT_NO_CACHE=1`` turns caching off.

Trust: the folder is made with mode 0700, and it and every file read from it must belong to
the user and be writable by nobody else; otherwise the cache is ignored. Files are written
atomically (a temporary file, then a rename) and carry their key and a checksum, so a stale,
corrupt or foreign file is recomputed: a cache that cannot be used costs only time.
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
import tempfile
from pathlib import Path

#: Set to anything but "" or "0" to neither read nor write the cache.
DISABLE = "SYMBPTT_NO_CACHE"
_MAGIC = b"symbptt-cache 1\n"


def _base() -> Path | None:
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(xdg):  # the XDG spec: a relative path is ignored
        return Path(xdg)
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA", "")
        return Path(local) if os.path.isabs(local) else None
    try:
        home = Path.home()
    except RuntimeError:  # no home folder known
        return None
    return home / "Library" / "Caches" if sys.platform == "darwin" else home / ".cache"


def _private(st: os.stat_result, kind) -> bool:
    """Of the right kind, the user's own and writable by nobody else (POSIX; on Windows the
    per-user LOCALAPPDATA is private already)."""
    if not kind(st.st_mode):
        return False
    if hasattr(os, "getuid"):
        return st.st_uid == os.getuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    return True


def folder() -> Path | None:
    """The cache folder, made if missing; None when caching is off or it is not safe to use."""
    if os.environ.get(DISABLE, "") not in ("", "0"):
        return None
    base = _base()
    if base is None:
        return None
    path = base / "symbptt"
    try:
        base.mkdir(parents=True, exist_ok=True)
        try:
            path.mkdir(mode=0o700)
        except FileExistsError:
            pass
        st = os.lstat(path)  # a symbolic link is not followed: it is refused as not a folder
    except (OSError, ValueError):
        return None
    return path if _private(st, stat.S_ISDIR) else None


def read_file(path: str | Path) -> bytes | None:
    """The bytes of a file in the cache folder, or None: missing, unreadable or not private."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
    except (OSError, ValueError):
        return None
    with os.fdopen(fd, "rb") as f:
        try:
            return f.read() if _private(os.fstat(fd), stat.S_ISREG) else None
        except OSError:
            return None


def write_file(path: str | Path, data: bytes) -> None:
    """Write atomically (readers see the old file or the new one); failing only costs time."""
    path = Path(path)
    try:
        f = tempfile.NamedTemporaryFile(dir=path.parent, prefix=path.name + ".", suffix=".tmp",
                                        delete=False)  # mode 0600
    except OSError:
        return
    try:
        with f:
            f.write(data)
        os.replace(f.name, path)
    except OSError:
        try:
            os.remove(f.name)
        except OSError:
            pass


def _checksum(key: bytes, payload: bytes) -> bytes:
    return hashlib.sha256(len(key).to_bytes(8, "big") + key + payload).hexdigest().encode()


def get(name: str, key: str) -> bytes | None:
    """The payload stored as `name` for `key`, or None when absent, stale (another key) or
    damaged (its checksum differs)."""
    where = folder()
    data = read_file(where / name) if where else None
    if not data or not data.startswith(_MAGIC):
        return None
    checksum, _, rest = data[len(_MAGIC):].partition(b"\n")
    stored_key, _, payload = rest.partition(b"\n")
    if stored_key != key.encode() or checksum != _checksum(stored_key, payload):
        return None
    return payload


def put(name: str, key: str, payload: bytes) -> None:
    """Store `payload` as `name` for `key` (a single line), if there is a usable cache folder."""
    where = folder()
    if where is not None:
        write_file(where / name, _MAGIC + _checksum(key.encode(), payload) + b"\n"
                   + key.encode() + b"\n" + payload)

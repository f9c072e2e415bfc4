"""The user's cache folder (symbptt.cache): where it is, whom it trusts, and that a cache that
cannot be used costs only time: every report is byte for byte the same with it, without it and
with a damaged one."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

import symbptt.cache
from symbptt import cache, grammar
from symbptt.check import check
from symbptt.render import render, render_check

from .conftest import derivation

FORMULA = r"W^\top \operatorname{diag}(\sigma'(x_{t-1}))"


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An empty $XDG_CACHE_HOME; the parser is rebuilt or loaded afresh in each test."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv(cache.DISABLE, raising=False)
    grammar._parser.cache_clear()
    yield tmp_path / "xdg"
    grammar._parser.cache_clear()


def _reports() -> tuple[str, ...]:
    """A derive report and a check report, through the templates and the parser."""
    grammar._parser.cache_clear()
    return (render(derivation("tanh"), "latex"),
            render_check(check(FORMULA), "text"), render_check(check("W.T @ np.diag(1 - h**2)"), "markdown"))


def test_the_folder_is_xdg_cache_home_symbptt_made_private(home):
    assert cache.folder() == home / "symbptt"
    assert stat.S_IMODE(os.stat(home / "symbptt").st_mode) == 0o700
    _reports()
    names = sorted(p.name for p in (home / "symbptt").iterdir())
    assert "grammar.marshal" in names and any(n.startswith("templates-") for n in names)
    for path in (home / "symbptt").iterdir():
        assert not os.stat(path).st_mode & 0o077, path.name  # files too: 0600


def test_a_relative_xdg_cache_home_is_ignored(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    monkeypatch.setenv("HOME", str(tmp_path))
    if sys.platform not in ("win32", "darwin"):
        assert cache.folder() == tmp_path / ".cache" / "symbptt"


def test_the_cache_can_be_turned_off(home, monkeypatch):
    monkeypatch.setenv(cache.DISABLE, "1")
    assert cache.folder() is None
    _reports()
    assert not home.exists()


def test_reports_are_the_same_cold_warm_without_and_with_a_damaged_cache(home, monkeypatch):
    cold = _reports()
    assert _reports() == cold  # warm: loaded from the cache
    for path in (home / "symbptt").iterdir():  # damaged: truncated, then garbage
        path.write_bytes(path.read_bytes()[:100])
    assert _reports() == cold
    for path in (home / "symbptt").iterdir():
        path.write_bytes(os.urandom(64))
    assert _reports() == cold
    assert (home / "symbptt" / "grammar.marshal").read_bytes().startswith(b"symbptt-cache 1\n")  # rewritten
    monkeypatch.setenv(cache.DISABLE, "1")
    assert _reports() == cold


def test_a_damaged_payload_with_an_intact_header_is_rebuilt(home):
    _reports()
    path = home / "symbptt" / "grammar.marshal"
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF  # one flipped byte: the checksum no longer matches
    path.write_bytes(bytes(data))
    key = data.split(b"\n")[2].decode()
    assert cache.get("grammar.marshal", key) is None
    assert grammar.parse("W D").expr is not None


def test_a_stale_entry_from_another_version_is_not_used(home, monkeypatch):
    cache.put("grammar.marshal", "another lark or grammar", b"\x00not marshal data")
    assert cache.get("grammar.marshal", "the current key") is None
    _reports()  # parses, and replaces the stale entry
    assert cache.get("grammar.marshal", "another lark or grammar") is None
    # Data that passes the checksum but does not load (another lark's format) is rebuilt too.
    grammar._parser.cache_clear()
    monkeypatch.setattr(grammar.marshal, "loads", lambda payload: {"data": {}, "memo": {}})
    assert grammar.parse("W D").expr is not None


def test_xdg_cache_home_pointing_to_a_file_costs_only_time(tmp_path, monkeypatch):
    expected = _reports()
    (tmp_path / "file").write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "file"))
    assert cache.folder() is None
    assert _reports() == expected
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "symbptt").write_text("a file where the folder should be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "dir"))
    assert cache.folder() is None
    assert _reports() == expected


def test_an_unwritable_folder_costs_only_time(home, monkeypatch):
    expected = _reports()
    for path in (home / "symbptt").iterdir():
        path.unlink()
    # (chmod cannot stop root, who runs CI: fail where the writer makes its file instead)
    monkeypatch.setattr(symbptt.cache.tempfile, "NamedTemporaryFile",
                        lambda **kwargs: (_ for _ in ()).throw(PermissionError("read-only")))
    assert _reports() == expected
    assert list((home / "symbptt").iterdir()) == []


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX ownership")
def test_a_folder_others_can_write_is_ignored(home):
    _reports()
    os.chmod(home / "symbptt", 0o777)
    assert cache.folder() is None
    os.chmod(home / "symbptt", 0o720)  # group-writable: ignored too
    assert cache.folder() is None
    os.chmod(home / "symbptt", 0o755)  # readable by others, writable only by its owner: used
    assert cache.folder() == home / "symbptt"


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX ownership")
def test_a_folder_or_file_of_another_user_is_ignored(home, monkeypatch):
    expected = _reports()
    uid = os.getuid()
    monkeypatch.setattr(symbptt.cache.os, "getuid", lambda: uid + 1)  # as another user sees it
    assert cache.folder() is None
    monkeypatch.undo()
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    # A file in the folder that others may write, or that is a link, is not read.
    path = home / "symbptt" / "grammar.marshal"
    assert cache.read_file(path) is not None
    os.chmod(path, 0o666)
    assert cache.read_file(path) is None
    os.chmod(path, 0o600)
    (home / "elsewhere").write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(home / "elsewhere")
    assert cache.read_file(path) is None
    for template in (home / "symbptt").glob("templates-*"):
        os.chmod(template, 0o622)
    assert _reports() == expected  # compiled and parsed again, not read


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX ownership")
def test_a_linked_folder_is_ignored(home, tmp_path):
    (tmp_path / "real").mkdir(mode=0o700)
    home.mkdir()
    (home / "symbptt").symlink_to(tmp_path / "real")
    assert cache.folder() is None


def test_cli_output_is_byte_identical_cold_warm_and_without_cache(tmp_path):
    """Each command in a fresh process: a first run (empty cache), a second, and with the
    cache turned off."""
    commands = [["derive"], ["check", FORMULA],
                ["check", "W D", "--define", "D=diag(sigma'(x))", "--format", "json"],
                ["bptt", "--format", "latex"]]
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    env.pop(cache.DISABLE, None)
    runs = {}
    for label, extra in (("cold", {}), ("warm", {}), ("off", {cache.DISABLE: "1"})):
        runs[label] = [subprocess.run([sys.executable, "-m", "symbptt", *c], cwd=tmp_path,
                                      env={**env, **extra}, capture_output=True, check=True).stdout
                       for c in commands]
    assert runs["cold"] == runs["warm"] == runs["off"]
    assert (tmp_path / "xdg" / "symbptt" / "grammar.marshal").is_file()


def test_a_parser_loaded_from_the_cache_parses_and_errs_as_a_built_one(home, monkeypatch):
    """The LALR tables read back give the same trees and the same error messages."""
    from symbptt.errors import InputError

    from .data.corpus import ENTRIES

    texts = [e.formula for e in ENTRIES] + [
        "W^T diag(sigma'(x)", "W^T diag(sigma'(x)))", r"\frac{1}{2} W", "W =", "W + + x", r"\sum_i W",
        "dh_prev = W.T @ dh", "W @ (", "x_{t-1", "W_{rec}^\\top \\operatorname{diag}(\\sigma'(x_{i-1}))"]

    def outcomes():
        out = []
        for text in texts:
            try:
                out.append(repr(grammar.parse(text)))
            except InputError as exc:
                out.append(f"error: {exc}")
        return out

    built = outcomes()  # the first parse builds the tables and stores them
    assert (home / "symbptt" / "grammar.marshal").is_file()
    grammar._parser.cache_clear()

    def no_building(*args, **kwargs):
        raise AssertionError("the parser was built again instead of loaded")

    monkeypatch.setattr(grammar.lark.Lark, "__init__", no_building)
    loaded = outcomes()
    assert grammar._parser() is not None and loaded == built
    assert any(o.startswith("error: ") for o in built) and any(not o.startswith("error") for o in built)

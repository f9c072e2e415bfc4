"""Notation settings from a config file and the command line, CLI over file over defaults.

A course keeps its notation in ``symbptt.toml`` (keys at the top level) or in the
``[tool.symbptt]`` table of its ``pyproject.toml``; the first such file found from the
current folder upwards applies. ``--notation KEY=VALUE`` uses the same keys::

    state = "h"            # the state vector: h_t, h_{t-1}
    weight = "W_hh"        # the recurrent matrix
    input-weight = "W_xh"  # the input matrix
    input = "x"            # the input vector
    bias = "b_h"
    time = "t"             # one letter
    bold = false
    transpose = "T"        # top (default), T or intercal
    diag = "diag"
"""

from __future__ import annotations

import sys
from dataclasses import fields
from pathlib import Path

from .errors import InputError
from .printing import Notation

#: Config and --notation keys → Notation fields.
KEYS = {f.name.replace("_", "-"): f.name for f in fields(Notation)}


def find_config(start: str | Path = ".") -> Path | None:
    """The first symbptt.toml, or pyproject.toml with [tool.symbptt], from `start` upwards."""
    folder = Path(start).resolve()
    for candidate in (folder, *folder.parents):
        own = candidate / "symbptt.toml"
        if own.is_file():
            return own
        project = candidate / "pyproject.toml"
        # A [tool.symbptt] table names its key: a project whose text never says "symbptt"
        # has none, and is not parsed (nor is the TOML parser imported, at start-up).
        if project.is_file() and "symbptt" in _text(project) and "symbptt" in _tool(project, _read(project)):
            return project
    return None


def _tool(path: Path, data: dict) -> dict:
    """pyproject.toml's [tool] table ({} when it has none); a `tool` that is not a table is
    refused (`tool = "symbptt"` is no [tool.symbptt])."""
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise InputError(f"{path}: tool must be a table ([tool.symbptt]), got {tool!r:.40}")
    return tool


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from None


def _read(path: Path) -> dict:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        return tomllib.loads(_text(path))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path} is not valid TOML: {exc}") from None
    except RecursionError:  # tomllib recurses once per level of nesting
        raise InputError(f"{path} is nested too deeply to be a config file") from None


def settings_from_file(path: str | Path) -> dict:
    """The notation settings a config file holds, validated by key and type."""
    path = Path(path)
    data = _read(path)
    if path.name == "pyproject.toml":
        data = _tool(path, data).get("symbptt", {})
        if not isinstance(data, dict):
            raise InputError(f"{path}: [tool.symbptt] must be a table of settings, got {data!r:.40}")
    for key, value in data.items():
        if key == "lint":  # lint's own table (`lint_table`), not a notation setting
            continue
        if key not in KEYS:
            raise InputError(f"{path}: unknown setting {key!r:.40}; the settings are: {', '.join(KEYS)}")
        if not isinstance(value, (str, bool)):
            raise InputError(f"{path}: {key} must be a string or true/false, got {value!r:.40}")
        _one_line(value, f"{path}: {key}")
    return {KEYS[k]: v for k, v in data.items() if k != "lint"}


def lint_table(path: str | Path) -> dict:
    """The [lint] table of a config file ([tool.symbptt.lint] in pyproject.toml); {} if none."""
    path = Path(path)
    data = _read(path)
    if path.name == "pyproject.toml":
        data = _tool(path, data).get("symbptt", {})
    table = data.get("lint", {}) if isinstance(data, dict) else {}
    if not isinstance(table, dict):
        raise InputError(f"{path}: lint must be a table ([lint]), got {table!r:.40}")
    return table


def _one_line(value, what: str) -> None:
    """Refuse line breaks and other control characters in a setting (`$` in a pattern
    would let "h\n" through)."""
    if isinstance(value, str) and not value.isprintable():
        raise InputError(f"{what} must be one line of printable text, got {value!r:.40}")


def settings_from_options(items: list[str]) -> dict:
    """``--notation KEY=VALUE`` items as settings; bold takes true/false (yes/no, 1/0)."""
    out = {}
    for item in items:
        key, equals, value = item.partition("=")
        key = key.strip()
        if not equals or key not in KEYS:
            raise InputError(f"--notation takes KEY=VALUE with KEY one of {', '.join(KEYS)}; got {item!r}")
        _one_line(value, f"--notation {key}")
        if KEYS[key] == "bold":
            truth = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
            if value.lower() not in truth:
                raise InputError(f"--notation bold takes true or false, got {value!r}")
            out["bold"] = truth[value.lower()]
        else:
            out[KEYS[key]] = value
    return out


def notation(options: list[str] = (), config: str | Path | None = None,
             use_config: bool = True, start: str | Path = ".") -> tuple[Notation, Path | None]:
    """The notation in force and the config file it came from (None when none).

    Precedence: `options` (``--notation``) over the config file (`config`, or the one found
    from `start` when `use_config`) over the defaults.
    """
    path = Path(config) if config else (find_config(start) if use_config else None)
    if config and not path.is_file():
        raise InputError(f"--config {config!r} is not a file")
    settings = settings_from_file(path) if path else {}
    settings.update(settings_from_options(list(options)))
    try:
        return Notation(**settings), path
    except InputError as exc:
        raise InputError(f"{path}: {exc}" if path and not options else str(exc)) from None

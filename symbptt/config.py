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

A cell of your own lives there too, under a name that ``-r NAME`` then selects (`cell`)::

    [cells.leaky]
    equations = ["h_t = 0.8 * h_{t-1} + 0.2 * tanh(W h_{t-1} + U x_t + b)"]
    title = "the leaky RNN of my notes"       # optional: how a report names it
    source = "Lecture 7, eq. 3"               # optional: printed in reports

(``[tool.symbptt.cells.leaky]`` in pyproject.toml.) A name is a word such as leaky or my-gru,
and may not be a library cell's or a recurrence form's key: ``-r gru`` always means the
library's GRU, so a ``[cells.gru]`` is an error rather than a silent choice.
"""

from __future__ import annotations

import re
import sys
from dataclasses import fields
from pathlib import Path

from .errors import InputError
from .printing import Notation

#: Config and --notation keys → Notation fields.
KEYS = {f.name.replace("_", "-"): f.name for f in fields(Notation) if f.name != "given"}
#: Tables of a config file that are not notation settings: lint's and the cells'.
TABLES = ("lint", "cells")
#: A config cell's name: a lower-case word, digits and hyphens (what -r takes).
CELL_NAME = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
#: Longest config cell name, title and source, in characters.
MAX_CELL_NAME, MAX_CELL_TEXT = 32, 400
#: The keys of a [cells.NAME] table.
CELL_KEYS = ("equations", "title", "source")


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
        if key in TABLES:  # lint's and the cells' own tables, not notation settings
            continue
        if key not in KEYS:
            raise InputError(f"{path}: unknown setting {key!r:.40}; the settings are: {', '.join(KEYS)}")
        if not isinstance(value, (str, bool)):
            raise InputError(f"{path}: {key} must be a string or true/false, got {value!r:.40}")
        _one_line(value, f"{path}: {key}")
    return {KEYS[k]: v for k, v in data.items() if k not in TABLES}


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
        return Notation(**settings, given=frozenset(settings)), path
    except InputError as exc:
        raise InputError(f"{path}: {exc}" if path and not options else str(exc)) from None


def _symbptt_table(path: Path) -> dict:
    """The file's symbptt settings: the whole file, or pyproject.toml's [tool.symbptt]."""
    data = _read(path)
    if path.name == "pyproject.toml":
        data = _tool(path, data).get("symbptt", {})
    return data if isinstance(data, dict) else {}


def cells_table(path: str | Path) -> dict:
    """The [cells] table of a config file ([tool.symbptt.cells] in pyproject.toml), {} if
    none: name → its own table, every name checked (a word, no library cell's or form's key)."""
    path = Path(path)
    table = _symbptt_table(path).get("cells", {})
    if not isinstance(table, dict):
        raise InputError(f"{path}: cells must be a table of cells ([cells.NAME]), got {table!r:.40}")
    from .cells import CELLS
    from .model import FORMS

    for name, cell in table.items():
        if len(name) > MAX_CELL_NAME or not CELL_NAME.fullmatch(name):
            raise InputError(f"{path}: [cells.{name!r:.40}]: a cell's name is a lower-case word "
                             f"(letters, digits, hyphens) of at most {MAX_CELL_NAME} characters, such as leaky")
        if name in CELLS or name in FORMS:
            what = "library cell" if name in CELLS else "recurrence form"
            raise InputError(f"{path}: [cells.{name}] has the name of the {what} {name}; -r {name} "
                             "always means that one: rename your cell")
        if not isinstance(cell, dict):
            raise InputError(f"{path}: cells.{name} must be a table ([cells.{name}]) with equations, got {cell!r:.40}")
    return table


def cell_names(config: str | Path | None = None, use_config: bool = True, start: str | Path = ".") -> tuple[Path | None, tuple[str, ...]]:
    """(the config file, the names of its cells in file order); (None, ()) without one."""
    path = _config_path(config, use_config, start)
    return (path, tuple(cells_table(path))) if path else (None, ())


def _config_path(config, use_config: bool, start) -> Path | None:
    if config:
        if not Path(config).is_file():
            raise InputError(f"--config {str(config)!r} is not a file")
        return Path(config)
    return find_config(start) if use_config else None


def cell(name: str, config: str | Path | None = None, use_config: bool = True,
         start: str | Path = "."):
    """The cell `name` of the config file in force (`config`, or the one found from `start`
    when `use_config`), parsed, never evaluated: a `Cell` whose key is `name`, or None when
    there is no config file or it has no such cell. A cell that does not parse is an
    `InputError` naming the file, the cell and the equation.
    """
    path = _config_path(config, use_config, start)
    if path is None:
        return None
    table = cells_table(path)
    if name not in table:
        return None
    entry, where = table[name], f"{path}: [cells.{name}]"
    unknown = sorted(set(entry) - set(CELL_KEYS))
    if unknown:
        raise InputError(f"{where}: unknown key {unknown[0]!r:.40}; a cell takes {', '.join(CELL_KEYS)}")
    equations = entry.get("equations")
    if isinstance(equations, str):
        equations = [equations]
    if not isinstance(equations, list) or not equations or not all(isinstance(e, str) for e in equations):
        raise InputError(f"{where}: equations must be a list of strings, such as "
                         f"[\"h_t = tanh(W h_{{t-1}} + U x_t + b)\"], got {equations!r:.60}")
    texts = {}
    for key in ("title", "source"):
        value = entry.get(key)
        if value is None:
            continue
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_CELL_TEXT:
            raise InputError(f"{where}: {key} must be a non-empty string of at most {MAX_CELL_TEXT} "
                             f"characters, got {value!r:.40}")
        _one_line(value, f"{where}: {key}")
        texts[key] = " ".join(value.split())
    for k, equation in enumerate(equations, 1):
        _one_line(equation, f"{where}: equation {k}")
    from .cell_parse import parse_cell

    try:
        parsed = parse_cell(equations, key=name)
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None
    from dataclasses import replace

    from .steps import Prose

    file = path.name if path.name.isprintable() else "the config file"
    return replace(parsed, selector="", title=texts.get("title", f"the cell {name} of {file}"),
                   source=texts.get("source", f"{file}, [cells.{name}]"),
                   convention=Prose.of("the equations of {table}", table=f"[cells.{name}] in {file}"))

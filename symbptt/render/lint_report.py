"""`lint`'s findings as text: concise lines, JSON, GitHub workflow annotations, SARIF 2.1.0.

Each writer takes the findings in their final order and returns the whole output, so the
same findings always give the same bytes (no timestamps, no absolute paths added).
"""

from __future__ import annotations

import json
from urllib.parse import quote

from .. import __version__
from ..lint import RULES, Finding

LINT_FORMATS = ("concise", "json", "github", "sarif")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
#: SARIF and GitHub name the severities their own way.
SARIF_LEVELS = {"error": "error", "warning": "warning", "info": "note"}
GITHUB_COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def render_lint(findings: list[Finding], fmt: str) -> str:
    """The findings in format `fmt` (one of LINT_FORMATS)."""
    return {"concise": concise, "json": as_json, "github": github, "sarif": sarif}[fmt](findings)


def _indent(text: str) -> str:
    return "".join(f"    {line}\n" if line else "\n" for line in text.splitlines())


def concise(findings: list[Finding]) -> str:
    """`path:line:col: CODE message`, one line each; a finding's proof, indented, after it."""
    out = []
    for f in findings:
        out.append(f"{f.path}:{f.line}:{f.column}: {f.code} {f.message}\n")
        if f.proof:
            out.append(_indent(f.proof))
    return "".join(out)


def _record(f: Finding) -> dict:
    record = {"path": f.path, "line": f.line, "column": f.column, "code": f.code,
              "severity": f.severity, "message": f.message}
    if f.formula is not None:
        record["formula"] = f.formula
    if f.proof is not None:
        record["proof"] = f.proof
    return record


def as_json(findings: list[Finding]) -> str:
    """A JSON list of findings: path, line, column, code, severity, message (and formula, proof)."""
    return json.dumps([_record(f) for f in findings], ensure_ascii=False, indent=2) + "\n"


def _escape_data(text: str) -> str:
    """A workflow command's message: %, CR and LF escaped (GitHub's own rule)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github(findings: list[Finding]) -> str:
    """`::error file=…,line=…,col=…,title=CODE::message`: annotations in a workflow run."""
    out = []
    for f in findings:
        message = f.message + (f"\n\n{f.proof}" if f.proof else "")
        out.append(f"::{GITHUB_COMMANDS[f.severity]} file={_escape_property(f.path)},line={f.line},"
                   f"col={f.column},title={_escape_property(f.code)}::{_escape_data(message)}\n")
    return "".join(out)


def _uri(path: str) -> str:
    """A relative path as a SARIF artifact URI (forward slashes, percent-encoded)."""
    return quote(path.replace("\\", "/"), safe="/")


def sarif(findings: list[Finding]) -> str:
    """A SARIF 2.1.0 log with one run: every rule, and one result per finding."""
    rules = sorted(RULES)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "symbptt lint",
                "version": __version__,
                "rules": [{
                    "id": code,
                    "name": RULES[code].name,
                    "shortDescription": {"text": RULES[code].summary},
                    "defaultConfiguration": {"level": SARIF_LEVELS[RULES[code].severity]},
                    "help": {"text": f"{RULES[code].summary} (docs/lint.md, code {code})"},
                } for code in rules],
            }},
            "columnKind": "unicodeCodePoints",
            "results": [{
                "ruleId": f.code,
                "ruleIndex": rules.index(f.code),
                "level": SARIF_LEVELS[f.severity],
                "message": {"text": f.message + (f"\n\n{f.proof}" if f.proof else "")},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": _uri(f.path)},
                    "region": {"startLine": f.line, "startColumn": f.column},
                }}],
                **({"properties": {"formula": f.formula}} if f.formula is not None else {}),
            } for f in findings],
        }],
    }
    return json.dumps(log, ensure_ascii=False, indent=2) + "\n"

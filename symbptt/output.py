"""Writing reports: atomically (temporary file, then rename) and, on request, as PDF."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .errors import OutputError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: str | Path, text: str) -> Path:
    """Write `text` to `path` via a temporary file in the same folder and a rename.

    A reader never sees a half-written file, and a failure leaves any old file untouched.
    Raises OutputError (one line, saying what to fix) when the folder is not writable.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"cannot write {path}: {folder} is not an existing folder")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a report is an ordinary file
        os.replace(tmp, path)
    except OSError as exc:
        os.unlink(tmp)
        raise OutputError(f"cannot write {path}: {exc.strerror}") from None
    return path


def latex_command() -> list[str]:
    """The command that builds a PDF: latexmk when installed, else pdflatex."""
    if shutil.which("latexmk"):
        return ["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error"]
    if shutil.which("pdflatex"):
        return ["pdflatex", "-interaction=nonstopmode", "-halt-on-error"]
    raise OutputError(
        "--pdf needs pdflatex or latexmk; install TeX Live "
        "(Debian/Ubuntu: apt-get install texlive-latex-recommended latexmk)"
    )


def build_pdf(tex_path: str | Path) -> Path:
    """Compile `tex_path` in a scratch folder and place the PDF beside it, atomically."""
    tex_path = Path(tex_path)
    command = latex_command()
    with tempfile.TemporaryDirectory() as scratch:
        shutil.copy(tex_path, Path(scratch) / "report.tex")
        run = subprocess.run(command + ["report.tex"], cwd=scratch, capture_output=True,
                             text=True, stdin=subprocess.DEVNULL)
        built = Path(scratch) / "report.pdf"
        if run.returncode != 0 or not built.exists():
            errors = [l for l in (run.stdout or "").splitlines() if l.startswith("!")]
            reason = errors[0] if errors else f"exit status {run.returncode}"
            raise OutputError(f"pdflatex failed on {tex_path}: {reason}")
        target = tex_path.with_suffix(".pdf")
        staged = target.with_name(f".{target.name}.tmp")
        shutil.copy(built, staged)
        os.replace(staged, target)
    return target

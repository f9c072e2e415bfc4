"""Writing reports: what is at the path decides how, and nothing appears until all is ready.

    regular file or none   a temporary file in the same folder, renamed over it: a reader sees
                           the old or the whole new file; an existing file's mode is kept,
                           and its owner where permitted
    symlink                followed: its target is replaced as above, the link stays a link
    device, FIFO, socket,  written directly, never replaced (``-o /dev/null`` must not put a
    /dev/stdout …          regular file in place of the machine's /dev/null)
    folder                 an error

`Outputs` stages several files (a report, its figures, its PDF) and puts them in place
together once every one is ready, so an error part-way leaves none of them. Every failure is
an `OutputError` with a one-line message, and no temporary file survives it.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

from .errors import OutputError

#: Temporary names are short and fixed-length (".sb" + 8 random + ".tmp"), so a target whose
#: name is at the 255-byte limit still gets one in its folder.
_TMP_PREFIX, _TMP_SUFFIX = ".sb", ".tmp"

#: Links through these folders name open files and devices (/dev/stdout → /proc/self/fd/1),
#: which are written, never replaced, even when they end at a regular file.
_DIRECT_ROOTS = ("/dev/", "/proc/")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _error(path, exc: OSError) -> OutputError:
    return OutputError(f"cannot write {path}: {exc.strerror or exc}")


def _write_all(fd: int, data: bytes) -> None:
    """os.write until all of `data` is written (a pipe takes it in pieces)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _through_device(path: Path) -> bool:
    """Whether `path` or a link on the way to its target lies in /dev or /proc."""
    current = os.path.abspath(path)
    for _ in range(40):  # the kernel's own limit on a chain of links
        if current.startswith(_DIRECT_ROOTS):
            return True
        if not os.path.islink(current):
            return False
        current = os.path.normpath(os.path.join(os.path.dirname(current), os.readlink(current)))
    return False


class _Target:
    """Where and how one output goes; deciding this raises before any file is made."""

    def __init__(self, path: str | Path):
        self.path = Path(path)  # as the user named it, for messages
        try:
            info = os.stat(self.path)  # follows links
        except FileNotFoundError:
            info = None
        except NotADirectoryError:
            info = None  # reported below, naming the folder
        except OSError as exc:
            raise _error(self.path, exc) from None
        if info is not None and stat.S_ISDIR(info.st_mode):
            raise OutputError(f"cannot write {self.path}: it is a folder")
        self.direct = info is not None and (not stat.S_ISREG(info.st_mode)
                                            or _through_device(self.path))
        # A link is replaced at its target, so it stays a link (a dangling one gets its target).
        self.real = Path(os.path.realpath(self.path)) if self.path.is_symlink() else self.path
        self.mode = stat.S_IMODE(info.st_mode) if info is not None else 0o666 & ~_umask()
        self.owner = (info.st_uid, info.st_gid) if info is not None else None
        folder = self.real.parent
        if not self.direct and not folder.is_dir():
            raise OutputError(f"cannot write {self.path}: {folder} is not an existing folder")

    def stage(self, data: bytes) -> Path | None:
        """`data` in a temporary file beside the target (None for a direct target)."""
        if self.direct:
            return None
        try:
            fd, tmp = tempfile.mkstemp(prefix=_TMP_PREFIX, suffix=_TMP_SUFFIX, dir=self.real.parent)
        except OSError as exc:
            raise _error(self.path, exc) from None
        try:
            try:
                _write_all(fd, data)
                if self.owner is not None and self.owner != (os.geteuid(), os.getegid()):
                    try:  # keep the old file's owner where we may (root may; others only a group)
                        os.fchown(fd, *self.owner)
                    except PermissionError:
                        pass
                os.fchmod(fd, self.mode)  # after chown, which clears setuid; mkstemp makes 0600
            finally:
                os.close(fd)
        except BaseException as exc:
            os.unlink(tmp)
            if isinstance(exc, OSError):
                raise _error(self.path, exc) from None
            raise
        return Path(tmp)

    def commit(self, tmp: Path | None, data: bytes) -> None:
        """Put the staged file in place, or write a direct target now."""
        if tmp is not None:
            try:
                os.replace(tmp, self.real)
            except OSError as exc:
                os.unlink(tmp)
                raise _error(self.path, exc) from None
            return
        try:
            # No O_CREAT: it exists (a device, a FIFO, an open descriptor); a FIFO blocks here
            # until a reader opens it, as with the shell's `>`.
            fd = os.open(self.path, os.O_WRONLY | os.O_TRUNC)
            try:
                _write_all(fd, data)
            finally:
                os.close(fd)
        except BrokenPipeError:
            raise  # the reader went away: the CLI ends quietly
        except OSError as exc:
            raise _error(self.path, exc) from None


class Outputs:
    """Files staged one by one and put in place together by `commit()`.

    Each `add` checks its target and writes a temporary file beside it (a direct target is
    held in memory); `commit` renames them all into place; leaving a ``with`` block by an
    exception, or `discard()`, removes the temporaries, so nothing appears.
    """

    def __init__(self):
        self._staged: list[tuple[_Target, Path | None, bytes]] = []

    @staticmethod
    def check(path: str | Path) -> None:
        """Raise the OutputError that adding to `path` would (a folder, no such folder), so a
        command can fail before its work."""
        _Target(path)

    def add(self, path: str | Path, content: str | bytes) -> Path:
        """Stage `content` (text is written as UTF-8) for `path`; returns `path`."""
        try:
            data = content.encode("utf-8") if isinstance(content, str) else content
        except UnicodeEncodeError as exc:  # lone surrogates: undecodable bytes in the input
            raise OutputError(f"cannot write {path}: the text is not valid Unicode "
                              f"({ascii(exc.object[exc.start:exc.end])} at {exc.start})") from None
        target = _Target(path)
        tmp = target.stage(data)
        self._staged.append((target, tmp, data if tmp is None else b""))
        return target.path

    def commit(self) -> list[Path]:
        """Put every staged file in place, in the order added; returns their paths."""
        paths = [target.path for target, _, _ in self._staged]
        try:
            while self._staged:
                target, tmp, data = self._staged[0]
                target.commit(tmp, data)
                self._staged.pop(0)
        finally:
            self.discard()  # after a failure, what was not yet in place
        return paths

    def discard(self) -> None:
        """Remove every staged temporary file."""
        for _, tmp, _ in self._staged:
            if tmp is not None:
                try:
                    os.unlink(tmp)
                except FileNotFoundError:
                    pass
        self._staged = []

    def __enter__(self) -> Outputs:
        return self

    def __exit__(self, kind, value, tb) -> None:
        if kind is None:
            self.commit()
        else:
            self.discard()


def write_output(path: str | Path, text: str) -> Path:
    """Write `text` (UTF-8) to `path` as the module docstring says; returns `path`."""
    with Outputs() as outputs:
        outputs.add(path, text)
    return Path(path)


def latex_command() -> list[str]:
    """The command that builds a PDF: latexmk when installed, else pdflatex.

    Raises OutputError when neither is installed: call it before any work or writing.
    """
    if shutil.which("latexmk"):
        return ["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error"]
    if shutil.which("pdflatex"):
        return ["pdflatex", "-interaction=nonstopmode", "-halt-on-error"]
    raise OutputError(
        "--pdf needs pdflatex or latexmk; install TeX Live "
        "(Debian/Ubuntu: apt-get install texlive-latex-recommended latexmk)"
    )


#: The TeX run's dates come from here, not the clock, so the same report gives the same PDF.
_REPRODUCIBLE = {"SOURCE_DATE_EPOCH": "0", "FORCE_SOURCE_DATE": "1"}


def build_pdf(tex: str, name: str = "report.tex") -> bytes:
    """The PDF of the LaTeX document `tex`, compiled in a scratch folder (nothing is written
    elsewhere); `name` only names the file in error messages. Raises OutputError."""
    command = latex_command()
    with tempfile.TemporaryDirectory() as scratch:
        Path(scratch, "report.tex").write_text(tex, encoding="utf-8")
        run = subprocess.run(command + ["report.tex"], cwd=scratch, capture_output=True,
                             text=True, errors="replace", stdin=subprocess.DEVNULL,
                             env={**os.environ, **_REPRODUCIBLE})
        built = Path(scratch) / "report.pdf"
        if run.returncode != 0 or not built.exists():
            errors = [l for l in (run.stdout or "").splitlines() if l.startswith("!")]
            reason = errors[0] if errors else f"exit status {run.returncode}"
            raise OutputError(f"pdflatex failed on {name}: {reason}")
        return built.read_bytes()

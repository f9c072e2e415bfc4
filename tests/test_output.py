"""-o: what is at the path decides how the report is written (replaced, written through a link,
written directly, refused), and a command's outputs appear together after success or not at all."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import symbptt.output
from symbptt.errors import OutputError
from symbptt.output import Outputs

from .conftest import run_cli as run


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def one_error_line(code, err, message):
    assert code == 2 and err.count("\n") == 1 and message in err and "Traceback" not in err


def test_regular_file_is_replaced_atomically_and_keeps_its_mode(capsys, tmp_path):
    path = tmp_path / "proof.md"
    path.write_text("old")
    path.chmod(0o600)
    inode = path.stat().st_ino
    code, out, err = run(capsys, "derive", "-o", str(path))
    assert code == 0 and out == err == ""
    assert path.read_text().startswith("# ") and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.stat().st_ino != inode  # a new file renamed over the old, not rewritten in place
    assert names(tmp_path) == ["proof.md"]


def test_replaced_file_keeps_its_owner_when_root(capsys, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("only root can give a file to another user")
    path = tmp_path / "proof.md"
    path.write_text("old")
    os.chown(path, 4321, 4322)
    code, out, err = run(capsys, "derive", "-o", str(path))
    assert code == 0 and (path.stat().st_uid, path.stat().st_gid) == (4321, 4322)
    assert path.read_text().startswith("# ")


def test_symlink_is_written_through_to_its_target(capsys, tmp_path):
    real, link = tmp_path / "real.md", tmp_path / "link.md"
    real.write_text("old")
    link.symlink_to("real.md")
    dangling = tmp_path / "later.md"
    dangling.symlink_to("created.md")
    for path in (link, dangling):
        code, out, err = run(capsys, "derive", "-o", str(path))
        assert code == 0 and err == ""
        assert path.is_symlink() and path.read_text().startswith("# ")
    assert os.readlink(link) == "real.md" and real.read_text().startswith("# ")
    assert names(tmp_path) == ["created.md", "later.md", "link.md", "real.md"]


def test_fifo_is_written_to_not_replaced(capsys, tmp_path):
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    code, out, err = run(capsys, "derive", "-o", str(fifo))
    reader.join(timeout=30)
    assert code == 0 and err == ""
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and received[0].startswith(b"# The one-step")
    assert names(tmp_path) == ["pipe.md"]


def test_dev_null_stays_a_character_device(capsys):
    before = os.lstat("/dev/null")
    try:
        code, out, err = run(capsys, "derive", "-o", "/dev/null", "-f", "json")
    finally:
        after = os.lstat("/dev/null")
        if not stat.S_ISCHR(after.st_mode) and os.geteuid() == 0:  # a failure must not break the machine
            os.unlink("/dev/null")
            os.mknod("/dev/null", 0o666 | stat.S_IFCHR, before.st_rdev)
            os.chmod("/dev/null", 0o666)
    assert code == 0 and err == ""
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)


@pytest.mark.parametrize("stdout", ["pipe", "file"])
def test_dev_stdout_is_written_directly(tmp_path, stdout):
    """/dev/stdout names an open descriptor: written, never replaced, whatever it ends at
    (here a pipe, then a regular file the shell opened, as `> out.json` does)."""
    argv = [sys.executable, "-m", "symbptt", "derive", "-f", "json", "-o", "/dev/stdout"]
    if stdout == "pipe":
        run_ = subprocess.run(argv, capture_output=True, text=True)
        report = run_.stdout
    else:
        out = tmp_path / "out.json"
        with open(out, "w") as handle:
            inode = os.fstat(handle.fileno()).st_ino
            run_ = subprocess.run(argv, stdout=handle, stderr=subprocess.PIPE, text=True)
        report = out.read_text()
        assert out.stat().st_ino == inode and names(tmp_path) == ["out.json"]
    assert run_.returncode == 0 and run_.stderr == ""
    assert report.startswith("{") and os.path.islink("/dev/stdout")


def test_folder_is_a_one_line_error(capsys, tmp_path):
    (tmp_path / "proof.md").mkdir()
    code, out, err = run(capsys, "derive", "-o", str(tmp_path / "proof.md"))
    one_error_line(code, err, "proof.md: it is a folder")
    assert names(tmp_path) == ["proof.md"] and names(tmp_path / "proof.md") == []


def test_a_name_of_255_bytes_can_be_written(capsys, tmp_path):
    path = tmp_path / ("é" * 126 + ".md")  # 126 × 2 bytes + 3 = 255, the limit of a name
    assert len(os.fsencode(path.name)) == 255
    code, out, err = run(capsys, "derive", "-o", str(path))
    assert code == 0 and err == "" and names(tmp_path) == [path.name]


def test_full_disk_is_one_line_and_leaves_the_old_file(capsys, tmp_path, monkeypatch):
    code, out, err = run(capsys, "derive", "-o", "/dev/full", "-f", "json")
    one_error_line(code, err, "cannot write /dev/full: No space left on device")
    path = tmp_path / "proof.md"
    path.write_text("old")

    def full(fd, data):
        os.write(fd, data[:10])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(symbptt.output, "_write_all", full)
    code, out, err = run(capsys, "derive", "-o", str(path))
    one_error_line(code, err, f"cannot write {path}: No space left on device")
    assert path.read_text() == "old" and names(tmp_path) == ["proof.md"]


def test_text_that_is_not_unicode_writes_nothing(tmp_path):
    with pytest.raises(OutputError, match=r"not valid Unicode \('\\udcff' at 1\)"):
        with Outputs() as outputs:
            outputs.add(tmp_path / "a.md", "first")
            outputs.add(tmp_path / "b.md", "x\udcff")
    assert names(tmp_path) == []


def test_outputs_appear_together_or_not_at_all(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        with Outputs() as outputs:
            outputs.add(tmp_path / "a.md", "a")
            outputs.add(tmp_path / "b.png", b"b")
            raise KeyboardInterrupt
    assert names(tmp_path) == []
    with Outputs() as outputs:
        outputs.add(tmp_path / "a.md", "a")
        outputs.add(tmp_path / "b.png", b"b")
        assert names(tmp_path) != ["a.md", "b.png"]  # staged, not yet in place
    assert names(tmp_path) == ["a.md", "b.png"] and (tmp_path / "b.png").read_bytes() == b"b"


# Side effects only after success: figures, PDF and gallery.

def fake_figures(monkeypatch):
    """bptt once per session and stand-in figure bytes: these tests are about what is written."""
    import functools

    import symbptt.bptt
    import symbptt.plot
    monkeypatch.setattr(symbptt.bptt, "bptt", functools.lru_cache(symbptt.bptt.bptt))
    monkeypatch.setattr(symbptt.plot, "figures", lambda b, *letters: {".svg": b"svg", ".pdf": b"pdf"})


def test_plot_leaves_no_figures_when_the_report_fails(capsys, tmp_path, monkeypatch):
    fake_figures(monkeypatch)
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "bptt.md.j2").write_text("((( no_such_name )))\n")
    out = tmp_path / "out"
    out.mkdir()
    code, _, err = run(capsys, "bptt", "--plot", "-o", str(out / "b.md"), "--template-dir", str(templates))
    one_error_line(code, err, "no_such_name")
    assert names(out) == []
    (out / "b.md").mkdir()  # the report's path is a folder: refused before any work
    code, _, err = run(capsys, "bptt", "--plot", "-o", str(out / "b.md"))
    one_error_line(code, err, "b.md: it is a folder")
    assert names(out) == ["b.md"]
    code, _, err = run(capsys, "bptt", "--plot", "-o", str(tmp_path / "c.md"))
    assert code == 0 and sorted(p.name for p in tmp_path.glob("c*")) == [
        "c-figure.pdf", "c-figure.svg", "c.md"]


def test_pdf_without_tex_writes_nothing(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    code, out, err = run(capsys, "derive", "--format", "latex", "--pdf", "-o", str(tmp_path / "p.tex"))
    one_error_line(code, err, "--pdf needs pdflatex or latexmk")
    assert names(tmp_path) == []


def test_pdf_onto_a_folder_is_one_line_and_writes_nothing(capsys, tmp_path, pdflatex):
    (tmp_path / "p.pdf").mkdir()
    code, out, err = run(capsys, "derive", "--format", "latex", "--pdf", "-o", str(tmp_path / "p.tex"))
    one_error_line(code, err, "p.pdf: it is a folder")
    assert names(tmp_path) == ["p.pdf"]


@pytest.mark.tools
def test_failed_pdf_build_writes_nothing(capsys, tmp_path, pdflatex):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "report.tex.j2").write_text("\\documentclass{article}\\begin{document}"
                                              "\\notacommand\\end{document}\n")
    old = tmp_path / "p.tex"
    old.write_text("old")
    code, out, err = run(capsys, "derive", "--format", "latex", "--pdf", "-o", str(old),
                         "--template-dir", str(templates))
    one_error_line(code, err, "pdflatex failed on")
    assert "Undefined control sequence" in err
    assert old.read_text() == "old" and names(tmp_path) == ["p.tex", "templates"]


@pytest.mark.tools
def test_pdf_is_deterministic(capsys, tmp_path, pdflatex):
    pdfs = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        code, out, err = run(capsys, "derive", "--format", "latex", "--pdf", "-o",
                             str(tmp_path / name / "p.tex"))
        assert code == 0 and names(tmp_path / name) == ["p.pdf", "p.tex"]
        pdfs.append((tmp_path / name / "p.pdf").read_bytes())
    assert pdfs[0] == pdfs[1] and b"D:19700101000000" in pdfs[0]  # dated SOURCE_DATE_EPOCH=0


def test_gallery_into_a_file_is_one_line(capsys, tmp_path):
    target = tmp_path / "reports"
    target.write_text("mine")
    code, out, err = run(capsys, "gallery", str(target), "--example", str(tmp_path / "none"))
    one_error_line(code, err, "it is not a folder")
    assert target.read_text() == "mine" and names(tmp_path) == ["reports"]


def test_gallery_writes_nothing_when_the_example_fails(capsys, tmp_path, monkeypatch):
    import symbptt.gallery
    monkeypatch.setattr(symbptt.gallery, "GALLERY", symbptt.gallery.GALLERY[:1])
    monkeypatch.setattr(symbptt.gallery, "CHECKS", ())
    monkeypatch.setattr(symbptt.gallery, "BPTT_FORMS", ())
    monkeypatch.setattr(symbptt.gallery, "CELL_GALLERY", ())
    monkeypatch.setattr(symbptt.gallery, "CELL_BPTT", ())
    monkeypatch.setattr(symbptt.gallery, "TYPED_CELLS", ())
    monkeypatch.setattr(symbptt.gallery, "CELL_CHECKS", ())
    example = tmp_path / "example"
    example.mkdir()
    (example / "symbptt.toml").write_text('state = "not a name"\n')
    code, out, err = run(capsys, "gallery", str(tmp_path / "reports"), "--example", str(example))
    one_error_line(code, err, "state must be a name")
    assert names(tmp_path / "reports") == [] and names(example) == ["symbptt.toml"]
    (example / "symbptt.toml").write_text('state = "h"\n')
    code, out, err = run(capsys, "gallery", str(tmp_path / "reports"), "--example", str(example))
    assert code == 0 and len(out.splitlines()) == 4 + 4 and "default.md" in names(tmp_path / "reports")

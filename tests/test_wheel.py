"""`pip install .` (not editable): the wheel carries the templates and works elsewhere."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile

from .conftest import ROOT


def test_wheel_installs_and_runs_outside_the_checkout(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(wheels), str(ROOT)], check=True, capture_output=True)
    (wheel,) = wheels.glob("symbptt-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "symbptt/templates/report.md.j2" in names and "symbptt/templates/check.txt.j2" in names

    env_dir = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True)
    python = env_dir / "bin" / "python"
    target = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                            capture_output=True, text=True, check=True).stdout.strip()
    # Install the wheel alone into the new environment; its dependencies come from ours.
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", target, str(wheel)],
                   check=True, capture_output=True)
    ours = sysconfig.get_paths()["purelib"]
    env = {**os.environ, "PYTHONPATH": ours}
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run([str(python), "-c", "import symbptt; print(symbptt.__file__)"],
                           cwd=elsewhere, env=env, capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(env_dir)), where
    run = subprocess.run([str(python), "-m", "symbptt", "derive", "-a", "tanh"], cwd=elsewhere,
                         env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("# The one-step Jacobian") and "W} \\operatorname{diag}" in run.stdout
    run = subprocess.run([str(python), "-m", "symbptt", "check", "W^T diag(sigma'(x))"], cwd=elsewhere,
                         env=env, capture_output=True, text=True)
    assert run.returncode == 0 and "REFUTED" in run.stdout
    # The `symbptt` command pip writes (run by the new environment's Python, not its shebang).
    script = [str(python), os.path.join(target, "bin", "symbptt")]
    run = subprocess.run([*script, "derive", "--symbolic", "-f", "json"], cwd=elsewhere, env=env,
                         capture_output=True, text=True)
    assert run.returncode == 0 and '"verified": true' in run.stdout, run.stderr
    run = subprocess.run([*script, "derive", "--dim", "0"], cwd=elsewhere, env=env,
                         capture_output=True, text=True)
    assert (run.returncode, run.stdout) == (2, "") and run.stderr.startswith("symbptt: error: --dim")

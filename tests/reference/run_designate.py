"""Run the product's `designate` command on files and collect what a caller of the contract sees."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import subprocess
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str
    designations: str | None  # the --out file, None when it was not written


def designate_available() -> bool:
    from django.core.management import get_commands

    return "designate" in get_commands()


def run_in_process(paths: dict[str, Path], filing: dt.date, method: str | None, out: Path) -> Run:
    """call_command, capturing both the command's own stdout and anything printed."""
    from django.core.management import call_command
    from django.core.management.base import CommandError

    args = [
        "--imports",
        str(paths["imports"]),
        "--exports",
        str(paths["exports"]),
        "--tariff",
        str(paths["tariff"]),
        "--filing-date",
        filing.isoformat(),
        "--out",
        str(out),
    ]
    if method:
        args += ["--method", method]
    stdout, stderr = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            call_command("designate", *args, stdout=stdout, stderr=stderr)
        except CommandError as exc:
            stderr.write(str(exc))
            code = exc.returncode or 1
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except Exception:  # a crash: what a user sees is a traceback and exit status 1
            stderr.write(traceback.format_exc())
            code = 1
    text = out.read_text(encoding="utf-8") if out.exists() else None
    return Run(code, stdout.getvalue(), stderr.getvalue(), text)


def run_subprocess(paths: dict[str, Path], filing: dt.date, method: str | None, out: Path) -> Run:
    """The command as a user runs it (separate process, no test database)."""
    args = [
        sys.executable,
        "manage.py",
        "designate",
        "--imports",
        str(paths["imports"]),
        "--exports",
        str(paths["exports"]),
        "--tariff",
        str(paths["tariff"]),
        "--filing-date",
        filing.isoformat(),
        "--out",
        str(out),
    ]
    if method:
        args += ["--method", method]
    env = dict(os.environ)
    proc = subprocess.run(args, cwd=REPO, capture_output=True, text=True, env=env, timeout=600)
    text = out.read_text(encoding="utf-8") if out.exists() else None
    return Run(proc.returncode, proc.stdout, proc.stderr, text)

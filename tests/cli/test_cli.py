import subprocess
import sys

import pytest

from autoxai import __version__
from autoxai.cli import main


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"autoxai {__version__}"


def test_help_lists_the_commands(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "demo" in out and "--debug" in out
    assert main([]) == 0  # no command: help, not a traceback


def test_usage_error_exits_2(capsys):
    assert main(["demo", "--n-trials", "many"]) == 2
    assert "invalid int value" in capsys.readouterr().err
    assert main(["nosuchcommand"]) == 2


def test_user_mistake_is_one_line_and_status_2(capsys, tmp_path):
    out = tmp_path / "demo"
    assert main(["demo", "--search", "gird", "--no-progress", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("autoxai: error: --search must be one of")
    assert "'grid'" in err
    assert not out.exists()
    with pytest.raises(Exception, match="search must be one of"):
        main(["--debug", "demo", "--search", "gird", "--no-progress", "--out", str(out)])


@pytest.mark.slow
def test_console_script_is_installed():
    exe = [sys.executable, "-c", "from autoxai.cli import run; run()", "--version"]
    result = subprocess.run(exe, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and __version__ in result.stdout

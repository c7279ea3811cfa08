import subprocess
import sys

import pytest

from autoxai import __version__, create_study
from autoxai.cli import main
from autoxai.datasets import branin


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


def test_demo_finds_a_good_branin_point(capsys):
    assert main(["demo", "--n-trials", "60", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "Best trials" in out and "gap to the known minimum" in out


def test_demo_user_mistake_is_one_line_and_status_2(capsys):
    assert main(["demo", "--method", "gird", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("autoxai: error: method must be one of") and "'grid'" in err
    with pytest.raises(Exception, match="method must be one of"):
        main(["--debug", "demo", "--method", "gird", "--no-progress"])


def test_demo_with_storage_resumes(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    assert main(["demo", "--n-trials", "5", "--storage", url, "--no-progress"]) == 0
    assert main(["demo", "--n-trials", "8", "--storage", url, "--no-progress"]) == 0
    study = create_study(branin.space, storage=url, study_name="demo-branin", load_if_exists=True)
    assert len(study.trials) == 8


@pytest.mark.slow
def test_console_script_is_installed():
    exe = [sys.executable, "-c", "from autoxai.cli import run; run()", "--version"]
    result = subprocess.run(exe, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and __version__ in result.stdout

"""What a run leaves and opens: a private directory, and no listening network socket."""

import socket
import stat

import pytest

from autoxai.cli import main
from autoxai.datasets import load_penguins


@pytest.mark.slow
def test_run_dir_is_private_and_nothing_listens(tmp_path, monkeypatch):
    opened = []
    real_bind, real_listen = socket.socket.bind, socket.socket.listen

    def bind(self, address):
        opened.append(("bind", self.family, address))
        return real_bind(self, address)

    def listen(self, *args):
        opened.append(("listen", self.family, None))
        return real_listen(self, *args)

    monkeypatch.setattr(socket.socket, "bind", bind)
    monkeypatch.setattr(socket.socket, "listen", listen)
    data = tmp_path / "penguins.csv"
    load_penguins().to_csv(data, index=False)
    out = tmp_path / "run"
    args = [
        "run",
        str(data),
        "--target",
        "species",
        "--out",
        str(out),
        "--n-trials",
        "3",
        "--cv",
        "2",
        "--models",
        "linear,rf",
        "--explain-budget",
        "15",
        "--no-progress",
    ]
    assert main(args) == 0  # fmt: skip
    assert (out / "report.html").exists()
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    network = [o for o in opened if o[1] in (socket.AF_INET, socket.AF_INET6)]
    assert network == []

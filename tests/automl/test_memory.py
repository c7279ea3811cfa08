"""Reading a table holds it a bounded number of times: measured in a child process
(its own peak resident memory), on a CSV large enough for copies to show."""

import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd

PROBE = textwrap.dedent("""
    import resource, sys
    from autoxai.automl._data import read_table
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    table, _ = read_table(sys.argv[1])
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print((after - before) * 1024, len(table))
""")


def test_reading_a_csv_holds_its_text_at_most_a_few_times(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "big.csv"
    pd.DataFrame(rng.normal(size=(150_000, 20))).add_prefix("x").to_csv(path, index=False)
    size = path.stat().st_size  # about 57 MB
    out = subprocess.run([sys.executable, "-c", PROBE, str(path)], capture_output=True,
                         text=True, check=True).stdout.split()  # fmt: skip
    grown, rows = int(out[0]), int(out[1])
    assert rows == 150_000
    # the bytes, the decoded text (dropped before parsing) and the parsed table (24 MB)
    # fit in 4 x the file; an io.StringIO of the text alone took 4 bytes a character
    assert grown < 4 * size, f"reading a {size / 2**20:.0f} MiB CSV grew {grown / 2**20:.0f} MiB"

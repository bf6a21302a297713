"""lib.book.style: the one place that makes every figure and table of the book readable."""
from __future__ import annotations

import os
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from lib.book import style  # noqa: E402


def test_wide_figure_with_small_text_is_made_readable():
    fig, axes = plt.subplots(1, 4, figsize=(14, 3.4))
    axes[0].plot([0, 1], [0, 1], label="a line")
    axes[0].legend(fontsize=6)
    axes[1].set_title("small", fontsize=7)
    axes[2].tick_params(labelsize=5)
    assert style.make_readable(fig)
    assert fig.get_size_inches()[0] <= style.MAX_WIDTH_IN + 1e-9
    fig.canvas.draw()
    sizes = [t.get_size() for t in fig.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text()]
    assert min(sizes) >= style.MIN_FONT_PT
    plt.close(fig)


def test_readable_figure_is_left_alone():
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot([0, 1], [0, 1])
    ax.set_xlabel("x", fontsize=10)
    assert not style.make_readable(fig)
    plt.close(fig)


def test_apply_sets_pandas_and_matplotlib_defaults():
    old = pd.get_option("display.max_colwidth")
    try:
        style.apply()
        assert pd.get_option("display.max_colwidth") is None
        assert "…" not in pd.DataFrame({"claim": ["x" * 300]}).to_html()
        assert matplotlib.rcParams["legend.fontsize"] >= style.MIN_FONT_PT
    finally:
        pd.set_option("display.max_colwidth", old)
        matplotlib.rcdefaults()


def test_kernel_startup_file_runs_in_plain_python():
    env = dict(os.environ, MPLBACKEND="Agg")
    code = f"exec(open({str(style.STARTUP_FILE)!r}).read()); import pandas as pd; print(pd.get_option('display.max_colwidth'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "None", out.stderr

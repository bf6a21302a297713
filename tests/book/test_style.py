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


def test_shrunk_figure_is_laid_out_again():
    """A cell's own tight_layout() leaves a placeholder engine; the shrunk figure must not overlap."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    for ax in axes:
        ax.semilogy([1, 1e-14])
        ax.set_ylabel("sup-norm residual")
    fig.tight_layout()
    style.make_readable(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    left_of_right_axes = axes[1].get_window_extent(renderer).x0
    right_of_left_axes = axes[0].get_tightbbox(renderer).x1
    label = axes[1].yaxis.label.get_window_extent(renderer)
    assert right_of_left_axes <= label.x0 + 1 and label.x1 <= left_of_right_axes
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

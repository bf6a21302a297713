"""Running a notebook's kernel and stopping it cleanly (part of :mod:`lib.book.rerun`).

Here live ``_execute`` (papermill in a worker thread, so that the main thread can kill the kernel
and its process group on SIGINT or SIGTERM), the kernel's stderr sent to a file for quiet reruns,
:class:`RerunInterrupted` with the command line's signal handlers (``_signals_raise``), and
``_exit_with_parent`` (a sweep point never outlives its worker).  Import these from
:mod:`lib.book.rerun` (or :mod:`lib.rerun`), which re-exports them.
"""
from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from pathlib import Path

__all__ = ["RerunInterrupted"]


class RerunInterrupted(BaseException):
    """Raised in the main thread by the command line's SIGINT/SIGTERM handlers."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


# --------------------------------------------------------------------------- kernel handling
def _tracking_kernel_manager(registry: list):
    """An ``AsyncKernelManager`` subclass that records every instance, so the main thread can kill
    the kernel on a signal while papermill runs in a worker thread."""
    from jupyter_client.manager import AsyncKernelManager

    class TrackedKernelManager(AsyncKernelManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            registry.append(self)

    return TrackedKernelManager


def _kill_kernels(registry: list) -> None:
    for km in registry:
        proc = getattr(getattr(km, "provisioner", None), "process", None)
        pid = getattr(proc, "pid", None)
        if pid:
            for kill in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
                try:
                    kill()
                    break
                except (ProcessLookupError, PermissionError, OSError):
                    continue
            with contextlib.suppress(Exception):
                proc.wait(timeout=2)
        cf = getattr(km, "connection_file", "")
        if cf:
            with contextlib.suppress(OSError):
                os.remove(cf)


@contextlib.contextmanager
def _kernel_stderr_to_file(path: Path):
    """Send file descriptor 2 (inherited by the kernel subprocess) to ``path`` for the duration.

    The child kernel writes start-up chatter (e.g. ipykernel's "running over TCP" notice) to the
    parent's stderr; when the parent is itself a notebook, that text would appear as a stderr
    output of the calling cell.  Errors are still reported through :class:`RerunError`.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    with open(path, "ab") as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def _execute(nb, executed_path: Path, parameters: dict, cwd: Path, kernel_name: str,
             timeout: int, quiet_log: Path | None):
    """Run papermill in a worker thread; on any exception in the main thread (SIGINT, SIGTERM)
    kill the kernel (and its process group), remove its connection file, and re-raise."""
    import papermill as pm

    # the kernel draws figures in the book's style (200 dpi, text >= 9 pt), as in the build
    os.environ.setdefault("PYTHONSTARTUP", str(Path(__file__).with_name("kernel_startup.py")))
    registry: list = []
    box: dict = {}

    def work():
        try:
            box["nb"] = pm.execute_notebook(
                nb, str(executed_path), parameters=parameters, cwd=str(cwd),
                kernel_name=kernel_name, progress_bar=False, execution_timeout=timeout,
                log_output=False, kernel_manager_class=_tracking_kernel_manager(registry))
        except BaseException as err:  # noqa: BLE001 - handed to the main thread
            box["error"] = err

    ctx = _kernel_stderr_to_file(quiet_log) if quiet_log else contextlib.nullcontext()
    with ctx:
        thread = threading.Thread(target=work, name="lib.rerun-papermill", daemon=True)
        thread.start()
        try:
            while thread.is_alive():
                thread.join(0.1)
        except BaseException:
            deadline = time.monotonic() + 20
            while thread.is_alive() and time.monotonic() < deadline:
                _kill_kernels(registry)
                thread.join(0.2)
            _kill_kernels(registry)
            raise
    if "error" in box:
        raise box["error"]
    return box["nb"]


# --------------------------------------------------------------------------- signals
@contextlib.contextmanager
def _signals_raise():
    """In the main thread, turn the first SIGINT/SIGTERM into :class:`RerunInterrupted`."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    fired = []

    def handler(signum, frame):
        if not fired:
            fired.append(signum)
            raise RerunInterrupted(signum)

    old = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def _exit_with_parent() -> None:
    """When ``LIB_RERUN_EXIT_WITH_PARENT=1`` (set by lib.sweep for its points), send ourselves
    SIGTERM if the parent process dies, so a point never outlives its Dask worker."""
    parent = os.getppid()

    def watch():
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os.kill(os.getpid(), signal.SIGTERM)
                return

    threading.Thread(target=watch, name="lib.rerun-parent-watch", daemon=True).start()

"""Loading files into an on-disk store in a short-lived process, so that the server never holds the load's memory.

Oxigraph's bulk loader and the making of the merged default graph take memory in proportion to
the data (about 90 MB more at 1M quads), and the allocator does not give all of it back: a
server that loaded its data itself keeps it for its whole life. With query workers, the server
process only serves, so the load runs in a child process that opens the store, loads, makes the
merge, records the completed load and exits; the server then opens the store again (a few MB).

The child reports one line of JSON on its standard output: the number of quads, or the error (a
file that cannot be read is the client's mistake, reported with where it is, as in-process).
"""

from __future__ import annotations

import ctypes
import json
import signal
import subprocess
import sys
from pathlib import Path

from ..errors import BadRequest, SmartHealthError

_LOADER_COMMAND = "import sys; from smarthealth.store.loading import _child_main; sys.exit(_child_main(sys.argv[1:]))"

#: prctl(2) option: the signal a child gets when its parent dies.
_PR_SET_PDEATHSIG = 1


def load_in_child(data_dir: Path, paths: list[Path]) -> int:
    """Replace the content of the (released) on-disk store in ``data_dir`` by the files; return its quads."""
    process = subprocess.run(
        [sys.executable, "-c", _LOADER_COMMAND, str(data_dir), *[str(path) for path in paths]],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, check=False,
    )
    lines = process.stdout.decode("utf-8", "replace").strip().splitlines()
    try:
        report = json.loads(lines[-1])
    except (IndexError, ValueError):
        raise SmartHealthError(
            f"loading the data into {data_dir} failed (the loading process ended with status {process.returncode})"
        ) from None
    if "quads" in report:
        return int(report["quads"])
    if report.get("error") == "bad-request":
        raise BadRequest(report["message"], where=report.get("where"))
    raise SmartHealthError(report.get("message") or f"loading the data into {data_dir} failed",
                           where=report.get("where"))


def _child_main(arguments: list[str]) -> int:
    """Load the files named after the store's folder, and print the outcome as JSON."""
    _die_with_parent()
    from .oxigraph import OxigraphStore

    data_dir, paths = Path(arguments[0]), [Path(argument) for argument in arguments[1:]]
    try:
        store = OxigraphStore(data_dir)
        try:
            store.replace_content(paths)
            report = {"quads": len(store)}
        finally:
            store.close()
    except BadRequest as error:
        report = {"error": "bad-request", "message": error.message, "where": error.where}
    except SmartHealthError as error:
        report = {"error": "internal", "message": error.message, "where": error.where}
    print(json.dumps(report), flush=True)
    return 0 if "quads" in report else 1


def _die_with_parent() -> None:
    """Have the kernel stop this process when the server dies (it would otherwise keep the store's lock)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux
        pass

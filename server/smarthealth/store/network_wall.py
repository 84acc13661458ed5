"""The second wall against server-side requests: query workers without a network.

The fetch guard (``smarthealth.fetch_guard``) refuses SERVICE and LOAD to endpoints that are not
allow-listed, judging the very text the engine runs. Should a reading of a text ever differ from
the engine's all the same, the operating system stops the request: a query worker moves itself
into a network namespace of its own, which has no interface (not even a loopback that is up), so
every connection fails before it leaves the process. On Linux this needs CAP_SYS_ADMIN (root, as
in CI) or unprivileged user namespaces; elsewhere the wall stays down and the log says so.

Queries that call an allow-listed SERVICE run in a separate worker that keeps the network.
"""

from __future__ import annotations

import ctypes
import errno
import ctypes.util
import os
import socket
import sys

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000


def enter_empty_network_namespace() -> str | None:
    """Move this process into a network namespace without interfaces; return None, or why it could not."""
    if not sys.platform.startswith("linux"):
        return f"network namespaces need Linux (this is {sys.platform})"
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    reasons = []
    # As root a plain new network namespace; otherwise inside a new user namespace, where this
    # process holds the capability to make one.
    for flags, what in ((CLONE_NEWNET, "unshare(CLONE_NEWNET)"),
                        (CLONE_NEWUSER | CLONE_NEWNET, "unshare(CLONE_NEWUSER|CLONE_NEWNET)")):
        if libc.unshare(flags) == 0:
            return None if _network_is_unreachable() else f"{what} succeeded but the network is reachable"
        reasons.append(f"{what}: {os.strerror(ctypes.get_errno())}")
    return "; ".join(reasons)


def _network_is_unreachable() -> bool:
    """Return whether a connection to the loopback address fails at once (no interface is up)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", 9)) == errno.ENETUNREACH
    finally:
        probe.close()

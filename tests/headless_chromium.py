"""Drive Debian's chromium headless over the DevTools protocol: open a page, collect console errors,
run a script in it, save a full-page screenshot.

Only loopback traffic: the browser starts with background networking, component updates and sync
off, a fresh profile, and talks to the test server only.
"""

from __future__ import annotations

import base64
import contextlib
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import requests

ARTEFACTS = Path(__file__).resolve().parents[1] / "test-artefacts" / "screenshots"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
    "--remote-debugging-port=0",
]
START_TIMEOUT_S = 30


class BrowserUnavailable(Exception):
    """Chromium is missing or cannot start here; the message says why."""


def chromium_executable() -> str:
    """Return the path of Debian's chromium, or raise BrowserUnavailable."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    raise BrowserUnavailable("Debian's chromium is not installed (./run installs it with apt-get when run as root)")


class Browser:
    """One headless chromium with one page, spoken to over the DevTools websocket."""

    def __init__(self):
        import websocket  # websocket-client, a test dependency

        executable = chromium_executable()
        self.profile = Path(tempfile.mkdtemp(prefix="smarthealth-chromium-"))
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.log, start_new_session=True,
        )
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + START_TIMEOUT_S
        while not port_file.exists() or not port_file.read_text().strip():
            if self.process.poll() is not None:
                self.log.seek(0)
                error = self.log.read().decode(errors="replace")[-800:]
                self.close()
                raise BrowserUnavailable(f"chromium exited at start (code {self.process.returncode}): {error}")
            if time.monotonic() > deadline:
                self.close()
                raise BrowserUnavailable("chromium did not open its DevTools port in time")
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        targets = requests.get(f"http://127.0.0.1:{port}/json", timeout=10).json()
        page = next(target for target in targets if target["type"] == "page")
        self.socket = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict] = []
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable")

    def call(self, method: str, **params) -> dict:
        """Send one DevTools command and return its result (events that arrive meanwhile are kept)."""
        self.next_id += 1
        wanted = self.next_id
        self.socket.send(json.dumps({"id": wanted, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == wanted:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def open(self, url: str, *, width: int = 1280, height: int = 900) -> None:
        """Load a page at a window size and wait for its load event and a quiet moment."""
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)
        self.events.clear()
        self.call("Page.navigate", url=url)
        deadline = time.monotonic() + 30
        while not any(event.get("method") == "Page.loadEventFired" for event in self.events):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not finish loading")
            self.events.append(json.loads(self.socket.recv()))
        self.wait_for("document.readyState === 'complete'")

    def evaluate(self, expression: str):
        """Run JavaScript in the page and return its (JSON) value; promises are awaited."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"script failed: {result['exceptionDetails'].get('text')}: {expression[:200]}")
        return result["result"].get("value")

    def wait_for(self, condition: str, timeout_s: float = 20.0) -> None:
        """Wait until a JavaScript condition holds in the page."""
        deadline = time.monotonic() + timeout_s
        while not self.evaluate(f"Boolean({condition})"):
            if time.monotonic() > deadline:
                raise TimeoutError(f"condition never held: {condition}")
            time.sleep(0.1)

    def console_errors(self) -> list[str]:
        """Return the errors the page logged or threw since it was opened."""
        errors = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                errors.append(details.get("exception", {}).get("description") or details.get("text", ""))
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                errors.append(" ".join(str(arg.get("value", arg.get("description", ""))) for arg in params.get("args", [])))
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                errors.append(f"{params['entry'].get('text')} ({params['entry'].get('url', '')})")
        return errors

    def screenshot(self, name: str, selector: str | None = None) -> Path:
        """Save a PNG of the full page (or of one element) under test-artefacts/screenshots/."""
        if selector:
            box = self.evaluate(f"(() => {{ const r = document.querySelector({json.dumps(selector)}).getBoundingClientRect();"
                                " return {x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height}; })()")
            clip = {**box, "scale": 1}
        else:
            metrics = self.call("Page.getLayoutMetrics")["cssContentSize"]
            clip = {"x": 0, "y": 0, "width": self.evaluate("window.innerWidth"),
                    "height": min(int(metrics["height"]), 6000), "scale": 1}
        shot = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True, clip=clip)
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTEFACTS / f"{name}.png"
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def close(self) -> None:
        """Stop the browser and remove its profile."""
        with contextlib.suppress(Exception):
            self.socket.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self.profile, ignore_errors=True)

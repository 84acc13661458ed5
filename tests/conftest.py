"""Fixtures shared by the whole suite: settings, the graph built once per run into a temporary
folder, and (tests/server_process.py) a real server process on a free loopback port."""

from __future__ import annotations

import pytest

from smarthealth.config import Settings


@pytest.fixture(scope="session")
def settings(tmp_path_factory) -> Settings:
    """Project settings whose build output goes to a temporary folder, not data/build/."""
    return Settings().with_build_dir(tmp_path_factory.mktemp("build"))


@pytest.fixture(scope="session")
def built(settings):
    """Build the graph from data/sources once per test run; return the build report."""
    from smarthealth.population.build import build

    return build(settings)


@pytest.fixture(scope="session")
def live_server(built):
    """Serve the built graph from a real ``smarthealth serve`` process; yield its base URL."""
    from server_process import start_server

    with start_server(["--data", str(built.dataset_path)]) as server:
        yield server.base_url


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium, headless, for the page tests (skipped, saying why, where it cannot start)."""
    from headless_chromium import Browser, BrowserUnavailable

    try:
        started = Browser()
    except BrowserUnavailable as reason:
        pytest.skip(f"no headless browser: {reason}")
    yield started
    started.close()


@pytest.fixture(scope="module")
def embedded(built):
    """The built graph in an embedded store of this process: the answers a remote engine must give."""
    from smarthealth.store import open_store

    store = open_store([built.dataset_path])
    yield store
    store.close()

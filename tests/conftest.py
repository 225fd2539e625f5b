"""`--backend sqlite|postgres`: the database every `TenderServer` of the run uses."""

from __future__ import annotations

import pytest

from tests.support import server


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend", choices=("sqlite", "postgres"), default="sqlite",
        help="database for the tender servers the tests start (postgres: a private pgserver)",
    )
    parser.addoption(
        "--processor", choices=("simulator", "remote"), default="simulator",
        help="processor for the tender servers the tests start (remote: a remote_sim each)",
    )


def pytest_configure(config: pytest.Config) -> None:
    server.BACKEND = config.getoption("--backend")
    server.PROCESSOR = config.getoption("--processor")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--backend") == "sqlite":
        return
    skip = pytest.mark.skip(reason="reads the SQLite file directly")
    for item in items:
        if "sqlite_only" in item.keywords:
            item.add_marker(skip)

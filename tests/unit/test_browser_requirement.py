"""Browser tests skip without Chromium on a laptop, and fail without it in CI."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import require_browser


@pytest.fixture
def missing_chromium(tmp_path: Path) -> Path:
    return tmp_path / "no-such-chromium"


def test_missing_browser_in_ci_fails_the_run(missing_chromium: Path) -> None:
    with pytest.raises(pytest.fail.Exception, match=r"no-such-chromium.*CI is set"):
        require_browser(missing_chromium, {"CI": "true"})


@pytest.mark.parametrize("value", ["true", "TRUE", "1", "yes"])
def test_missing_browser_fails_for_each_way_ci_says_so(missing_chromium: Path, value: str) -> None:
    with pytest.raises(pytest.fail.Exception):
        require_browser(missing_chromium, {"CI": value})


@pytest.mark.parametrize("environ", [{}, {"CI": ""}, {"CI": "false"}, {"CI": "0"}])
def test_missing_browser_outside_ci_skips(missing_chromium: Path, environ: dict[str, str]) -> None:
    with pytest.raises(pytest.skip.Exception, match="no-such-chromium"):
        require_browser(missing_chromium, environ)


@pytest.mark.parametrize("environ", [{}, {"CI": "true"}])
def test_present_browser_neither_skips_nor_fails(tmp_path: Path, environ: dict[str, str]) -> None:
    chromium = tmp_path / "chromium"
    chromium.touch()

    require_browser(chromium, environ)  # raises nothing

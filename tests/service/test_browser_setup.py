"""The browser tests cannot pass unnoticed in CI: without Chromium they skip locally but fail when CI=true."""

import pytest

from tests.helpers import require_browser


def test_missing_chromium_skips_locally_and_fails_in_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="/nowhere/chromium missing"):
        require_browser("/nowhere/chromium")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true and /nowhere/chromium missing"):
        require_browser("/nowhere/chromium")

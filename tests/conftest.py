"""Fixtures shared by every test area."""
from __future__ import annotations

import pytest

from clincode.config import Settings, get_settings


@pytest.fixture(scope="session")
def settings() -> Settings:
    s = get_settings()
    if s.classification_dir is None:
        pytest.skip("../shared/data/classifications is not beside the checkout")
    return s


@pytest.fixture(scope="session")
def shared_data(settings):
    """The ../shared/data folder (classifications, index, CodiEsp, uk_dev)."""
    return settings.classification_dir.parent


@pytest.fixture(scope="session")
def classifications(settings):
    from clincode.classification import load_classifications

    return load_classifications(settings)

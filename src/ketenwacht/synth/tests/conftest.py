from pathlib import Path

import pytest


@pytest.fixture
def var_dir(settings, tmp_path: Path) -> Path:
    """A throwaway VAR_DIR, so tests never touch the developer's var/demo-credentials.json."""
    settings.VAR_DIR = tmp_path / "var"
    return settings.VAR_DIR

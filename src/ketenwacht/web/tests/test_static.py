"""The NL Design System files are bundled, intact, and survive production's collectstatic."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings

STATIC = Path(__file__).resolve().parent.parent / "static" / "web"
VENDOR = STATIC / "vendor"


def _recorded_checksums() -> dict[str, str]:
    readme = (VENDOR / "README.md").read_text()
    return dict(
        (path, digest) for digest, path in re.findall(r"^([0-9a-f]{64})  (\S+)$", readme, re.M)
    )


def test_every_vendored_file_is_recorded_with_its_checksum() -> None:
    recorded = _recorded_checksums()
    on_disk = {
        str(path.relative_to(VENDOR))
        for path in VENDOR.rglob("*")
        if path.is_file() and path.name not in {"README.md", "LICENSE", "LICENSE.md"}
    }
    assert set(recorded) == on_disk
    for name, digest in recorded.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name


def test_every_vendored_package_keeps_its_licence() -> None:
    for folder in (path for path in VENDOR.iterdir() if path.is_dir()):
        assert {"LICENSE", "LICENSE.md"} & {p.name for p in folder.iterdir()}, folder.name


@pytest.mark.django_db
def test_pages_load_nothing_from_other_hosts(client: Client) -> None:
    content = client.get("/").content.decode()
    references = re.findall(r'(?:href|src)="([^"#]+)"', content)
    assert references, "the page references no files at all"
    assert not [ref for ref in references if "//" in ref], "external reference on the home page"


def test_collectstatic_with_the_production_storage(tmp_path: Path) -> None:
    """ManifestStaticFilesStorage resolves every url() and sourceMappingURL in our CSS."""
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)
    css = next((tmp_path / "web" / "css").glob("ketenwacht.*.css")).read_text()
    fonts = re.findall(r'url\("([^"]+\.woff2)"\)', css)
    assert len(fonts) == 3
    for font in fonts:  # hashed names, pointing at files that exist
        assert re.search(r"\.[0-9a-f]{12}\.woff2$", font)
        assert (tmp_path / "web" / "css" / font).resolve().exists()

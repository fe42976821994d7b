"""SCORM packages of the course: `flask course scorm` and the download in Beheer.

One package holds one SCO per module (or only the module asked for). A SCO is a small static
page set: the lesson, then the quiz, drawn and graded in the learner's browser by
sco/sco.js, which reports to the LMS through the SCORM API (1.2 or 2004 4th edition). There
is no server in an LMS, so the right answers are in the package (README says so plainly).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..core.dutch import plural
from ..course.model import Course, Module, Question
from ..learning.questions import type_of
from .shapes import items_of, shape_of

VERSIONS = ("1.2", "2004")
ASSETS = Path(__file__).parent / "sco"
SHARED = ("shared/sco.css", "shared/sco.js")
# A fixed time for every file in the zip: the same course gives the same bytes.
ZIP_TIME = (2026, 1, 1, 0, 0, 0)

NS_12 = {
    "": "http://www.imsproject.org/xsd/imscp_rootv1p1p2",
    "adlcp": "http://www.adlnet.org/xsd/adlcp_rootv1p2",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}
SCHEMAS_12 = (
    "http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd "
    "http://www.adlnet.org/xsd/adlcp_rootv1p2 adlcp_rootv1p2.xsd"
)
NS_2004 = {
    "": "http://www.imsglobal.org/xsd/imscp_v1p1",
    "adlcp": "http://www.adlnet.org/xsd/adlcp_v1p3",
    "adlseq": "http://www.adlnet.org/xsd/adlseq_v1p3",
    "adlnav": "http://www.adlnet.org/xsd/adlnav_v1p3",
    "imsss": "http://www.imsglobal.org/xsd/imsss",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}
SCHEMAS_2004 = (
    "http://www.imsglobal.org/xsd/imscp_v1p1 imscp_v1p1.xsd "
    "http://www.adlnet.org/xsd/adlcp_v1p3 adlcp_v1p3.xsd "
    "http://www.adlnet.org/xsd/adlseq_v1p3 adlseq_v1p3.xsd "
    "http://www.adlnet.org/xsd/adlnav_v1p3 adlnav_v1p3.xsd "
    "http://www.imsglobal.org/xsd/imsss imsss_v1p0.xsd"
)


class PackageError(Exception):
    """The package cannot be made as asked; the message is Dutch."""


@dataclass(frozen=True)
class Package:
    filename: str
    data: bytes
    modules: tuple[Module, ...]


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(ASSETS),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def question_data(question: Question) -> dict:
    """One question as sco.js reads it: the shape from the registry, texts and the key."""
    shape = shape_of(question)
    data = {
        "id": question.id,
        "kind": shape.interaction,
        "prompt": question.prompt,
        "items": [
            {"id": item.id, "text": item.text, "feedback": item.feedback}
            | ({} if shape.interaction == "sequencing" else {"correct": item.correct})
            for item in items_of(question)
        ],
    }
    if shape.multiple:
        data["multiple"] = True
    if question.situation:
        data["situation"] = question.situation
    if question.main:
        data["main"] = True
    if type_of(question).rule:  # how the type is scored, said with the question (ordering)
        data["rule"] = type_of(question).rule
    return data


def module_data(module: Module, version: str) -> dict:
    """What a module's SCO needs besides its lesson: the quiz and the SCORM version."""
    return {
        "scorm": version,
        "slug": module.slug,
        "title": module.title,
        "passMark": module.quiz.pass_mark,
        "perAttempt": module.quiz.questions_per_attempt,
        "questions": [question_data(q) for q in module.quiz.questions],
    }


def scrollable_tables(html: str) -> str:
    """A wide table scrolls on its own on a phone, in a region the keyboard can reach."""
    parts = html.split("<table>")
    out = parts[0]
    for number, rest in enumerate(parts[1:], 1):
        region = (
            f'<div class="table-scroll" tabindex="0" role="region" aria-label="Tabel {number}">'
        )
        out += region + "<table>" + rest.replace("</table>", "</table></div>", 1)
    return out


def sco_files(module: Module, version: str) -> dict[str, bytes]:
    """The files of one module's SCO, by their path in the package."""
    page = (
        _environment()
        .get_template("index.html")
        .render(
            module=module,
            lesson_html=scrollable_tables(module.lesson.html),
            minutes=plural(module.lesson.reading_minutes, "minuut", "minuten"),
        )
    )
    data = json.dumps(module_data(module, version), ensure_ascii=False, separators=(",", ":"))
    return {
        f"{module.slug}/index.html": page.encode(),
        f"{module.slug}/data.js": f"window.KLANTWIJS_SCO = {data};\n".encode(),
    }


def _identifier(modules: tuple[Module, ...], version: str) -> str:
    """A manifest identifier that changes with the content (LMSs spot a new version)."""
    digest = hashlib.sha256(
        "|".join(f"{m.slug}:{m.quiz.version}" for m in modules).encode()
    ).hexdigest()[:12]
    name = modules[0].slug if len(modules) == 1 else "cursus"
    return f"klantwijs-{name}-scorm{version.replace('.', '')}-{digest}"


def _element(parent, tag: str, text: str | None = None, **attrs) -> ET.Element:
    element = ET.SubElement(parent, tag, {k.replace("__", ":"): v for k, v in attrs.items()})
    if text is not None:
        element.text = text
    return element


def manifest(modules: tuple[Module, ...], version: str, title: str, files: dict) -> bytes:
    """imsmanifest.xml: one organisation, an item and a SCO resource per module, the shared
    files as an asset both versions' SCOs depend on."""
    ns = NS_12 if version == "1.2" else NS_2004
    for prefix, uri in ns.items():
        ET.register_namespace(prefix, uri)

    def q(name: str) -> str:
        prefix, _, local = name.rpartition(":")
        return f"{{{ns[prefix]}}}{local}"

    root = ET.Element(
        q("manifest"),
        {
            "identifier": _identifier(modules, version),
            "version": "1",
            q("xsi:schemaLocation"): SCHEMAS_12 if version == "1.2" else SCHEMAS_2004,
        },
    )
    metadata = _element(root, q("metadata"))
    _element(metadata, q("schema"), "ADL SCORM")
    _element(metadata, q("schemaversion"), "1.2" if version == "1.2" else "2004 4th Edition")
    organizations = _element(root, q("organizations"), default="klantwijs")
    organization = _element(organizations, q("organization"), identifier="klantwijs")
    _element(organization, q("title"), title)
    resources = _element(root, q("resources"))
    for module in modules:
        item = _element(
            organization,
            q("item"),
            identifier=f"item-{module.slug}",
            identifierref=f"sco-{module.slug}",
        )
        _element(item, q("title"), module.title)
        if version == "1.2":
            _element(item, q("adlcp:masteryscore"), str(module.quiz.pass_mark))
        else:
            sequencing = _element(item, q("imsss:sequencing"))
            objectives = _element(sequencing, q("imsss:objectives"))
            primary = _element(
                objectives,
                q("imsss:primaryObjective"),
                objectiveID=f"toets-{module.slug}",
                satisfiedByMeasure="true",
            )
            _element(primary, q("imsss:minNormalizedMeasure"), f"{module.quiz.pass_mark / 100:g}")
        resource = ET.SubElement(
            resources,
            q("resource"),
            {
                "identifier": f"sco-{module.slug}",
                "type": "webcontent",
                q("adlcp:scormtype" if version == "1.2" else "adlcp:scormType"): "sco",
                "href": f"{module.slug}/index.html",
            },
        )
        for path in sorted(p for p in files if p.startswith(f"{module.slug}/")):
            _element(resource, q("file"), href=path)
        _element(resource, q("dependency"), identifierref="gedeeld")
    if version == "2004":
        sequencing = _element(organization, q("imsss:sequencing"))
        _element(sequencing, q("imsss:controlMode"), choice="true", flow="true")
    shared = ET.SubElement(
        resources,
        q("resource"),
        {
            "identifier": "gedeeld",
            "type": "webcontent",
            q("adlcp:scormtype" if version == "1.2" else "adlcp:scormType"): "asset",
        },
    )
    for path in SHARED:
        _element(shared, q("file"), href=path)
    ET.indent(root)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True) + b"\n"


def build_package(course: Course, version: str, slug: str | None = None) -> Package:
    """The SCORM package of the whole course, or of one module (slug)."""
    if version not in VERSIONS:
        raise PackageError(f"onbekende SCORM-versie '{version}' (kies 1.2 of 2004)")
    if slug is None:
        modules = course.modules
    else:
        module = course.get(slug)
        if module is None:
            known = ", ".join(m.slug for m in course.modules)
            raise PackageError(f"module '{slug}' bestaat niet (kies uit: {known})")
        modules = (module,)
    if not modules:
        raise PackageError("de cursus heeft geen modules")
    files: dict[str, bytes] = {}
    for module in modules:
        files.update(sco_files(module, version))
    for path in SHARED:
        files[path] = (ASSETS / Path(path).name).read_bytes()
    title = modules[0].title if len(modules) == 1 else "Klantwijs: omgaan met lastige klanten"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        entries = {"imsmanifest.xml": manifest(modules, version, title, files), **files}
        for path, data in entries.items():
            info = zipfile.ZipInfo(path, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    name = slug or "cursus"
    return Package(
        f"klantwijs-{name}-scorm{version.replace('.', '')}.zip", buffer.getvalue(), modules
    )

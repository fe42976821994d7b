"""SCORM packages: the manifests against the official ADL/IMS schemas, what the package holds,
its size, the `flask course scorm` command and the download in Beheer.

The SCOs themselves run in Chromium against scorm-again in tests/browser/test_scorm_browser.py.
"""

import io
import json
import re
import zipfile
from pathlib import Path

import pytest

from klantwijs.course import load_course
from klantwijs.interop.scorm import build_package
from tests.interop.tools import scorm_schema

ROOT = Path(__file__).parent.parent
MB = 1024 * 1024


@pytest.fixture(scope="module")
def real_course():
    return load_course(ROOT / "lessons", ROOT / "quiz")


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


def sco_data(files: dict[str, bytes], slug: str) -> dict:
    text = files[f"{slug}/data.js"].decode()
    return json.loads(text.removeprefix("window.KLANTWIJS_SCO = ").rstrip().removesuffix(";"))


@pytest.mark.parametrize("version", ["1.2", "2004"])
def test_manifest_of_the_whole_course_is_valid_against_the_official_schema(
    real_course, version, tmp_path
):
    schema = scorm_schema(version, tmp_path)
    manifest = unzip(build_package(real_course, version).data)["imsmanifest.xml"]
    errors = [str(e).splitlines()[0] for e in schema.iter_errors(manifest.decode())]
    assert errors == []


@pytest.mark.parametrize("version", ["1.2", "2004"])
def test_the_schema_check_catches_a_broken_manifest(real_course, version, tmp_path):
    """Control: the validator is not a rubber stamp (an item without its identifier)."""
    schema = scorm_schema(version, tmp_path)
    manifest = unzip(build_package(real_course, version).data)["imsmanifest.xml"].decode()
    broken = manifest.replace('identifier="item-stopt" ', "", 1)
    assert broken != manifest
    assert not schema.is_valid(broken)


@pytest.mark.parametrize("version", ["1.2", "2004"])
def test_manifest_of_one_module_is_valid(real_course, version, tmp_path):
    schema = scorm_schema(version, tmp_path)
    package = build_package(real_course, version, "hoofd-koel")
    files = unzip(package.data)
    assert schema.is_valid(files["imsmanifest.xml"].decode())
    assert sorted(files) == [
        "hoofd-koel/data.js",
        "hoofd-koel/index.html",
        "imsmanifest.xml",
        "shared/sco.css",
        "shared/sco.js",
    ]
    assert package.filename == f"klantwijs-hoofd-koel-scorm{version.replace('.', '')}.zip"


def test_scorm_12_package_of_the_whole_course_stays_under_one_megabyte(real_course):
    package = build_package(real_course, "1.2")
    assert len(package.data) < 1 * MB, f"{len(package.data) / 1024:.0f} kB"


@pytest.mark.parametrize("version", ["1.2", "2004"])
def test_one_sco_per_module_with_its_lesson_and_every_question(real_course, version):
    files = unzip(build_package(real_course, version).data)
    manifest = files["imsmanifest.xml"].decode()
    for module in real_course.modules:
        assert f'identifierref="sco-{module.slug}"' in manifest
        assert f'href="{module.slug}/index.html"' in manifest
        page = files[f"{module.slug}/index.html"].decode()
        assert module.lesson.sections[0].title.split(":")[0] in page
        data = sco_data(files, module.slug)
        assert data["scorm"] == version
        assert data["passMark"] == module.quiz.pass_mark
        assert data["perAttempt"] == module.quiz.questions_per_attempt
        assert [q["id"] for q in data["questions"]] == [q.id for q in module.quiz.questions]
    if version == "1.2":
        assert manifest.count("<adlcp:masteryscore>80</adlcp:masteryscore>") == 6
    else:
        assert manifest.count("<imsss:minNormalizedMeasure>0.8</imsss:minNormalizedMeasure>") == 6


def test_question_data_follows_the_registry_shapes(real_course):
    """choice/sequencing, several answers, the customer's words and the key per item."""
    files = unzip(build_package(real_course, "2004", "stopt").data)
    data = sco_data(files, "stopt")
    module = real_course.get("stopt")
    for question, shown in zip(module.quiz.questions, data["questions"], strict=True):
        assert shown["prompt"] == question.prompt
        assert shown.get("situation") == question.situation
        if question.type == "ordering":
            assert shown["kind"] == "sequencing"
            assert [i["id"] for i in shown["items"]] == list(question.correct_order)
            assert "Zo telt" in shown["rule"] or "langste reeks" in shown["rule"]
        else:
            assert shown["kind"] == "choice"
            assert shown.get("multiple", False) == (question.type == "multi")
            assert {i["id"] for i in shown["items"] if i["correct"]} == question.correct_option_ids
            assert all(i["feedback"] for i in shown["items"])


def test_package_is_self_contained(real_course):
    """No address outside the package (the manifest's schema namespaces aside), no inline
    script, every file the manifest names is in the zip and every page's links resolve."""
    files = unzip(build_package(real_course, "1.2").data)
    manifest = files.pop("imsmanifest.xml").decode()
    for path, data in files.items():
        text = data.decode()
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.I), path
        if path.endswith(".html"):
            assert not re.search(r"<script(?![^>]*\ssrc=)", text), f"inline script in {path}"
            for ref in re.findall(r'(?:src|href)="([^"#][^"]*)"', text):
                target = (Path(path).parent / ref).as_posix()
                target = re.sub(r"[^/]+/\.\./", "", target)
                assert target in files, f"{path} links to {ref}, not in the package"
    named = set(re.findall(r'<file href="([^"]+)"', manifest))
    assert named == set(files)


def test_same_content_gives_the_same_package(real_course):
    assert build_package(real_course, "2004").data == build_package(real_course, "2004").data


def test_a_new_quiz_version_changes_the_manifest_identifier(tmp_path, real_course):
    import shutil

    shutil.copytree(ROOT / "lessons", tmp_path / "lessons")
    shutil.copytree(ROOT / "quiz", tmp_path / "quiz")
    quiz = tmp_path / "quiz" / "stopt.toml"
    quiz.write_text(quiz.read_text().replace("pass_mark = 80", "pass_mark = 70"))
    changed = load_course(tmp_path / "lessons", tmp_path / "quiz")
    old = unzip(build_package(real_course, "1.2").data)["imsmanifest.xml"].decode()
    new = unzip(build_package(changed, "1.2").data)["imsmanifest.xml"].decode()
    identifier = re.compile(r'<manifest[^>]* identifier="([^"]+)"')
    assert identifier.search(old).group(1) != identifier.search(new).group(1)
    assert "<adlcp:masteryscore>70</adlcp:masteryscore>" in new


# --- flask course scorm ------------------------------------------------------------------


@pytest.mark.parametrize("version", ["1.2", "2004"])
def test_cli_writes_the_package(runner, tmp_path, version):
    out = tmp_path / "cursus.zip"
    result = runner.invoke(args=["course", "scorm", "--version", version, str(out)])
    assert result.exit_code == 0, result.output
    assert f"SCORM {version}, 2 SCO('s) (alpha, beta)" in result.output
    assert sorted(p for p in unzip(out.read_bytes()) if p.endswith("index.html")) == [
        "alpha/index.html",
        "beta/index.html",
    ]


def test_cli_writes_one_module(runner, tmp_path):
    out = tmp_path / "beta.zip"
    result = runner.invoke(
        args=["course", "scorm", "--version", "1.2", str(out), "--module", "beta"]
    )
    assert result.exit_code == 0, result.output
    assert "alpha/index.html" not in unzip(out.read_bytes())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--version", "3", "x.zip"], "'3' is not one of '1.2', '2004'"),
        (
            ["--version", "1.2", "x.zip", "--module", "bestaat-niet"],
            "module 'bestaat-niet' bestaat niet",
        ),
        (["--version", "1.2", "x.txt"], "een SCORM-pakket is een .zip-bestand"),
        (["--version", "1.2", "/geen/map/x.zip"], "kan niet schrijven"),
    ],
)
def test_cli_refuses_bad_input_with_a_clear_message(runner, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(args=["course", "scorm", *args])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "x.zip").exists()


# --- Beheer: /beheer/export --------------------------------------------------------------


def test_beheer_start_page_links_to_the_download(client, hr):
    page = client.get("/beheer/")
    assert 'href="/beheer/export/"' in page.text


def test_hr_downloads_a_package_for_the_lms(client, hr):
    page = client.get("/beheer/export/")
    assert page.status_code == 200
    assert "Wie de bestanden in het pakket leest, kan de goede antwoorden vinden" in page.text
    assert '<label for="versie">SCORM-versie</label>' in page.text
    response = client.get("/beheer/export/scorm?versie=2004&module=alpha")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert 'filename="klantwijs-alpha-scorm2004.zip"' in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    files = unzip(response.data)
    assert "alpha/index.html" in files and "beta/index.html" not in files
    whole = unzip(client.get("/beheer/export/scorm?versie=1.2&module=").data)
    assert {"alpha/index.html", "beta/index.html"} <= set(whole)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("versie=3&module=alpha", "Kies SCORM-versie 1.2 of 2004."),
        ("module=alpha", "Kies SCORM-versie 1.2 of 2004."),
        ("versie=1.2&module=gamma", "Deze module bestaat niet."),
        ("versie=1.2&module=" + "x" * 5000, "Deze module bestaat niet."),
        ("versie=%00%3Cscript%3E&module=alpha", "Kies SCORM-versie 1.2 of 2004."),
    ],
)
def test_download_with_a_wrong_choice_shows_the_page_with_the_reason(client, hr, query, message):
    response = client.get(f"/beheer/export/scorm?{query}")
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert message in response.text
    assert "<script>" not in response.text.split("</nav>", 1)[-1].replace("<script src", "")


@pytest.mark.parametrize("role", ["learner"])
def test_learners_cannot_download_packages(client, login_as, role):
    login_as(role)
    assert client.get("/beheer/export/").status_code == 403
    assert client.get("/beheer/export/scorm?versie=1.2").status_code == 403


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get("/beheer/export/scorm?versie=1.2")
    assert response.status_code == 302
    assert "/inloggen" in response.location

"""The HTML report: valid, self-contained, faithful to the model, and readable."""

from __future__ import annotations

import base64
import io
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

from PIL import Image  # noqa: E402

from numeral.cli import main  # noqa: E402
from numeral.cli.evaluate import evaluate_model  # noqa: E402
from numeral.modelfile import load_model  # noqa: E402
from numeral.report import build_report  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
VOID = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
SECTIONS = ["architecture", "configuration", "history", "test-set", "errors", "weights"]


class Page(HTMLParser):
    """Checks that every element is closed in order and collects what the tests need."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.problems: list[str] = []
        self.tags: list[str] = []
        self.images: list[dict] = []
        self.links: list[str] = []
        self.ids: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "img":
            self.images.append(attrs)
        for key in ("src", "href"):
            if key in attrs and tag != "img":
                self.links.append(attrs[key])
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
        else:
            self.open.pop()

    def handle_data(self, data):
        self.text.append(data)


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    return page


@pytest.fixture(scope="module")
def report_path(small_model_path, data_dir, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "report.html"
    code = main(
        [
            "report",
            str(small_model_path),
            "--out",
            str(out),
            "--data-dir",
            str(data_dir),
        ]
    )
    assert code == 0
    return out


@pytest.fixture(scope="module")
def page(report_path) -> Page:
    return parse(report_path.read_text(encoding="utf-8"))


def test_report_is_well_formed_html(report_path, page):
    assert report_path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert page.problems == []
    assert page.open == []
    assert page.tags[:3] == ["html", "head", "meta"]


def test_report_has_every_section(page):
    assert [i for i in page.ids if i in SECTIONS] == SECTIONS


def test_report_is_self_contained(page):
    # every image is embedded and every link stays inside the page
    assert all(
        image["src"].startswith("data:image/png;base64,") for image in page.images
    )
    assert all(link.startswith("#") for link in page.links)
    assert "script" not in page.tags and "link" not in page.tags


def test_embedded_images_decode_to_their_stated_size(page):
    # history, confusion matrix, per-class scores, errors, weights
    assert len(page.images) == 5
    for attrs in page.images:
        data = base64.b64decode(attrs["src"].split(",", 1)[1], validate=True)
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            assert image.format == "PNG"
            assert image.size == (int(attrs["width"]), int(attrs["height"]))
        assert attrs["alt"]


def test_report_states_the_models_own_figures(small_model_path, mnist, page):
    model = load_model(small_model_path)
    text = " ".join(page.text)
    measured = evaluate_model(model, mnist.test_images, mnist.test_labels)
    assert f"test accuracy {100 * measured['accuracy']:.2f}%" in text
    assert f"{model.network.n_parameters:,}" in text
    assert "784-64-10 relu/softmax on mnist" in text
    for record in model.metadata["history"]:
        assert f"{record['train_loss']:.4f}" in text
    assert small_model_path.name in text


def test_report_escapes_text_from_the_model_file(small_model_path, mnist):
    model = load_model(small_model_path)
    model.metadata["class_names"] = [f"<b>{i}</b>" for i in range(10)]
    page = parse(build_report(model, mnist, title="<i>x</i> & y"))
    assert "b" not in page.tags and "i" not in page.tags
    assert "<b>3</b>" in page.text
    assert "<i>x</i> & y" in page.text


def test_report_of_a_model_without_training_record(small_model_path, mnist):
    model = load_model(small_model_path)
    for key in ("history", "config", "metrics"):
        del model.metadata[key]
    page = parse(build_report(model, mnist))
    text = " ".join(page.text)
    assert "holds no training history" in text
    assert "does not record how it was trained" in text
    assert len(page.images) == 4  # everything but the history


@pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium")
def test_report_opens_in_headless_chromium(report_path, page, tmp_path):
    command = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu"]
    url = report_path.resolve().as_uri()

    # the browser's own parse of the page holds every section and image
    result = subprocess.run(
        [*command, "--dump-dom", url], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    dom = parse(result.stdout)
    assert [i for i in dom.ids if i in SECTIONS] == SECTIONS
    assert len(dom.images) == len(page.images)

    # and it draws them: a screenshot of the top holds the history plot's colours
    shot = tmp_path / "shot.png"
    result = subprocess.run(
        [*command, "--window-size=1200,3000", f"--screenshot={shot}", url],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    with Image.open(shot) as image:
        colours = {c for _, c in image.convert("RGB").getcolors(1 << 24)}
    assert (31, 119, 180) in colours  # matplotlib's first line colour, C0


def test_report_names_a_missing_data_set(small_model_path, tmp_path, capsys):
    out = tmp_path / "r.html"
    code = main(
        ["report", str(small_model_path), "--out", str(out)] + ["--dataset", "nope"]
    )
    assert code == 2
    assert "unknown data set 'nope'" in capsys.readouterr().err
    assert not out.exists()

"""The documentation site: `mkdocs build --strict` passes, the API reference shows every public name with its
docstring, and every page's python blocks are executed by some test.

The site is built once (into a temporary directory) for the tests of this module that read it.
"""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
SOURCES = [ROOT / "src", ROOT / "src" / "collections"]


def public_modules() -> list[str]:
    """Every public module that declares `__all__`: no path component private (``_name``), packages included."""
    found = []
    for base in SOURCES:
        for package in ("neuraltypes", "neuraltypes_collections"):
            for path in sorted((base / package).rglob("*.py")):
                parts = path.relative_to(base).with_suffix("").parts
                if parts[-1] == "__init__":
                    parts = parts[:-1]
                if any(part.startswith("_") for part in parts):
                    continue
                if re.search(r"^__all__\b", path.read_text(encoding="utf-8"), re.M):
                    found.append(".".join(parts))
    return sorted(found)


def reference_page(module: str) -> Path:
    """docs/reference/<the module path without its top package>.md; the top packages by their own names."""
    short = module.partition(".")[2] if module.count(".") else module
    if module.startswith("neuraltypes.") and not module.startswith("neuraltypes_collections"):
        short = module.removeprefix("neuraltypes.")
    elif module.startswith("neuraltypes_collections."):
        short = module.removeprefix("neuraltypes_collections.")
    return DOCS / "reference" / f"{short or module}.md"


def nav_pages(nav: list[object]) -> list[str]:
    pages: list[str] = []
    for entry in nav:
        values = entry.values() if isinstance(entry, dict) else [entry]
        for value in values:
            pages.extend(nav_pages(value) if isinstance(value, list) else [str(value)])
    return pages


def mkdocs_config() -> dict[str, object]:
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)  # noqa: S506
    assert isinstance(config, dict)
    return config


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    seconds = time.perf_counter() - start
    log = result.stdout + result.stderr
    assert result.returncode == 0, f"mkdocs build --strict failed after {seconds:.0f} s:\n{log}"
    assert "WARNING" not in log, log
    return out


def test_the_site_builds_with_every_page(site: Path) -> None:
    config = mkdocs_config()
    listed = nav_pages(config["nav"])  # type: ignore[arg-type]
    for page in listed:
        built = site / ("index.html" if page == "index.md" else page.removesuffix(".md") + "/index.html")
        assert built.is_file(), f"{page} is in the nav but was not built"
    # A page of docs/ left out of the nav would be unreachable (mkdocs.yml: omitted_files warns, so --strict fails).
    written = sorted(str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md"))
    assert sorted(listed) == written
    for image in ("voice_swap.png", "spectrogram.png", "alignment.png"):
        assert (site / "images" / image).stat().st_size > 5_000
        assert (DOCS / "images" / image).stat().st_size < 250_000, f"{image}: keep the committed pictures small"
    home = (site / "index.html").read_text(encoding="utf-8")
    assert all(f'src="images/{image}"' in home for image in ("voice_swap.png", "spectrogram.png", "alignment.png"))


def test_the_benchmarks_page_quotes_the_measured_tables(site: Path) -> None:
    source = (DOCS / "benchmarks.md").read_text(encoding="utf-8")
    quotes = re.findall(r"^<!-- quote(?:-text)?: ", source, re.M)
    page = (site / "benchmarks" / "index.html").read_text(encoding="utf-8")
    assert len(quotes) >= 6 and page.count("Quoted from") == len(quotes)
    assert "<!-- quote" not in page
    # the README's contract-overhead table, row for row
    assert "jaxtyping + beartype" in page and "neuraltypes, full checking" in page
    assert page.count("<table>") >= 5


def test_every_public_module_has_a_reference_page_in_the_nav() -> None:
    listed = set(nav_pages(mkdocs_config()["nav"]))  # type: ignore[arg-type]
    for module in public_modules():
        page = reference_page(module)
        assert page.is_file(), f"{module} declares __all__ but has no reference page {page.relative_to(ROOT)}"
        assert f"::: {module}" in page.read_text(encoding="utf-8"), f"{page.name} does not render {module}"
        assert str(page.relative_to(DOCS)) in listed, f"{page.relative_to(ROOT)} is not in mkdocs.yml's nav"


def test_every_public_name_appears_in_the_api_reference(site: Path) -> None:
    tags = importlib.import_module("neuraltypes.tags")
    tags_page = (site / "reference" / "tags" / "index.html").read_text(encoding="utf-8")
    missing = []
    for module in public_modules():
        page = reference_page(module).relative_to(DOCS).with_suffix("")
        html = (site / page / "index.html").read_text(encoding="utf-8")
        anchors = set(re.findall(r'id="([\w.]+)"', html))
        for name in importlib.import_module(module).__all__:
            if f"{module}.{name}" in anchors:
                continue
            # static checkers (and so griffe) read the top-level tag names as typing.Annotated: they are documented
            # as the classes they are, in neuraltypes.tags, and `tags` itself is that page
            if module == "neuraltypes" and (name == "tags" or name in tags.__all__):
                if name == "tags" or f'id="neuraltypes.tags.{name}"' in tags_page:
                    continue
            missing.append(f"{module}.{name}")
    assert not missing, f"{len(missing)} public name(s) absent from the API reference: {missing}"


def test_every_public_name_has_a_docstring() -> None:
    """What the reference renders: griffe's static view, with the '#:' comments mkdocs.yml's extension reads."""
    import griffe

    extensions = griffe.load_extensions(str(DOCS / "hooks" / "griffe_docstrings.py"))
    loaded = {
        package: griffe.load(package, search_paths=[str(p) for p in SOURCES], extensions=extensions)
        for package in ("neuraltypes", "neuraltypes_collections")
    }
    undocumented = []
    for module in public_modules():
        package, _, rest = module.partition(".")
        static = loaded[package][rest] if rest else loaded[package]
        for name in importlib.import_module(module).__all__:
            if module == "neuraltypes" and name != "tags" and name in importlib.import_module("neuraltypes.tags").__all__:
                static_member = loaded["neuraltypes"]["tags"][name]
            else:
                static_member = static[name]
            docstring = static_member.docstring
            if docstring is None or not docstring.value.strip():
                undocumented.append(f"{module}.{name}")
    assert not undocumented, f"public names without a docstring: {undocumented}"


def test_the_tags_page_lists_every_tag() -> None:
    tags = importlib.import_module("neuraltypes.tags")
    listed = re.findall(r"^\s+- (\w+)$", (DOCS / "reference" / "tags.md").read_text(encoding="utf-8"), re.M)
    assert sorted(listed) == sorted(tags.__all__)


def test_every_page_with_python_blocks_is_executed_by_a_test() -> None:
    """Each page's ```python blocks are run by a test that names the page and runs such blocks (the page tests
    each read one page, run its blocks in order in one namespace and fail on the first that raises)."""
    runners = [
        path.read_text(encoding="utf-8") for path in (ROOT / "tests").rglob("test_*.py")
        if path.resolve() != Path(__file__).resolve() and "```python" in path.read_text(encoding="utf-8")
    ]
    pages = [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]
    unrun = [
        str(page.relative_to(ROOT)) for page in pages
        if "```python" in page.read_text(encoding="utf-8")
        and not any(re.search(rf'["/]{re.escape(page.name)}"', text) for text in runners)
    ]
    assert not unrun, f"pages whose python blocks no test runs: {unrun}"

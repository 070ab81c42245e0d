"""docs/ names the modules and tests that implement each rule and defence: every path and
test it names must exist, so the pages cannot drift from the code unnoticed."""

import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = sorted((ROOT / "docs").glob("*.md"))
CODE = re.compile(r"`([^`]+)`")
PATH = re.compile(r"^(supportdesk|tests|config|bench|docs)/[\w./-]*$")
TEST = re.compile(r"^test_\w+$")


def _references() -> set[str]:
    refs = set()
    for page in DOCS:
        for ref in CODE.findall(page.read_text(encoding="utf-8")):
            path = ref.split("::", 1)[0]
            if PATH.match(path) or TEST.match(ref):
                refs.add(ref)
    return refs


def _defines(path: Path, name: str) -> bool:
    return re.search(rf"def {re.escape(name)}\b", path.read_text(encoding="utf-8")) is not None


@cache
def _all_tests() -> str:
    return "\n".join(p.read_text(encoding="utf-8")
                     for folder in ("supportdesk", "tests")
                     for p in (ROOT / folder).rglob("test*.py"))


def test_docs_name_some_code():
    assert DOCS, "docs/ is missing"
    assert len(_references()) > 50  # the pages cite the code; an empty set checks nothing


@pytest.mark.parametrize("ref", sorted(_references()))
def test_every_path_and_test_named_in_docs_exists(ref):
    if TEST.match(ref):
        assert re.search(rf"def {ref}\b", _all_tests()), f"no test named {ref}"
        return
    path, _, name = ref.partition("::")
    target = ROOT / path.rstrip("/")
    assert target.exists(), f"{path} does not exist"
    if name:
        assert _defines(target, name.split("::")[-1]), f"{path} has no {name}"

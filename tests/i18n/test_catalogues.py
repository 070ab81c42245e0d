"""Issue 14: the Greek catalogues are complete, as `msgfmt --statistics` counts them: no
untranslated and no fuzzy message in any of them (a fuzzy one is not used at all, so the
page falls back to English)."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(ROOT.glob("supportdesk/**/locale*/el/LC_MESSAGES/django.po"))


def test_there_are_greek_catalogues():
    assert len(CATALOGUES) >= 8


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext (msgfmt) is not installed")
@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_greek_catalogue_has_no_untranslated_or_fuzzy_message(po):
    result = subprocess.run(["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    stats = result.stderr.strip().splitlines()[-1]
    assert re.fullmatch(r"\d+ translated messages?\.", stats), stats

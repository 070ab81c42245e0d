"""Where the official schema files are, which versions are pinned, and their checksums.

The files are AADE's, OASIS's, CEN's and OpenPEPPOL's, unmodified; each folder's SOURCE.md
(docs/einvoicing.md "Schemas and their sources") names the repository, path, commit, version
and licence and the SHA-256 of every file, and ``schema_problems()`` refuses a folder whose
files are missing or differ. The root is ``settings.SUPPORTDESK_EINVOICING_SCHEMAS`` when
set, else the app's ``schemas/`` folder.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from pathlib import Path

from django.conf import settings

APP_SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"

MYDATA_VERSION = "1.0.12"
UBL_VERSION = "2.1"
CEN_VERSION = "1.3.16"
PEPPOL_VERSION = "3.0.19"
SCHXSLT_VERSION = "1.3.4"

MYDATA_DIR = f"mydata/{MYDATA_VERSION}"
UBL_DIR = f"ubl/{UBL_VERSION}"
CEN_DIR = f"cen-en16931/{CEN_VERSION}"
PEPPOL_DIR = f"peppol-bis-billing/{PEPPOL_VERSION}"
SCHXSLT_DIR = f"schxslt2/{SCHXSLT_VERSION}"

MYDATA_XSD = f"{MYDATA_DIR}/InvoicesDoc-v{MYDATA_VERSION}.xsd"
UBL_INVOICE_XSD = f"{UBL_DIR}/maindoc/UBL-Invoice-2.1.xsd"
UBL_CREDIT_NOTE_XSD = f"{UBL_DIR}/maindoc/UBL-CreditNote-2.1.xsd"
CEN_XSLT = f"{CEN_DIR}/EN16931-UBL-validation.xslt"
PEPPOL_SCH = f"{PEPPOL_DIR}/PEPPOL-EN16931-UBL.sch"
SCHXSLT_TRANSPILER = f"{SCHXSLT_DIR}/transpile.xsl"

FOLDERS = {"mydata": (MYDATA_DIR,), "ubl": (UBL_DIR, CEN_DIR, PEPPOL_DIR, SCHXSLT_DIR)}

_CHECKSUM = re.compile(r"^\|\s*`([^`]+)`\s*\|\s*`([0-9a-f]{64})`\s*\|", re.MULTILINE)


def schema_root() -> Path:
    configured = getattr(settings, "SUPPORTDESK_EINVOICING_SCHEMAS", "")
    return Path(configured) if configured else APP_SCHEMAS


def schema_path(relative: str) -> Path:
    return schema_root() / relative


def pinned_checksums(folder: str) -> dict[str, str]:
    """``{file name: sha256}`` from the folder's SOURCE.md (kept in the repository)."""
    text = (APP_SCHEMAS / folder / "SOURCE.md").read_text(encoding="utf-8")
    return dict(_CHECKSUM.findall(text))


@cache
def _folder_problems(root: str, folder: str) -> tuple[str, ...]:
    found = []
    for name, digest in pinned_checksums(folder).items():
        path = Path(root) / folder / name
        if not path.is_file():
            found.append(f"{folder}/{name} is missing")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            found.append(f"{folder}/{name} differs from the pinned official file")
    return tuple(found)


def schema_problems(fmt: str) -> list[str]:
    """What keeps ``fmt``'s official files from being used: missing or changed files."""
    root = str(schema_root())
    return [msg for folder in FOLDERS[fmt] for msg in _folder_problems(root, folder)]

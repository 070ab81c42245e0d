"""Validation of the two exports with the official files (docs/einvoicing.md).

myDATA: AADE's XSD through ``xmlschema``. UBL: the OASIS UBL 2.1 XSD through ``xmlschema``,
then the EN 16931 rules (CEN's published XSLT) and the Peppol BIS Billing 3.0 rules (the
OpenPEPPOL Schematron compiled with SchXslt2) through Saxon (``saxonche``). Each finding
becomes a ``Problem`` whose message is the validator's own and whose field is the element's
path; only fatal/error findings count (Schematron warnings do not stop a document).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import cache

import xmlschema
from django.utils.translation import gettext_lazy
from lxml import etree

from . import schemas

SVRL = "http://purl.oclc.org/dsdl/svrl"
DTD_REFUSED = gettext_lazy("A document with a DTD is refused.")
_lock = threading.Lock()


@dataclass(frozen=True)
class Problem:
    """One reason a document cannot be sent: where (``field``) and the validator's words."""

    field: str
    message: str


@cache
def _xsd(relative: str, root: str) -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(schemas.schema_path(relative)))


class _Saxon:
    """One Saxon processor and the compiled rule sets, made on first use."""

    def __init__(self) -> None:
        from saxonche import PySaxonProcessor  # noqa: PLC0415 (native library, loaded on use)

        self.processor = PySaxonProcessor(license=False)
        xslt = self.processor.new_xslt30_processor()
        transpiler = xslt.compile_stylesheet(
            stylesheet_file=str(schemas.schema_path(schemas.SCHXSLT_TRANSPILER)))
        peppol = transpiler.transform_to_string(
            source_file=str(schemas.schema_path(schemas.PEPPOL_SCH)))
        self.rule_sets = [
            xslt.compile_stylesheet(stylesheet_file=str(schemas.schema_path(schemas.CEN_XSLT))),
            xslt.compile_stylesheet(stylesheet_text=peppol),
        ]

    def svrl(self, data: bytes) -> list[bytes]:
        node = self.processor.parse_xml(xml_text=data.decode("utf-8"))
        return [rules.transform_to_string(xdm_node=node).encode("utf-8")
                for rules in self.rule_sets]


@cache
def _saxon(root: str) -> _Saxon:
    return _Saxon()


_NAMESPACED_STEP = re.compile(r"\*:([A-Za-z]+)\[namespace-uri\(\)='[^']*'\]")
_PREFIX = re.compile(r"\b[a-z]+:")
# "[1]" means nothing but after a line element, where it is the line's number.
_FIRST = re.compile(r"(?<!invoiceDetails)(?<!InvoiceLine)(?<!CreditNoteLine)\[1\]")


def human_path(path: str | None, *, drop: tuple[str, ...] = ()) -> str:
    """"/*:Invoice[namespace-uri()='...'][1]/*:AccountingCustomerParty[...][1]/..." or
    "/inv:InvoicesDoc/inv:invoice/inv:counterpart" -> "AccountingCustomerParty..." /
    "counterpart" (the document element and first-of-one indexes dropped)."""
    if not path:
        return ""
    text = _PREFIX.sub("", _NAMESPACED_STEP.sub(r"\1", path))
    steps = [s for s in _FIRST.sub("", text).split("/") if s]
    while steps and steps[0].split("[")[0] in drop:
        steps.pop(0)
    return ".".join(steps)


_UNNUMBERED_LINE = re.compile(r"\b(invoiceDetails|InvoiceLine|CreditNoteLine)(?!\[)")
_EXPECTED = re.compile(r"Tag '(?:[A-Za-z]+:)?([A-Za-z]+)' expected")


def _xsd_problems(data, relative: str, drop: tuple[str, ...]) -> list[Problem]:
    schema = _xsd(relative, str(schemas.schema_root()))
    found = []
    for error in schema.iter_errors(data):
        field = human_path(error.path, drop=drop)
        reason = error.reason or error.message
        expected = _EXPECTED.search(reason or "")
        if expected:
            field = f"{field}.{expected.group(1)}" if field else expected.group(1)
        # xmlschema writes the first of several lines without an index: make it line 1.
        field = _UNNUMBERED_LINE.sub(r"\1[1]", field)
        found.append(Problem(field=field, message=str(reason)))
    return found


def _svrl_problems(svrl: bytes) -> list[Problem]:
    tree = etree.fromstring(svrl)
    found = []
    for failure in tree.iter(f"{{{SVRL}}}failed-assert", f"{{{SVRL}}}successful-report"):
        if (failure.get("flag") or "fatal") not in ("fatal", "error"):
            continue
        text = " ".join("".join(failure.findtext(f"{{{SVRL}}}text") or "").split())
        rule = failure.get("id") or ""
        message = text if text.startswith(f"[{rule}]") or not rule else f"[{rule}] {text}"
        found.append(Problem(field=human_path(failure.get("location"),
                                              drop=("Invoice", "CreditNote")),
                             message=message))
    return found


def _safe_parser() -> etree.XMLParser:
    """No entities resolved, no DTD loaded, nothing fetched: the bytes may come from outside."""
    return etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True,
                           huge_tree=False, remove_comments=True)


def _missing(fmt: str) -> list[Problem]:
    return [Problem(field="schema", message=msg) for msg in schemas.schema_problems(fmt)]


def validate_xml(data: bytes, fmt: str) -> list[Problem]:
    """The problems of a myDATA or UBL document (bytes); ``[]`` means valid."""
    missing = _missing(fmt)
    if missing:
        return missing  # no official file, no verdict: never "valid" by default
    try:
        document = etree.fromstring(data, parser=_safe_parser())
    except etree.XMLSyntaxError as exc:
        return [Problem(field="", message=str(exc))]
    if document.getroottree().docinfo.doctype:
        # Neither document has a DTD; one that does may point at local files (XXE).
        return [Problem(field="", message=str(DTD_REFUSED))]
    if fmt == "mydata":
        return _xsd_problems(document, schemas.MYDATA_XSD, drop=("InvoicesDoc", "invoice"))
    if fmt != "ubl":
        raise ValueError(f"unknown format {fmt!r}")
    local = etree.QName(document).localname
    xsd = schemas.UBL_CREDIT_NOTE_XSD if local == "CreditNote" else schemas.UBL_INVOICE_XSD
    found = _xsd_problems(document, xsd, drop=("Invoice", "CreditNote"))
    if found:
        return found  # business rules run on schema-valid documents only
    with _lock:
        results = _saxon(str(schemas.schema_root())).svrl(etree.tostring(document))
    for svrl in results:
        found.extend(_svrl_problems(svrl))
    return found

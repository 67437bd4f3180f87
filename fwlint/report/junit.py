"""JUnit XML for CI test reports: a test case per file checked, a <failure> per finding in it.

``tests`` counts the files; ``failures`` counts the files with at least one finding (a test case
fails once however many findings it has, so ``tests - failures`` is the number of clean files).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from typing import TextIO

from fwlint.lint.diagnostic import Diagnostic
from fwlint.report import Report, relative_path
from fwlint.report.text import format_line

# Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def write(report: Report, out: TextIO) -> None:
    by_file: dict[str, list[Diagnostic]] = defaultdict(list)
    for d in report.diagnostics:
        by_file[d.span.file].append(d)
    files = report.checked_files
    failing = sum(1 for f in files if by_file[f])
    counts = {"tests": str(len(files)), "failures": str(failing), "errors": "0"}
    root = ET.Element("testsuites", {"name": "fwlint", **counts})
    suite = ET.SubElement(root, "testsuite", {"name": "fwlint", **counts, "skipped": "0"})
    for name in files:
        shown = xml_text(relative_path(name))
        case = ET.SubElement(suite, "testcase", {"name": shown, "classname": "fwlint", "file": shown})
        for d in by_file[name]:
            failure = ET.SubElement(case, "failure", {
                "message": xml_text(f"{d.code} {d.name}: {d.message}"), "type": d.code})
            failure.text = xml_text(format_line(d))
    ET.indent(root, space="  ")
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(root, encoding="unicode"))
    out.write("\n")

"""JUnit XML for Jenkins/Zuul consumers, written with :mod:`xml.etree`.

One ``<testsuite>`` per lane. Unexpected failures get ``<failure>``; known failures
are reported as ``<skipped>`` with their reason (they do not fail the lane); flaky
tests pass, with their first failure in ``<system-out>``. ``classname`` and
``name`` are split at the last dot of the id without its ``[...]`` attributes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from winci.results.stream import TestCase
from winci.results.summary import LaneResults

# XML 1.0 forbids most control characters, which tracebacks can hold.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(text: str) -> str:
    return _INVALID_XML.sub("\ufffd", text)


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return _clean(lines[-1][:500]) if lines else ""


def _testcase(parent: ET.Element, case: TestCase) -> ET.Element:
    base = case.base_id
    classname, _, name = base.rpartition(".")
    attrs = case.test_id[len(base):]
    return ET.SubElement(parent, "testcase", {
        "classname": classname or base, "name": (name or base) + attrs,
        "time": f"{case.duration_s:.3f}"})


def build(res: LaneResults) -> ET.Element:
    s = res.summary()
    first = min((c.start for c in res.cases if c.start is not None), default=None)
    suite = ET.Element("testsuite", {
        "name": res.lane, "tests": str(s.total), "failures": str(s.failed),
        "errors": "0", "skipped": str(s.skipped + s.known_failures),
        "time": f"{s.duration_s:.3f}"})
    if first is not None:
        suite.set("timestamp", first.strftime("%Y-%m-%dT%H:%M:%S"))
    failures = {id(c) for c in res.failures}
    flaky = {id(c) for c in res.flaky}
    known = {id(c): reason for c, reason in res.known}
    for case in res.cases:
        el = _testcase(suite, case)
        key = id(case)
        if key in failures:
            fail = ET.SubElement(el, "failure", {
                "type": case.status, "message": _last_line(case.details) or case.status})
            fail.text = _clean(case.details)
        elif key in known:
            ET.SubElement(el, "skipped", {"message": _clean(f"known failure: {known[key]}")})
            if case.details:
                ET.SubElement(el, "system-out").text = _clean(case.details)
        elif key in flaky:
            ET.SubElement(el, "system-out").text = _clean(
                "flaky: failed, then passed on its isolated retry\n\n" + case.details)
        elif case.status == "skip":
            ET.SubElement(el, "skipped", {"message": _clean(case.details[:1000])})
    return suite


def write(res: LaneResults, path: Path) -> None:
    tree = ET.ElementTree(build(res))
    tree.write(path, encoding="utf-8", xml_declaration=True)

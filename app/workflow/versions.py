"""Comparing two versions of a route element by element: which were added, removed or changed (their definition,
not their drawing), for the versions page and its two diagrams side by side."""

from xml.etree.ElementTree import canonicalize

from lxml import etree

from app.workflow.engine import parse_xml_safely

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_SKIP = {"incoming", "outgoing"}  # follow from the flows, which are compared themselves


def elements(xml: str) -> dict[str, tuple[str, str, str]]:
    """id -> (element type, name, canonical definition) for every element with an id inside the processes."""
    root = parse_xml_safely(xml.encode())
    for comment in list(root.iter(etree.Comment)):
        comment.getparent().remove(comment)
    found: dict[str, tuple[str, str, str]] = {}
    for process in root.findall(f"{{{BPMN_NS}}}process"):
        for element in process.iter():
            if not isinstance(element.tag, str) or element is process:
                continue
            element_id = element.get("id")
            local = etree.QName(element).localname
            if not element_id or local in _SKIP:
                continue
            copy = etree.fromstring(etree.tostring(element))
            for child in list(copy):
                if isinstance(child.tag, str) and etree.QName(child).localname in _SKIP:
                    copy.remove(child)
            text = canonicalize(etree.tostring(copy).decode(), strip_text=True, rewrite_prefixes=True)
            found[element_id] = (local, element.get("name") or "", text)
    return found


def diff(xml_a: str, xml_b: str) -> dict[str, list[dict]]:
    a, b = elements(xml_a), elements(xml_b)

    def row(element_id, info):
        return {"id": element_id, "type": info[0], "name": info[1]}

    return {
        "added": [row(i, b[i]) for i in sorted(set(b) - set(a))],
        "removed": [row(i, a[i]) for i in sorted(set(a) - set(b))],
        "changed": [row(i, b[i]) for i in sorted(set(a) & set(b)) if a[i][2] != b[i][2]],
    }

"""Active content in an uploaded PDF: JavaScript, launch actions, embedded files, XFA forms. A document sent to a
public institution has no need of them, and each is a way to run something on the official's computer. The
object graph is walked from the catalogue (so compressed object streams are seen too), within a budget."""

import io

from pyhanko.pdf_utils.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, StreamObject
from pyhanko.pdf_utils.reader import PdfFileReader

MAX_OBJECTS = 50_000

JAVASCRIPT = "javascript"
LAUNCH = "launch"
EMBEDDED_FILES = "embedded_files"
XFA = "xfa"

_ACTION_KINDS = {"/JavaScript": JAVASCRIPT, "/Launch": LAUNCH}


def active_content(data: bytes) -> set[str]:
    """The kinds of active content found; an unreadable PDF raises (the caller refuses it anyway)."""
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    found: set[str] = set()
    seen: set[tuple[int, int]] = set()
    stack = [reader.root]
    visited = 0
    while stack and visited < MAX_OBJECTS:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation)
            if key in seen:
                continue
            seen.add(key)
            try:
                node = node.get_object()
            except Exception:  # noqa: BLE001, S112 - a dangling reference is not active content
                continue
        visited += 1
        if isinstance(node, DictionaryObject | StreamObject):
            keys = set(node.keys())
            if "/JS" in keys or "/JavaScript" in keys:
                found.add(JAVASCRIPT)
            if "/EmbeddedFiles" in keys or node.get("/Type") == "/EmbeddedFile" or "/EF" in keys:
                found.add(EMBEDDED_FILES)
            if "/XFA" in keys:
                found.add(XFA)
            action = node.get("/S")
            if isinstance(action, NameObject) and str(action) in _ACTION_KINDS:
                found.add(_ACTION_KINDS[str(action)])
            stack.extend(node.raw_get(k) for k in keys if k != "/Parent")
        elif isinstance(node, ArrayObject):
            stack.extend(node.raw_get(i) for i in range(len(node)))
    if visited >= MAX_OBJECTS:
        found.add("too_complex")
    return found

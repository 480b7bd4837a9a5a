"""The letter template owns the closing formula: one the official typed at the end of the draft is taken out,
so "Cu stimă," never appears twice."""

import re
import unicodedata

# The usual Romanian closings (compared without diacritics and case), optionally followed by the writer's name.
CLOSINGS = ("cu stima", "cu deosebita stima", "cu respect", "cu deosebita consideratie", "cu consideratie")


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


_CLOSING_LINE = re.compile(r"^\s*(" + "|".join(CLOSINGS) + r")\s*[,.!]?\s*$")


def without_closing(body: str) -> str:
    """The body without a closing formula on its last non-empty line(s) (and anything after it on that line)."""
    lines = (body or "").replace("\r\n", "\n").replace("\r", "\n").rstrip().split("\n")
    # The closing is the last line, or the last but one when the official signed their name under it.
    for back in (1, 2):
        if len(lines) >= back and _CLOSING_LINE.match(_plain(lines[-back])):
            return "\n".join(lines[:-back]).rstrip()
    return "\n".join(lines)

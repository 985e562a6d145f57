"""Document metadata found in the text: title, organisation, document type, date.

Extraction never guesses a date: a document gets one only when it states a full date
near its start ("sammanträde 15 januari 2024", "Informationspunkter 17 maj 2024") or a
month in its title ("REGIONNYTT JANUARI 2025" -> 2025-01). Values given by the source
(a record's fields, a ``<file>.meta.json`` sidecar) override everything found here.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

from index.models import Metadata

MONTHS = {
    "januari": 1,
    "februari": 2,
    "mars": 3,
    "april": 4,
    "maj": 5,
    "juni": 6,
    "juli": 7,
    "augusti": 8,
    "september": 9,
    "oktober": 10,
    "november": 11,
    "december": 12,
}
_MONTH_RE = "|".join(MONTHS)
_FULL_DATE = re.compile(rf"\b(\d{{1,2}})\s+({_MONTH_RE})\s+((?:19|20)\d\d)\b", re.I)
_ISO_DATE = re.compile(r"\b((?:19|20)\d\d)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])\b")
_MONTH_YEAR = re.compile(rf"\b({_MONTH_RE})\s+((?:19|20)\d\d)\b", re.I)
HEAD_CHARS = 2500
MASTHEAD_CHARS = 300
HEAD_ORG_CHARS = 600

# Document types, recognised by words of the opening lines, then by structure.
_TYPE_WORDS: list[tuple[str, str]] = [
    (r"mötesanteckningar|minnesanteckningar|anteckningar från", "mötesanteckningar"),
    (r"\bprotokoll\b|sammanträdesprotokoll|justerandes? sign", "protokoll"),
    (r"\bkallelse\b", "kallelse"),
    (r"nyhetsbrev|\w+nytt\b|\bnyheter\b", "nyhetsbrev"),
    (r"\brapport\b|årsredovisning|delårsrapport|utvärdering", "rapport"),
    (r"\bpressmeddelande\b", "pressmeddelande"),
    (r"\binterpellation\b", "interpellation"),
]


@dataclass(frozen=True)
class Org:
    """One public body of the gazetteer and the names the text may use for it."""

    name: str
    kind: str
    aliases: tuple[str, ...]


def _name_pattern(names: list[str], flags: int) -> re.Pattern[str]:
    alternatives = sorted(names, key=len, reverse=True)
    return re.compile(
        r"(?<![\w.])(" + "|".join(re.escape(n) for n in alternatives) + r")(?:s)?(?![\w])",
        flags,
    )


@lru_cache(maxsize=1)
def gazetteer() -> tuple[list[Org], list[re.Pattern[str]], dict[str, str]]:
    """Load ``data/orgs.tsv`` (official names of regions, municipalities and agencies).

    Returns the bodies, the patterns that find their names in text (abbreviations such
    as "IVO" or "JO" only in capitals, so the word "jo" is no organisation), and a map
    from each lower-cased name or alias to the canonical name.
    """
    orgs: list[Org] = []
    path = files("index").joinpath("data/orgs.tsv")
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        # A bare number ("1177") is no safe alias: it occurs in ordinary text.
        aliases = tuple(
            a for a in (cols[2].split("|") if len(cols) > 2 else []) if a and not a.isdigit()
        )
        orgs.append(Org(cols[0], cols[1] if len(cols) > 1 else "", aliases))
    names: dict[str, str] = {}
    for org in orgs:
        for n in (org.name, *org.aliases):
            names.setdefault(n.lower(), org.name)
    upper = [n for org in orgs for n in org.aliases if n.isupper()]
    other = [n for n in names if n.upper() not in upper]
    patterns = [_name_pattern(other, re.I)]
    if upper:
        patterns.append(_name_pattern(upper, 0))
    return orgs, patterns, names


def find_org(text: str) -> str | None:
    """The public body the text names most often, mentions near the start counting triple.

    A publisher names itself in the masthead or on every slide ("regionkalmar.se");
    bodies it writes about are named in the running text.
    """
    _, patterns, names = gazetteer()
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for pattern in patterns:
        for m in pattern.finditer(text):
            name = names[m.group(1).lower()]
            counts[name] += 3 if m.start() < HEAD_ORG_CHARS else 1
            first[name] = min(first.get(name, m.start()), m.start())
    if not counts:
        return None
    return max(counts, key=lambda n: (counts[n], -first[n]))


def find_date(text: str, title: str | None) -> str | None:
    """The document's own date as ISO text, or None when it states none."""
    head = text[:HEAD_CHARS]
    candidates: list[tuple[int, str]] = []
    for m in _FULL_DATE.finditer(head):
        month = MONTHS[m.group(2).lower()]
        candidates.append((m.start(), f"{m.group(3)}-{month:02d}-{int(m.group(1)):02d}"))
    for m in _ISO_DATE.finditer(head):
        # An ISO date standing alone on a line is a document date; inside running text
        # ("avslutades 2023-12-31") it is an event.
        line_start = head.rfind("\n", 0, m.start()) + 1
        line_end = head.find("\n", m.end())
        line = head[line_start : line_end if line_end >= 0 else len(head)]
        if line.strip() == m.group(0):
            candidates.append((m.start(), m.group(0)))
    if candidates:
        return min(candidates)[1]
    # A month without a day, in the title or the masthead: "REGIONNYTT JANUARI 2025".
    for zone in (title or "", text[:MASTHEAD_CHARS]):
        found = _MONTH_YEAR.search(zone)
        if found:
            return f"{found.group(2)}-{MONTHS[found.group(1).lower()]:02d}"
    return None


def find_doctype(text: str, structure: str) -> str | None:
    """The kind of document, from words near its start, else from its structure."""
    by_structure = {
        "protocol": "protokoll",
        "agenda": "mötesanteckningar",
        "statute": "författning",
    }
    for head in (text[:200].lower(), text[:600].lower()):
        for pattern, name in _TYPE_WORDS:
            if re.search(pattern, head):
                return name
        if structure in by_structure:
            return by_structure[structure]
    return "presentation" if structure == "pages" else None


def find_title(text: str) -> str | None:
    """The first line that reads as a title, joined with a wrapped continuation."""
    from index.sections import heading_after

    for block in re.split(r"\n\s*\n", text):
        candidate = heading_after(re.sub(r"^[ \t]*§[ \t]*\d+[ \t]*$", "", block, flags=re.M))
        candidate = re.sub(r"^#{1,6}\s+", "", candidate)  # a Markdown heading's marker
        if len(candidate) >= 4:
            return candidate
    return None


def extract(
    text: str, structure: str, given: dict[str, str] | None = None, guess_title: bool = True
) -> Metadata:
    """All metadata of a document; ``given`` values (source or sidecar) win.

    Records (JSON Lines) say their own title or have none: their first sentence is not
    a title (``guess_title=False``).
    """
    given = given or {}
    title = given.get("title") or (find_title(text) if guess_title else None)
    return Metadata(
        title=title,
        org=given.get("org") or find_org(text),
        doctype=given.get("doctype") or find_doctype(text, structure),
        date=given.get("date") or find_date(text, title),
    )

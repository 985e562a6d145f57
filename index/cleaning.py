"""Clean text extracted from PDFs before it is split and indexed.

PDF extractions break words at line ends ("verksam-\\nhetsplan"), wrap lines mid
sentence, carry soft hyphens, and spill chart axes as runs of tiny lines ("~40%",
"10", "20"). Cleaning repairs what can be repaired without guessing: a hyphen at a line
end is removed only when the joined word is better known than the halves, and the
Swedish ellipsis ("hälso- och sjukvård") keeps its hyphen.
"""

from __future__ import annotations

import re

from index import lexicon
from index.analysis import normalize

BULLETS = "▪•·➢✓–-*»◦●■"
_BULLET_LINE = re.compile(rf"^\s*[{re.escape(BULLETS)}]\s+")
# The lookbehind starts a try only where a run of letters starts: from inside the run the
# greedy run ends at the same place, so the tries there fail the same way, and skipping
# them makes the scan linear in the word's length instead of quadratic (2.5x faster).
_BROKEN = re.compile(r"(?<![^\W\d_])([^\W\d_]{2,})-\n[ \t]*([a-zåäöéü]{2,})")
_INLINE_BROKEN = re.compile(r"\b([^\W\d_]{3,})-([a-zåäö]{3,})\b")
_ELLIPSIS_NEXT = re.compile(r"^(och|eller|samt|resp|respektive|,)\b")
# Where :data:`_INLINE_BROKEN` can match: a hyphen before three lower-case letters.
_HYPHEN_LOWER = re.compile(r"-[a-zåäö]{3}")
_LETTER = re.compile(r"[^\W\d_]")


def _join_hyphen(m: re.Match[str]) -> str:
    left, right = m.group(1), m.group(2)
    if _ELLIPSIS_NEXT.match(right):
        return f"{left}- {right}"
    if lexicon.prefer_joined(left, right):
        return left + right
    return f"{left}-{right}"


def _join_inline(m: re.Match[str]) -> str:
    # "Kommunika-tionschef": a line-end break that the extractor already pulled onto
    # one line. Join only when the halves are not words but the whole is.
    left, right = m.group(1), m.group(2)
    if lexicon.is_broken_word(left, right):
        return left + right
    return m.group(0)


def join_inline_breaks(text: str) -> str:
    """``_INLINE_BROKEN.sub(_join_inline, text)``, the pattern tried only at its hyphens.

    Why: the pattern starts at every word boundary and runs through the word before it
    fails, which made it half of cleaning's time (1.45 s per 20 MB of the corpus, against
    0.06 s so; the same output, ``tests/test_structure.py``). Each hyphen that three
    lower-case letters follow is traced back to the start of its word (not past the last
    match, as ``sub`` goes on from there), where the pattern is tried.
    """
    out: list[str] = []
    last = 0
    for candidate in _HYPHEN_LOWER.finditer(text):
        start = candidate.start()
        while start > last and _LETTER.match(text, start - 1):
            start -= 1
        m = _INLINE_BROKEN.match(text, start)
        if m is None:
            continue
        out += (text[last:start], _join_inline(m))
        last = m.end()
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


def is_debris(line: str) -> bool:
    """A line of chart or axis debris: one to three characters, or a bare number/percent."""
    s = line.strip()
    return bool(s) and (len(s) <= 3 or bool(re.fullmatch(r"[~<>≈]?\d+([.,]\d+)?\s*%?", s)))


def drop_debris(text: str, run: int = 4) -> str:
    """Remove runs of at least ``run`` debris lines (blank lines between them allowed)."""
    lines = text.split("\n")
    keep = [True] * len(lines)
    i = 0
    while i < len(lines):
        if not is_debris(lines[i]):
            i += 1
            continue
        j, count = i, 0
        while j < len(lines) and (is_debris(lines[j]) or not lines[j].strip()):
            count += is_debris(lines[j])
            j += 1
        if count >= run:
            for k in range(i, j):
                keep[k] = False
        i = max(j, i + 1)
    return "\n".join(line for line, k in zip(lines, keep, strict=True) if k)


def clean_text(text: str) -> str:
    """Normalise and repair extracted text; structure (lines, pages) is kept."""
    text = normalize(text).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u00a0", " ").replace("\t", " ")
    if "-\n" in text:
        text = _BROKEN.sub(_join_hyphen, text)
    text = join_inline_breaks(text)
    return drop_debris(_strip_line_ends(text))


def _strip_line_ends(text: str) -> str:
    """``re.sub(r"[ ]+\\n", "\\n", text)``: the spaces that end a line dropped (the last line
    keeps its own). The regex tries every space of the text: it was 1 % of a corpus
    build, and this takes a third of its time where lines end in spaces, a tenth where
    none does (the shared corpus)."""
    if " \n" not in text:
        return text
    lines = text.split("\n")
    last = lines.pop()
    lines = [line.rstrip(" ") for line in lines]
    lines.append(last)
    return "\n".join(lines)


def display_text(text: str) -> str:
    """Readable section text: wrapped lines joined, bullets and paragraphs kept."""
    out: list[str] = []
    for para in re.split(r"\n\s*\n", text.strip()):
        lines = [ln.strip() for ln in para.split("\n") if ln.strip()]
        buf = ""
        for ln in lines:
            if not buf:
                buf = ln
            elif _BULLET_LINE.match(ln) or buf.endswith((".", ":", "!", "?")) and ln[:1].isupper():
                out.append(buf)
                buf = ln
            else:
                buf = f"{buf} {ln}"
        if buf:
            out.append(buf)
    return "\n".join(out)

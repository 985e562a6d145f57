"""The analysis of every word an index has seen, kept on disk beside it.

Analysing a word fully (lemma lexicon, compound split, Snowball) needs the lexicon,
which takes about half a second to load. Every word of the indexed text was analysed
at indexing time; keeping those results in a small SQLite table lets a query, and the
snippets of its hits, look words up instead: a typical query never loads the lexicon.
Only words the index has never seen are analysed at query time.

The table holds ``analysis.analyze_word``'s results for one ``ANALYSIS_VERSION`` (its
file name carries the version), so it can be written at any time and shared by all
generations of an index. It is also the index's vocabulary by loose key: the spelling
suggestions, and the near misses searched for a word found nowhere as written, come
from it. Deleted, it costs those until ``rsearch index --rebuild`` fills it again;
ranking the words that do occur stays as it was.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Collection, Iterable, Iterator
from operator import itemgetter
from pathlib import Path

from index import analysis, lexicon
from index.analysis import WordTerms

_CHUNK = 500
# Words looked up (snippets look up every word of every hit) kept in memory; a word's
# terms depend on the analysis version only, so they never go stale.
_MEMO_WORDS = 200_000


class TermCache:
    """Word -> ``WordTerms`` lookups backed by SQLite (or only by memory when path is None)."""

    def __init__(self, folder: Path | None, stemmer: str = "") -> None:
        # An in-memory index keeps its table in memory too.
        self.path = folder / f"terms-{analysis.ANALYSIS_VERSION}.sqlite" if folder else None
        self._folder = folder
        # The digest of the stemmer that analysed the stored words: a word not stored is
        # analysed here only by a stemmer that stems alike (``lexicon.check_stemmer``).
        self._stemmer = stemmer
        self._db: sqlite3.Connection | None = None
        self._memo: dict[str, WordTerms] = {}
        self._odd: dict[str, list[str]] | None = None  # see :meth:`_irregular`
        self._odd_version = -1

    def _conn(self, create: bool = False) -> sqlite3.Connection | None:
        if self._db is None and self.path is None:
            self._db = sqlite3.connect(":memory:")
            self._create(self._db)
        elif self._db is None and (create or (self.path is not None and self.path.exists())):
            self._db = sqlite3.connect(str(self.path), timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._create(self._db)
        return self._db

    @staticmethod
    def _create(db: sqlite3.Connection) -> None:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
        db.execute(
            "CREATE TABLE IF NOT EXISTS terms (word TEXT PRIMARY KEY, stem TEXT NOT NULL,"
            " parts TEXT NOT NULL, loose TEXT NOT NULL) WITHOUT ROWID"
        )
        db.execute("CREATE INDEX IF NOT EXISTS terms_loose ON terms (loose)")
        if "irregular_words" not in tables:
            _add_irregular(db, fill="terms" in tables)

    def words_with_loose(self, key: str, limit: int = 20) -> list[tuple[str, str]]:
        """Indexed words (and their stems) whose loose key is ``key``: spelling candidates."""
        db = self._conn()
        if db is None:
            return []
        rows = db.execute("SELECT word, stem FROM terms WHERE loose = ? LIMIT ?", (key, limit))
        return [(str(w), str(s)) for w, s in rows]

    def loose_within(self, key: str, maxdist: int) -> list[str]:
        """Loose keys of indexed words within ``maxdist`` edits of ``key`` (the same first
        letter; a swap of two neighbours is one edit), nearest first.

        A range scan of the loose-key index for that letter and the possible lengths,
        then an edit distance that gives up as soon as ``maxdist`` is exceeded: Whoosh's
        ``terms_within`` computes the full distance to every term of the letter.
        """
        db = self._conn()
        if db is None or not key:
            return []
        lo, hi = key[0], chr(ord(key[0]) + 1)
        rows = db.execute(
            "SELECT DISTINCT loose FROM terms WHERE loose >= ? AND loose < ?"
            " AND length(loose) BETWEEN ? AND ? ORDER BY loose",
            (lo, hi, len(key) - maxdist, len(key) + maxdist),
        )
        found = within(key, (other for (other,) in rows), maxdist)
        return [k for _, k in sorted(found) if k != key]

    def lookup(self, words: Iterable[str]) -> dict[str, WordTerms]:
        """The terms of each (lower-cased) word: from the table, else analysed now."""
        memo = self._memo
        found: dict[str, WordTerms] = {}
        wanted = []
        for word in dict.fromkeys(words):
            t = memo.get(word)
            if t is None:
                wanted.append(word)
            else:
                found[word] = t
        if not wanted:
            return found
        db = self._conn()
        if db is not None:
            for i in range(0, len(wanted), _CHUNK):
                chunk = wanted[i : i + _CHUNK]
                marks = ",".join("?" * len(chunk))
                for word, stem, parts, loose in db.execute(
                    f"SELECT word, stem, parts, loose FROM terms WHERE word IN ({marks})", chunk
                ):
                    found[word] = WordTerms(stem, tuple(parts.split()) if parts else (), loose)
        for word in wanted:
            if word not in found:
                lexicon.check_stemmer(self._stemmer, self._folder)
                found[word] = analysis.analyze_word(word)
        if len(memo) > _MEMO_WORDS:
            memo.clear()
        memo.update((w, found[w]) for w in wanted)
        return found

    def get(self, word: str) -> WordTerms:
        return self.lookup([word])[word]

    def irregular_for(self, keys: Collection[str]) -> list[str] | None:
        """The :func:`analysis.irregular` words with one of ``keys`` among the spelling keys
        they lack (so a word that matches a term with one of ``keys`` either holds that key
        or is one of these); None when the table keeps no such list."""
        odd = self._irregular()
        if odd is None:
            return None
        return sorted({w for k in keys for w in odd.get(k, ())})

    def _irregular(self) -> dict[str, list[str]] | None:
        """The table's :func:`analysis.irregular` words under each spelling key they lack;
        None when it has no such list (a table written by an older rsearch on a read-only
        disk).

        Read once, and again when another connection has changed the table since
        (``PRAGMA data_version``): a build in another process may add words.
        """
        db = self._conn()
        if db is None:
            return None
        version = db.execute("PRAGMA data_version").fetchone()[0]
        if self._odd is None or version != self._odd_version:
            try:
                rows = db.execute("SELECT word, keys FROM irregular_words").fetchall()
            except sqlite3.OperationalError:
                return None
            by_key: dict[str, list[str]] = {}
            for word, keys in rows:
                for k in keys.split(" "):
                    by_key.setdefault(k, []).append(word)
            self._odd, self._odd_version = by_key, version
        return self._odd

    def _store(self, items: Iterable[tuple[str, WordTerms]]) -> None:
        db = self._conn(create=True)
        assert db is not None
        _insert(db, items)
        self._odd = None  # this connection's own writes leave data_version as it was

    def sink(self) -> analysis.Sink | None:
        """A sink for ``analysis.set_sink`` that stores words into this table from any
        process (a build's forked workers each open their own connection); None in memory.
        """
        if self.path is None:
            return None
        self._conn(create=True)  # the table exists before a worker writes to it
        return _Sink(self.path)

    def save_seen(self) -> int:
        """Store the words analysed in this process since the last call; returns how many."""
        seen = analysis.drain_seen()
        if seen:
            self._store(seen.items())
        return len(seen)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        self._odd = None  # a new connection's data_version says nothing about this list


def _insert(db: sqlite3.Connection, items: Iterable[tuple[str, WordTerms]]) -> None:
    # In the order of the table's key: each insert then lands near the one before.
    items = sorted(items, key=itemgetter(0))
    db.execute("BEGIN IMMEDIATE")  # the list's existence and the words, as one
    try:
        # Without the list (its creation met a lock), words are stored all the same: the
        # next connection that can create the list fills it from every stored word.
        listed = db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'irregular_words'"
        ).fetchone()
        db.executemany(
            "INSERT OR IGNORE INTO terms (word, stem, parts, loose) VALUES (?, ?, ?, ?)",
            ((w, t.stem, " ".join(t.parts), t.loose) for w, t in items),
        )
        if listed:
            db.executemany(
                "INSERT OR IGNORE INTO irregular_words (word, keys) VALUES (?, ?)",
                _irregular_rows(items),
            )
    except BaseException:
        db.rollback()
        raise
    db.commit()


def _irregular_rows(items: Iterable[tuple[str, WordTerms]]) -> Iterator[tuple[str, str]]:
    """(word, the spelling keys it lacks) of the irregular ones among ``items``."""
    for w, t in items:
        if keys := analysis.missing_keys(w, t):
            yield w, " ".join(sorted(keys))


def _add_irregular(db: sqlite3.Connection, fill: bool) -> None:
    """Create the table of :func:`analysis.irregular` words; ``fill`` it from the words
    already stored (a table written before there was such a list: about a second for
    300,000 words, once). Table and words appear together, in one transaction, or not
    at all (a read-only disk): :meth:`TermCache.irregular_for` then says None, and
    snippets tokenize their whole text.
    """
    try:
        db.execute("BEGIN IMMEDIATE")
        db.execute(
            "CREATE TABLE IF NOT EXISTS irregular_words (word TEXT PRIMARY KEY,"
            " keys TEXT NOT NULL) WITHOUT ROWID"
        )
        if fill:
            rows = db.execute("SELECT word, stem, parts, loose FROM terms").fetchall()
            db.executemany(
                "INSERT OR IGNORE INTO irregular_words (word, keys) VALUES (?, ?)",
                _irregular_rows(
                    (w, WordTerms(stem, tuple(parts.split()), loose))
                    for w, stem, parts, loose in rows
                ),
            )
        db.execute("COMMIT")
    except sqlite3.Error:
        if db.in_transaction:
            db.rollback()


class _Sink:
    """Stores batches of analysed words in the table at ``path``, from whichever process
    calls it: a connection is never carried across a fork."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._pid = 0

    def __getstate__(self) -> dict[str, Path]:
        # Sent to a build worker that was spawned, not forked: the path, no connection.
        return {"path": self.path}

    def __setstate__(self, state: dict[str, Path]) -> None:
        self.__init__(state["path"])  # type: ignore[misc]

    def __call__(self, items: list[tuple[str, WordTerms]]) -> bool:
        """Store ``items``; False when the table cannot be written (a full disk, a lock
        held too long). It is called deep inside a worker's indexing, where an exception
        would kill the worker: the parent stores the words at the end instead, and
        reports what fails there."""
        try:
            if self._db is None or self._pid != os.getpid():
                self._db = sqlite3.connect(str(self.path), timeout=60)
                self._pid = os.getpid()
            _insert(self._db, items)
        except sqlite3.Error:
            return False
        return True


def within(key: str, words: Iterable[str], limit: int) -> list[tuple[int, str]]:
    """(distance, word) for each of ``words`` (sorted) within ``limit`` edits of ``key``.

    Edits are insertions, deletions, replacements and swaps of neighbours (Whoosh's
    ``damerau_levenshtein``). The table's rows belong to the word's letters, so words
    sharing a beginning share rows, as if walking a trie; a beginning already more than
    ``limit`` edits away rules out every word that starts with it.
    """
    width = len(key) + 1
    rows = [list(range(width))]
    prev = ""
    dead: str | None = None
    out: list[tuple[int, str]] = []
    for w in words:
        if dead is not None and w.startswith(dead):
            continue
        dead = None
        common = 0
        top = min(len(prev), len(w), len(rows) - 1)
        while common < top and prev[common] == w[common]:
            common += 1
        del rows[common + 1 :]
        prev = w
        for i in range(common + 1, len(w) + 1):
            above = rows[i - 1]
            row = [i] + [0] * (width - 1)
            c = w[i - 1]
            for j in range(1, width):
                v = min(above[j] + 1, row[j - 1] + 1, above[j - 1] + (c != key[j - 1]))
                if i > 1 and j > 1 and c == key[j - 2] and w[i - 2] == key[j - 1]:
                    v = min(v, rows[i - 2][j - 2] + 1)
                row[j] = v
            rows.append(row)
            if min(row) > limit:
                dead = w[:i]
                break
        else:
            if rows[-1][-1] <= limit:
                out.append((rows[-1][-1], w))
    return out

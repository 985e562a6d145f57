"""The bundled seed documents: the default corpus, so a new user gets answers at once.

The five files are PDF text extractions of Swedish regional documents, shipped with
their original names (``000_cb0cf3f13fc08513.txt`` ...).
"""

from importlib.resources import as_file, files
from pathlib import Path

__all__ = ["seed_dir"]


def seed_dir() -> Path:
    """Return the folder holding the seed files as a real path on disk."""
    with as_file(files(__name__)) as path:
        return Path(path)

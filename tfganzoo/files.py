"""Writing files so that an interruption never leaves a half-written one behind."""

import contextlib
import hashlib
import os
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path):
    """Yields a temporary path beside `path` and renames it over `path` only if the block succeeds.

    The temporary name keeps the final name as its suffix (Keras insists on `.weights.h5`), and a rename
    within one directory is atomic, so readers see either the old file or the complete new one.
    """
    path = Path(path)
    tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_text_atomic(path, text):
    with atomic_path(path) as tmp:
        with open(tmp, "w", newline="") as f:  # no newline translation: the text is written as given
            f.write(text)


def sha256(path):
    """The first 16 hex digits of a file's SHA-256: enough to tell weights files apart in a report."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]

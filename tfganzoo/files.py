"""Writing files so that an interruption never leaves a half-written one behind."""

import contextlib
import hashlib
import os
import shutil
from pathlib import Path

TMP_PREFIX = ".tmp-"  # what a write interrupted by a kill leaves behind starts with it


@contextlib.contextmanager
def atomic_path(path, durable=False):
    """Yields a temporary path beside `path`, for the block to write a file or a directory at, and renames it
    over `path` only if the block succeeds (a directory at `path` is replaced whole); otherwise removes it.

    The temporary name keeps the final name as its suffix (Keras insists on `.weights.h5`), and a rename
    within one directory is atomic, so readers see either the old version or the complete new one.
    durable: also fsync what was written, and the directory after the rename, so that a power cut cannot
    leave a renamed but empty file.
    """
    path = Path(path)
    tmp = path.with_name(f"{TMP_PREFIX}{os.getpid()}-{path.name}")
    try:
        yield tmp
        if durable:
            for written in [tmp, *tmp.rglob("*")] if tmp.is_dir() else [tmp]:
                _fsync(written)
        if path.is_dir():
            shutil.rmtree(path)
        os.replace(tmp, path)
        if durable:
            _fsync(path.parent)
    finally:
        if tmp.is_dir():
            shutil.rmtree(tmp)
        else:
            tmp.unlink(missing_ok=True)


def _fsync(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_text_atomic(path, text):
    with atomic_path(path) as tmp:
        with open(tmp, "w", newline="") as f:  # no newline translation: the text is written as given
            f.write(text)


def sha256(path):
    """The first 16 hex digits of a file's SHA-256: enough to tell weights files apart in a report."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]

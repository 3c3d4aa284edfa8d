"""Files exopool creates for itself are private to the user running it from the moment they exist."""

from __future__ import annotations

import os
from pathlib import Path


def private_directory(path: Path) -> Path:
    """path as a directory, created (with any missing parents) readable by its owner only."""
    if not path.exists():
        private_directory(path.parent)  # mkdir(parents=True) would give the parents the default mode
        path.mkdir(mode=0o700, exist_ok=True)
    return path


def private_file(path: Path) -> Path:
    """path as a file that exists, created empty and readable by its owner only if it did not.

    Created with its mode in the one call that creates it, so it is never readable by others,
    not even for a moment before a chmod; a file that exists is left as it is.
    """
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    return path

"""Fitted intent models kept on disk, so a restarted worker (or a second worker, or a CLI command) loads
in milliseconds what it would otherwise fit again in most of a second.

A cache only: the key is a digest of the training samples, the fitting code's settings and the numpy and
scipy versions, so a file is used only by a process that would fit the same model; anything unreadable is
ignored and fitted again. Plain arrays (np.savez, no pickle), written atomically.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

_folder: Path | None = None


def use_folder(folder: Path | None) -> None:
    """Where fitted models are kept (None: nowhere, every process fits its own)."""
    global _folder
    _folder = folder


def _path(key: str) -> Path | None:
    return None if _folder is None else _folder / f"intent-model-{key}.npz"


def load(key: str) -> dict[str, Any] | None:
    """The arrays stored under key, or None when there are none (or they cannot be read)."""
    path = _path(key)
    if path is None or not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as stored:
            return {name: stored[name] for name in stored.files}
    except Exception as exc:  # noqa: BLE001 - a damaged cache file is fitted again and replaced
        log.info("intent model cache %s unreadable (%s): fitting again", path, exc)
        return None


def save(key: str, arrays: dict[str, np.ndarray]) -> None:
    """Store arrays under key (a failure only costs the next process a fit)."""
    path = _path(key)
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".intent-model-", suffix=".npz")
        try:
            with os.fdopen(handle, "wb") as out:
                # mypy matches **arrays against savez's allow_pickle: bool too; the keys are array names
                np.savez(out, **arrays)  # type: ignore[arg-type]
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        log.info("intent model cache %s not written (%s)", path, exc)

"""The JSON shapes of results, one definition for the CLI's ``--json`` and the server's API."""

from __future__ import annotations

import dataclasses
import functools
import json
from pathlib import Path
from typing import Any


def to_json(value: Any) -> str:
    """``value`` (results, a document, statistics, a report…) as a line of JSON, text unescaped."""
    return json.dumps(value, ensure_ascii=False, default=_plain)


def _plain(value: Any) -> Any:
    """A dataclass as a shallow dict (the encoder comes back for its fields), a path, an enum."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: getattr(value, name) for name in _field_names(type(value))}
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "value"):
        return value.value
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


@functools.cache
def _field_names(kind: type) -> tuple[str, ...]:
    """A dataclass's field names, looked up once a class (``asdict`` deep-copies every value)."""
    return tuple(field.name for field in dataclasses.fields(kind))

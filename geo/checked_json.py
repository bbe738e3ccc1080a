"""Reading a JSON data file that ships with the code, checked against its JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

from geo.errors import GeoInputError


def read_checked(path: Path, schema_file: Path, what: str) -> Any:
    """The JSON document at *path*, valid against *schema_file*; otherwise
    :class:`GeoInputError` naming the file (*what* it holds) and the place in it."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise GeoInputError(f"cannot read {what} from {path}: {exc}") from None
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    problem = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(schema).iter_errors(document))
    if problem is not None:
        where = "/".join(map(str, problem.absolute_path)) or "(top level)"
        raise GeoInputError(f"{what} file {path} is not valid at {where}: "
                            f"{problem.message}; see {schema_file.name}")
    return document

"""marshmallow's refusals as one sentence a user can act on: the parameter or member (with
its path in a nested body, ``stops.3.lon``), the value given and the fix.

Our fields write their messages either as fragments (``must be a whole number; got 'x'``),
completed here with the name, or as sentences that start with the field's own name
(``inspectors=21 is out of range; give 1 to 20``), given here their full path.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma

UNKNOWN = "Unknown field."
_MISSING = "Missing data for required field."
_NOT_AN_OBJECT = "Invalid input type."


def schema_error_message(messages: dict, given: Any, schema: ma.Schema,
                         what: str = "member") -> str:
    """*messages* (a :class:`marshmallow.ValidationError`'s) about *given*, loaded by
    *schema*, as sentences; *what* names the items: ``parameter`` or ``member``."""
    flat = _flatten(messages)
    sentences = []
    unknown = [name for name, texts in flat if UNKNOWN in texts]
    for parent in dict.fromkeys(name.rpartition(".")[0] for name in unknown):
        names = [n for n in unknown if n.rpartition(".")[0] == parent]
        accepted = _accepted(schema, parent)
        where = f"{parent}: " if parent else ""
        takes = (f"accepts: {', '.join(accepted) or 'none'}" if accepted or not parent
                 else "is described at /api/docs")
        sentences.append(f"{where}unknown {what}(s) {', '.join(map(repr, names))}; this "
                         f"{'endpoint' if not parent else 'object'} {takes}")
    for name, texts in flat:
        sentences += [_sentence(name, text, given) for text in texts if text != UNKNOWN]
    return "; ".join(sentences) or "the request is malformed; see /api/docs"


def _flatten(messages, prefix: str = "") -> list[tuple[str, list[str]]]:
    """``[(dotted.name, [message, ...])]`` of marshmallow's nested messages."""
    if isinstance(messages, list):
        return [(prefix, [m for m in messages if isinstance(m, str)])] + [
            item for m in messages if isinstance(m, dict) for item in _flatten(m, prefix)]
    flat = []
    for key, value in messages.items():
        if key == "_schema":
            flat += _flatten(value, prefix)
        else:
            flat += _flatten(value, f"{prefix}.{key}" if prefix else str(key))
    return flat


def _accepted(schema: ma.Schema, path: str) -> list[str]:
    """The names the (nested) schema at *path* takes."""
    for part in filter(None, path.split(".")):
        if part.isdigit():
            continue
        field = next((f for n, f in schema.fields.items() if (f.data_key or n) == part), None)
        inner = getattr(field, "inner", None) or field
        if not isinstance(inner, ma.fields.Nested):
            return []
        schema = inner.schema
    return [field.data_key or name for name, field in schema.fields.items()
            if not field.dump_only]


def _value(given: Any, name: str) -> Any:
    value = given
    for part in name.split("."):
        if isinstance(value, dict) or hasattr(value, "getlist"):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def _sentence(name: str, text: str, given: Any) -> str:
    last = name.rpartition(".")[2]
    if not name:
        return ("the body must be a JSON object; see /api/docs" if text == _NOT_AN_OBJECT
                else text)
    if text == _MISSING:
        return f"{name} is required"
    if text == _NOT_AN_OBJECT:
        return f"{name} must be a JSON object; got {_value(given, name)!r:.60}"
    if text.startswith(last) and text[len(last):len(last) + 1] in (" ", "=", ":", "."):
        return name + text[len(last):]  # a sentence of the field's own: give its full path
    if text[:1].islower():  # a fragment: "must be …; got …"
        return f"{name} {text}"
    return f"{name}: {text.rstrip('.').lower()}; got {_value(given, name)!r:.80}"

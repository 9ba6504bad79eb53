"""Checks each Bot API request against Telegram's published tables of methods and types.

The tables are `api.json` beside this module: Bot API 10.1 (June 2026), scraped from
core.telegram.org/bots/api by the public project PaulSonOfLars/telegram-bot-api-spec
and used here under its MIT licence. It is a copy, so the tests run without the
shared checkout; to follow a new Bot API release, replace it with a newer scrape,
since nothing else in the fake lists methods or fields.

Values arrive the way Telegram accepts them: as form fields, where numbers and
booleans are text and objects are JSON strings, or as a JSON body with native
values. Where the tables name an object type, its fields are checked in turn, as
deep as the tables describe them; unknown fields are refused, although Telegram
ignores them, because a field Telegram ignores is a bot bug that no test would see.
"""

import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path

from aiohttp.web import FileField

from .errors import bad_request

SPEC_PATH = Path(__file__).with_name("api.json")

ObjectRule = Callable[[dict], None]
"""A Telegram rule on an object beyond its field types; raises ApiError."""

_DISCRIMINATOR = re.compile(r"must be (\w+)|always “(\w+)”")
_INTEGER = re.compile(r"-?\d+")
_BOOLEANS = {"true": True, "false": False, "1": True, "0": False}
_MISSING = {"text": "message text is empty"}


class _Mismatch(Exception):
    """A value that does not fit its declared type; depth says how far inside it failed."""

    def __init__(self, reason: str, depth: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.depth = depth


class BotApiSpec:
    """The methods and types of one Bot API version."""

    def __init__(self, data: Mapping, object_rules: Mapping[str, ObjectRule]) -> None:
        self.version = data["version"]
        self.methods: dict[str, dict] = data["methods"]
        self.types: dict[str, dict] = data["types"]
        self._by_lower_name = {name.lower(): name for name in self.methods}
        self._object_rules = object_rules

    @classmethod
    def load(cls, object_rules: Mapping[str, ObjectRule], path: Path = SPEC_PATH) -> "BotApiSpec":
        return cls(json.loads(path.read_text(encoding="utf-8")), object_rules)

    def method_name(self, name: str) -> str | None:
        """Telegram matches method names without regard to case."""
        return self._by_lower_name.get(name.lower())

    def parse_request(self, method: str, raw: Mapping[str, object]) -> dict:
        """Return the request's parameters as native values, or raise a 400 ApiError."""
        fields = {f["name"]: f for f in self.methods[method].get("fields", [])}
        present = {name: value for name, value in raw.items() if value is not None}
        for name in present:
            if name not in fields:
                raise bad_request(f'unknown parameter "{name}" for method {method}')
        for name, spec in fields.items():
            if spec["required"] and name not in present:
                raise bad_request(_MISSING.get(name, f'parameter "{name}" is required'))
        params = {}
        for name, value in present.items():
            try:
                params[name] = self._value(value, fields[name]["types"], name, top=True)
            except _Mismatch as mismatch:
                prefix = f"can't parse {name}: " if mismatch.depth else ""
                raise bad_request(prefix + mismatch.reason) from None
        return params

    def _value(self, value: object, types: list[str], path: str, *, top: bool = False) -> object:
        mismatches = []
        for type_name in types:
            try:
                return self._one(value, type_name, path, top)
            except _Mismatch as mismatch:
                mismatches.append(mismatch)
        deepest = max(mismatches, key=lambda m: m.depth)
        if deepest.depth or len(mismatches) == 1:
            raise deepest
        raise _Mismatch(f'field "{path}" must be of type {" or ".join(types)}')

    def _one(self, value: object, type_name: str, path: str, top: bool) -> object:
        if type_name.startswith("Array of "):
            items = _decoded(value, list, top)
            if items is None:
                raise _Mismatch(f'field "{path}" must be of type {type_name}')
            item_type = type_name.removeprefix("Array of ")
            return [self._nested(item, [item_type], f"{path}[{i}]") for i, item in enumerate(items)]
        if type_name in self.types and type_name != "InputFile":
            return self._object(value, type_name, path, top)
        return _scalar(value, type_name, path)

    def _nested(self, value: object, types: list[str], path: str) -> object:
        try:
            return self._value(value, types, path)
        except _Mismatch as mismatch:
            raise _Mismatch(mismatch.reason, mismatch.depth + 1) from None

    def _object(self, value: object, type_name: str, path: str, top: bool) -> dict:
        obj = _decoded(value, dict, top)
        if obj is None:
            raise _Mismatch(f'field "{path}" must be of type {type_name}')
        spec = self.types[type_name]
        if "subtypes" in spec:
            return self._value(obj, self._candidates(spec, obj, path), path)
        fields = {f["name"]: f for f in spec.get("fields", [])}
        if fields:
            obj = self._fields(obj, fields, type_name, path)
        rule = self._object_rules.get(type_name)
        if rule is not None:
            rule(obj)
        return obj

    def _fields(self, obj: dict, fields: dict[str, dict], type_name: str, path: str) -> dict:
        present = {name: value for name, value in obj.items() if value is not None}
        for name in present:
            if name not in fields:
                raise _Mismatch(f'unknown field "{path}.{name}" in {type_name}', 1)
        for name, spec in fields.items():
            if spec["required"] and name not in present:
                raise _Mismatch(f'field "{path}.{name}" of {type_name} is required', 1)
        return {
            name: self._nested(value, fields[name]["types"], f"{path}.{name}")
            for name, value in present.items()
        }

    def _candidates(self, spec: dict, obj: dict, path: str) -> list[str]:
        """The subtypes an object of an abstract type can be, told apart by its tag field."""
        tags = {name: _tag(self.types.get(name, {})) for name in spec["subtypes"]}
        if None in tags.values():
            return spec["subtypes"]
        matching = [name for name, (field, value) in tags.items() if obj.get(field) == value]
        if not matching:
            field = next(iter(tags.values()))[0]
            raise _Mismatch(f'unsupported {field} "{obj.get(field)}" in field "{path}"', 1)
        return matching


def _tag(type_spec: dict) -> tuple[str, str] | None:
    """The (field, value) pair that identifies a subtype, read from its field descriptions."""
    for field in type_spec.get("fields", []):
        match = _DISCRIMINATOR.search(field["description"])
        if field["types"] == ["String"] and field["required"] and match:
            return field["name"], match.group(1) or match.group(2)
    return None


def _decoded(value: object, kind: type, top: bool) -> object:
    """Top-level objects and arrays may come JSON-serialized, as form fields must send them."""
    if top and isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, kind) else None


def _scalar(value: object, type_name: str, path: str) -> object:
    if type_name == "String" and isinstance(value, str):
        return value
    if type_name == "Integer":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and _INTEGER.fullmatch(value):
            return int(value)
    if type_name == "Float":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
    if type_name == "Boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in _BOOLEANS:
            return _BOOLEANS[value.lower()]
    if type_name == "InputFile" and isinstance(value, FileField):
        return value
    raise _Mismatch(f'field "{path}" must be of type {type_name}')

"""Frozen dataclass configs: checked fields, to and from plain mappings and YAML, `_target_` under an allow-list.

A model config is a frozen dataclass. It doubles as a Hydra structured config
(`omegaconf.OmegaConf.structured(MyModel.Config)`), and it goes into archives as YAML. Reading one back
goes through `config_from_dict`, which checks every key and type against the dataclass and never
imports anything named in the file. What a field's value may be is written in its annotation
(`n_mels: Annotated[int, Interval(ge=1)] = 80`) and checked by `CheckedConfig`, in one place for every config.
"""

from __future__ import annotations

import abc
import dataclasses
import enum
import operator
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, TypeVar

import yaml

from ._errors import ConfigError

__all__ = [
    "CheckedConfig",
    "FieldRule",
    "Interval",
    "MultipleOf",
    "OneOf",
    "config_to_dict",
    "config_from_dict",
    "config_to_yaml",
    "config_from_yaml",
    "find_targets",
    "check_targets",
    "register_target",
    "instantiate",
    "structured_config",
    "config_from_omegaconf",
    "register_config_upgrade",
]

C = TypeVar("C")

# ------------------------------------------------------------------------------------------- checked fields


class FieldRule(abc.ABC):
    """What one field of a `CheckedConfig` may hold, written in its annotation: `Annotated[int, Interval(ge=1)]`.

    A rule reads the value and, for bounds that name other fields, the whole config. A value of `None` (an
    optional field left out) satisfies every rule but `OneOf`.
    """

    @abc.abstractmethod
    def broken_by(self, value: Any, config: Any) -> str | None:
        """`None` if `value` satisfies the rule, else what the field must be (`"> 0 and <= n_fft=512"`)."""

    def shown(self, value: Any) -> str:
        """How the message shows the value that broke the rule (its `repr`; a rule on a nested config says less)."""
        return repr(value)


def _bound(bound: float | str, config: Any) -> tuple[float | None, str]:
    """A bound's value and how to print it: a number, or another field of the config by name."""
    if isinstance(bound, str):
        value = getattr(config, bound)
        return value, f"{bound}={value}"
    return bound, str(bound)


_COMPARISONS = (("gt", ">", operator.gt), ("ge", ">=", operator.ge), ("lt", "<", operator.lt), ("le", "<=", operator.le))


@dataclass(frozen=True)
class Interval(FieldRule):
    """Bounds of a number: `Interval(ge=0, lt=1)` is [0, 1); a bound may name another field (`le="n_fft"`).

    A bound that names a field holding `None` is not checked. `why`, if given, ends the message.
    """

    gt: float | str | None = None
    ge: float | str | None = None
    lt: float | str | None = None
    le: float | str | None = None
    why: str = ""

    def broken_by(self, value: Any, config: Any) -> str | None:
        if value is None:
            return None
        wanted, broken = [], False
        for name, symbol, holds in _COMPARISONS:
            bound = getattr(self, name)
            if bound is None:
                continue
            limit, shown = _bound(bound, config)
            if limit is None:
                continue
            wanted.append(f"{symbol} {shown}")
            broken = broken or not holds(value, limit)
        return _with_why(" and ".join(wanted), self.why) if broken else None


@dataclass(frozen=True)
class MultipleOf(FieldRule):
    """A whole multiple of `step`, a number or another field by name; `MultipleOf(2, remainder=1)`: odd.

    `why`, if given, ends the message.
    """

    step: int | str
    remainder: int = 0
    why: str = ""

    def broken_by(self, value: Any, config: Any) -> str | None:
        if value is None:
            return None
        step, shown = _bound(self.step, config)
        if step is None or step < 1 or value % step == self.remainder:
            return None
        if self.step == 2:
            wanted = "odd" if self.remainder else "even"
        else:
            wanted = f"a multiple of {shown}" + (f" plus {self.remainder}" if self.remainder else "")
        return _with_why(wanted, self.why)


class OneOf(FieldRule):
    """One of the given values (`None` among them if the field may be left out)."""

    def __init__(self, *values: object) -> None:
        self.values = values

    def __repr__(self) -> str:
        return f"OneOf({', '.join(map(repr, self.values))})"

    def broken_by(self, value: Any, config: Any) -> str | None:
        return None if value in self.values else "one of " + ", ".join(map(repr, self.values))


def _with_why(wanted: str, why: str) -> str:
    return f"{wanted} ({why})" if why else wanted


_FIELD_RULES: dict[type, list[tuple[str, tuple[FieldRule, ...]]]] = {}


def _field_rules(cls: type) -> list[tuple[str, tuple[FieldRule, ...]]]:
    """The fields of a config class that carry rules, with their rules (read once per class)."""
    found = _FIELD_RULES.get(cls)
    if found is None:
        hints = typing.get_type_hints(cls, include_extras=True)
        found = []
        for field in dataclasses.fields(cls):
            hint = hints[field.name]
            if typing.get_origin(hint) is typing.Annotated:
                rules = tuple(item for item in typing.get_args(hint)[1:] if isinstance(item, FieldRule))
                if rules:
                    found.append((field.name, rules))
        _FIELD_RULES[cls] = found
    return found


class CheckedConfig:
    """The base of frozen config dataclasses: the `FieldRule`s in the fields' annotations are checked at creation.

    Every broken rule is reported in one `ConfigError` naming the class, each field, what it must be and what it
    holds: `JasperBlockConfig: filters must be >= 1, got 0; dropout must be >= 0 and < 1, got 1.5`. A config with a
    rule that no single field states overrides `__post_init__`, calling `super().__post_init__()` first. For
    example, `Window(length=1024)` of

    ```python
    @dataclass(frozen=True)
    class Window(CheckedConfig):
        n_fft: Annotated[int, Interval(ge=1)] = 512
        length: Annotated[int, Interval(gt=0, le="n_fft")] = 400
    ```

    raises `ConfigError("Window: length must be > 0 and <= n_fft=512, got 1024")`.
    """

    __slots__ = ()

    def __post_init__(self) -> None:
        problems = [
            f"{name} must be {wanted}, got {rule.shown(value)}"
            for name, rules in _field_rules(type(self))
            for rule in rules
            if (wanted := rule.broken_by(value := getattr(self, name), self)) is not None
        ]
        if problems:
            raise ConfigError(f"{type(self).__name__}: " + "; ".join(problems))


# ---------------------------------------------------------------------------------------- plain data, YAML


def config_to_dict(config: Any) -> dict[str, Any]:
    """Turn a (nested) config dataclass into plain Python data: dicts, lists, str, int, float, bool, None.

    **Arguments:**

    - `config`: a dataclass instance.

    **Returns:** a dict safe for `yaml.safe_dump` and `json.dumps`.
    """
    if not dataclasses.is_dataclass(config) or isinstance(config, type):
        raise ConfigError(f"config_to_dict expects a dataclass instance, got {type(config).__name__}")
    return typing.cast(dict[str, Any], _plain(config))


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: _plain(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise ConfigError(f"cannot store a value of type {type(value).__name__} in a config: {value!r}")


def config_from_dict(cls: type[C], data: Mapping[str, Any], *, where: str = "config") -> C:
    """Build the dataclass `cls` from a mapping, checking keys and types.

    **Arguments:**

    - `cls`: a (frozen) dataclass type; nested dataclass fields are built recursively.
    - `data`: the mapping (from YAML, JSON or OmegaConf `to_container`).
    - `where`: a label for error messages (a file name, `"config.encoder"`).

    **Returns:** an instance of `cls`. Unknown keys, missing required keys and values of the wrong type
    raise `ConfigError` naming the key and the expected type.
    """
    if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
        raise ConfigError(f"{where}: {cls!r} is not a dataclass type")
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: expected a mapping for {cls.__name__}, got {type(data).__name__}")
    upgrade = _UPGRADES.get(cls)
    if upgrade is not None:
        data = upgrade(data)
    hints = typing.get_type_hints(cls)
    fields = {field.name: field for field in dataclasses.fields(cls) if field.init}
    unknown = sorted(str(key) for key in data if key not in fields)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key(s) {', '.join(map(repr, unknown))} for {cls.__name__}; "
            f"valid keys: {', '.join(fields)}"
        )
    values: dict[str, Any] = {}
    for name, field in fields.items():
        if name in data:
            values[name] = _convert(data[name], hints[name], f"{where}.{name}")
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            raise ConfigError(f"{where}: missing required key {name!r} for {cls.__name__}")
    return cls(**values)


_UPGRADES: dict[type, Callable[[Mapping[str, Any]], Mapping[str, Any]]] = {}


def register_config_upgrade(cls: type, upgrade: Callable[[Mapping[str, Any]], Mapping[str, Any]]) -> None:
    """Let `config_from_dict` read `cls` from mappings written with older field names.

    **Arguments:**

    - `cls`: the config dataclass.
    - `upgrade`: maps a mapping as read (from an archive, YAML or OmegaConf) to one with the current names;
      it returns current mappings unchanged. Keys and types are checked after it.
    """
    if cls in _UPGRADES and _UPGRADES[cls] is not upgrade:
        raise ConfigError(f"a config upgrade is already registered for {cls.__name__}")
    _UPGRADES[cls] = upgrade


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")


def _convert(value: Any, tp: Any, where: str) -> Any:
    if tp is Any or tp is object:
        return value
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for option in args:
            if option is type(None):
                continue
            try:
                return _convert(value, option, where)
            except ConfigError as error:
                errors.append(str(error))
        raise ConfigError(f"{where}: {value!r} matches none of {_type_name(tp)}")
    if origin is typing.Literal:
        if value in args:
            return value
        raise ConfigError(f"{where}: {value!r} is not one of {', '.join(map(repr, args))}")
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if isinstance(value, tp):
            return value
        return config_from_dict(tp, value, where=where)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        try:
            return tp(value)
        except ValueError:
            raise ConfigError(
                f"{where}: {value!r} is not a valid {tp.__name__} ({', '.join(repr(m.value) for m in tp)})"
            ) from None
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where}: expected a list for {_type_name(tp)}, got {value!r}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_convert(item, args[0], f"{where}[{i}]") for i, item in enumerate(value))
        if args and len(args) != len(value):
            raise ConfigError(f"{where}: expected {len(args)} items for {_type_name(tp)}, got {len(value)}")
        if not args:
            return tuple(value)
        return tuple(
            _convert(item, arg, f"{where}[{i}]")
            for i, (item, arg) in enumerate(zip(value, args, strict=True))
        )
    if origin is list:
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where}: expected a list, got {value!r}")
        return [_convert(item, args[0], f"{where}[{i}]") if args else item for i, item in enumerate(value)]
    if origin in (dict, Mapping) or tp is dict:
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where}: expected a mapping, got {value!r}")
        if not args:
            return dict(value)
        return {_convert(k, args[0], where): _convert(v, args[1], f"{where}.{k}") for k, v in value.items()}
    if tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif tp is bool or tp is str:
        if isinstance(value, tp):
            return value
    elif isinstance(tp, type):
        if isinstance(value, tp):
            return value
    else:  # pragma: no cover - unusual annotations are passed through
        return value
    raise ConfigError(f"{where}: expected {_type_name(tp)}, got {type(value).__name__} {value!r}")


def config_to_yaml(config: Any) -> str:
    """Serialise a config dataclass to YAML text (`yaml.safe_dump`, keys in field order)."""
    return yaml.safe_dump(config_to_dict(config), sort_keys=False, allow_unicode=True)


def config_from_yaml(cls: type[C], text: str | bytes, *, where: str = "config.yaml") -> C:
    """Parse YAML with `yaml.safe_load`, refuse `_target_` keys outside the allow-list, build `cls`."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ConfigError(f"{where}: not valid YAML ({error})") from None
    if data is None:
        data = {}
    check_targets(data, allowed=_TARGETS, where=where)
    return config_from_dict(cls, data, where=where)


def structured_config(config: Any) -> Any:
    """An OmegaConf structured config (type-checked on merge) for a config dataclass or instance.

    OmegaConf marks frozen dataclasses read-only, which would refuse every Hydra override; the
    returned node is writable but keeps the field types, so `lr=fast` is still an error. Convert the
    result back with `config_from_omegaconf`, which gives the frozen dataclass again.

    **Arguments:**

    - `config`: a config dataclass type (defaults) or instance.

    **Returns:** an `omegaconf.DictConfig`; usable as `ConfigStore.instance().store(node=...)`.
    """
    from omegaconf import DictConfig, ListConfig, OmegaConf

    node = OmegaConf.structured(config)

    def thaw(item: Any) -> None:
        item._set_flag("readonly", None)
        if isinstance(item, DictConfig) and not item._is_none() and not item._is_missing():
            for key in item.keys():
                thaw(item._get_node(key))
        elif isinstance(item, ListConfig) and not item._is_none() and not item._is_missing():
            for index in range(len(item)):
                thaw(item._get_node(index))

    thaw(node)
    return node


def config_from_omegaconf(cls: type[C], node: Any, *, where: str = "config") -> C:
    """Build the frozen dataclass `cls` from an OmegaConf node (interpolations resolved)."""
    from omegaconf import OmegaConf

    data = OmegaConf.to_container(node, resolve=True)
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: expected a mapping for {cls.__name__}, got {type(data).__name__}")
    check_targets(data, allowed=_TARGETS, where=where)
    return config_from_dict(cls, {str(key): value for key, value in data.items()}, where=where)


# --------------------------------------------------------------------------------------------- _target_

_TARGETS: dict[str, Callable[..., Any]] = {}


def register_target(name: str, factory: Callable[..., Any]) -> None:
    """Allow `_target_: name` in configs; `instantiate` will call `factory(**kwargs)` for it.

    **Arguments:**

    - `name`: the string written in YAML (a dotted path or a short name).
    - `factory`: the callable it stands for.
    """
    existing = _TARGETS.get(name)
    if existing is not None and existing is not factory:
        raise ConfigError(f"_target_ {name!r} is already registered for {existing!r}")
    _TARGETS[name] = factory


def find_targets(data: Any, where: str = "config") -> Iterable[tuple[str, str]]:
    """Yield `(location, value)` for every `_target_` key found in nested mappings and lists."""
    if isinstance(data, Mapping):
        for key, value in data.items():
            if key == "_target_":
                yield where, str(value)
            else:
                yield from find_targets(value, f"{where}.{key}")
    elif isinstance(data, list):
        for i, item in enumerate(data):
            yield from find_targets(item, f"{where}[{i}]")


def check_targets(
    data: Any, *, allowed: Iterable[str] | Callable[[str], bool], where: str = "config"
) -> None:
    """Raise `ConfigError` if any `_target_` in `data` is not allowed.

    **Arguments:**

    - `data`: parsed YAML.
    - `allowed`: allowed names, or a predicate on the name.
    - `where`: a label for the message.
    """
    is_allowed = allowed if callable(allowed) else set(allowed).__contains__
    for location, target in find_targets(data, where):
        if not is_allowed(target):
            raise ConfigError(
                f"{location}: _target_ {target!r} is not in the allow-list; nothing was imported or called "
                "(hint: register the class with neuraltypes_collections.common.register_target)"
            )


def instantiate(node: Mapping[str, Any], **overrides: Any) -> Any:
    """Build the object a config node describes, resolving `_target_` only through the allow-list.

    **Arguments:**

    - `node`: a mapping with a `_target_` key (nested nodes with `_target_` are built first).
    - `overrides`: keyword arguments that replace entries of `node`.

    **Returns:** `factory(**kwargs)` for the registered factory. Unknown targets raise `ConfigError`.
    """
    if not isinstance(node, Mapping) or "_target_" not in node:
        raise ConfigError(f"instantiate expects a mapping with a '_target_' key, got {node!r}")
    check_targets(dict(node), allowed=_TARGETS)
    kwargs = {key: _build(value) for key, value in node.items() if key != "_target_"}
    kwargs.update(overrides)
    return _TARGETS[str(node["_target_"])](**kwargs)


def _build(value: Any) -> Any:
    if isinstance(value, Mapping):
        if "_target_" in value:
            return instantiate(value)
        return {key: _build(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_build(item) for item in value]
    return value

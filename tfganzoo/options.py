"""How an option is declared, and what derives from its declaration.

An option is a field of a frozen dataclass (tfganzoo.config.Config) made by `option(...)`: its type is the
annotation, and its metadata hold its help, the check its values must pass or the registry it names, the
models it applies to, what reads it and whether a resumed run may change it. From those come each value's
validation (`check_value`), the absl flags (`define_flags`, `values_from_flags`) with each preset's values in
their help, and the flags reference of docs/flags.md (`reference`).
"""

import dataclasses
import types
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from tfganzoo import models as model_registry
from tfganzoo.errors import UserError, unknown_choice


@dataclasses.dataclass(frozen=True)
class Check:
    """What an option's values must satisfy: `requirement` completes "<name> must ...", `bounds` are the absl
    flag's lower_bound / upper_bound saying the same on the command line (where they can)."""

    requirement: str
    accepts: Callable
    bounds: dict = dataclasses.field(default_factory=dict)


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


POSITIVE_INT = Check("be a positive integer", lambda v: _is_int(v) and v > 0, {"lower_bound": 1})
COUNT = Check("be zero or a positive integer", lambda v: _is_int(v) and v >= 0, {"lower_bound": 0})
POSITIVE = Check("be positive", lambda v: _is_number(v) and v > 0)
NON_NEGATIVE = Check("be zero or positive", lambda v: _is_number(v) and v >= 0, {"lower_bound": 0})
FRACTION = Check("lie in [0, 1)", lambda v: _is_number(v) and 0 <= v < 1, {"lower_bound": 0})
SEED = Check(
    "be an integer in [0, 2**32)", lambda v: _is_int(v) and 0 <= v < 2**32, {"lower_bound": 0, "upper_bound": 2**32 - 1}
)
SAMPLES = Check("be an integer of at least 10", lambda v: _is_int(v) and v >= 10, {"lower_bound": 10})
NO_OR_SAMPLES = Check("be 0 or at least 10", lambda v: _is_int(v) and (v == 0 or v >= 10), {"lower_bound": 0})
PLAIN_NAME = Check("be a plain directory name", lambda v: isinstance(v, str) and bool(v) and Path(v).name == v)
TYPE_REQUIREMENT = {bool: "be true or false", int: "be an integer", float: "be a number", str: "be text"}


def option(
    default=dataclasses.MISSING,
    help="",
    *,
    check=None,
    choices=None,
    models=None,
    reads="run",
    resumable=False,
    aliases=(),
    flag_default=None,
    flag=True,
):
    """A Config field with what the rest of the project derives from it.

    check: a Check; choices: a function returning the registry of valid names (its keys); models: the models
    that read it (None: all); reads: "run" (training, evaluation, files), "gan" (an argument of the model's GAN
    class) or "network" (its build functions); resumable: a resumed run may change it; aliases: other flag
    spellings (the tutorial's); flag_default: the flag's default where the field has none (model); flag: False
    for what the data fills in.
    """
    metadata = {
        "help": help,
        "check": check,
        "choices": choices,
        "models": models,
        "reads": reads,
        "resumable": resumable,
        "aliases": aliases,
        "flag_default": flag_default,
        "flag": flag,
    }
    return dataclasses.field(default=default, metadata=metadata)


def value_type(field):
    """(the annotation's type, whether None is allowed): `float | None` -> (float, True)."""
    if isinstance(field.type, types.UnionType):
        kinds = [t for t in field.type.__args__ if t is not type(None)]
        return kinds[0], len(kinds) < len(field.type.__args__)
    return field.type, False


def applies(field, model):
    """Whether `model` reads the option."""
    return field.metadata["models"] is None or model in field.metadata["models"]


def check_value(field, value, model):
    """A UserError unless `value` is valid for the option `field` in a run of `model`: its type, its check or
    registry, and, for an option of some models only, left at its default by the others."""
    meta = field.metadata
    kind, optional = value_type(field)
    requirement = meta["check"].requirement if meta["check"] else TYPE_REQUIREMENT.get(kind, "be set")
    if value is None:
        if optional or not meta["flag"]:
            return
        raise UserError(f"{field.name} must {requirement}, got None")
    right_type = {
        bool: isinstance(value, bool),
        int: _is_int(value),
        float: _is_number(value),
        str: isinstance(value, str),
    }.get(kind, True)
    if not right_type or (meta["check"] and not meta["check"].accepts(value)):
        raise UserError(f"{field.name} must {requirement}, got {value!r}")
    if meta["choices"] and value not in meta["choices"]():
        raise unknown_choice(field.name, value, meta["choices"]())
    if not applies(field, model) and value != field.default:
        raise UserError(f"{field.name}={value!r} is an option of {', '.join(meta['models'])}, not of {model}")


# ----- the command line -----
def preset_values(field):
    """{preset: {model: value}} of the option for the models it applies to, or {} if no preset sets it."""
    name = field.name
    owners = [m for m in sorted(model_registry.MODELS) if applies(field, m)]
    presets = model_registry.PRESETS
    if not any(name in model_registry.recipe(m, p) for m in owners for p in presets):
        return {}
    default = None if field.default is dataclasses.MISSING else field.default
    return {p: {m: model_registry.recipe(m, p).get(name, default) for m in owners} for p in presets}


def _format(value):
    return str(value).lower() if isinstance(value, bool) else str(value)


def describe_presets(field):
    """The values the presets give the option, e.g. "default: 64 (gan 32); tutorial: 64 (cgan 256)"."""
    parts = []
    for preset, by_model in preset_values(field).items():
        common = Counter(by_model.values()).most_common(1)[0][0]
        others = [f"{m} {_format(v)}" for m, v in by_model.items() if v != common]
        parts.append(f"{preset}: {_format(common)}" + (f" ({', '.join(others)})" if others else ""))
    return "; ".join(parts)


def flag_default(field):
    """The absl flag's default: None where a preset sets the option (the preset's value then applies)."""
    if preset_values(field):
        return None
    if field.default is dataclasses.MISSING or field.default is None:
        return field.metadata["flag_default"]
    return field.default


def describe(field):
    """The option's help, with the models it applies to and its registry's entries where they describe
    themselves (the models' DESCRIPTION)."""
    text = field.metadata["help"]
    if field.metadata["models"]:
        text = f"{', '.join(field.metadata['models'])}: {text}"
    registry = field.metadata["choices"]() if field.metadata["choices"] else {}
    if described := [f"{key}, {entry.DESCRIPTION}" for key, entry in registry.items() if hasattr(entry, "DESCRIPTION")]:
        text += f" ({'; '.join(described)})"
    return text


def flag_help(field):
    """describe(field), then each preset's values."""
    presets = describe_presets(field)
    return describe(field) + (f" Presets: {presets}." if presets else "")


def define_flags(fields, flag_values, module_name):
    """Defines an absl flag for each of the options `fields` (dataclasses.fields of a Config), plus its aliases,
    in `flag_values` (absl.flags.FLAGS), listed by --helpshort under `module_name` (the script's: sys.argv[0])."""
    from absl import flags

    for field in fields:
        if not field.metadata["flag"]:
            continue
        name, (kind, _) = field.name, value_type(field)
        default, help_text = flag_default(field), flag_help(field)
        bounds = field.metadata["check"].bounds if field.metadata["check"] else {}
        # absl.logging defines --log_dir for log files it writes only on request (never here); take it over.
        common = {"flag_values": flag_values, "module_name": module_name, "allow_override": name in flag_values}
        if field.metadata["choices"]:
            flags.DEFINE_enum(name, default, list(field.metadata["choices"]()), help_text, **common)
        elif kind is bool:
            flags.DEFINE_bool(name, default, help_text, **common)
        elif kind is int:
            flags.DEFINE_integer(name, default, help_text, **bounds, **common)
        elif kind is float:
            flags.DEFINE_float(name, default, help_text, **bounds, **common)
        else:
            flags.DEFINE_string(name, default, help_text, **common)
        for alias in field.metadata["aliases"]:
            flags.DEFINE_alias(alias, name, flag_values=flag_values)


def values_from_flags(fields, flag_values):
    """{option: the value its flag was given, else None} for each of the options `fields` that has a flag
    (define_flags), so that what the user did not set can take a preset's or a loss's recipe. An option without
    a default gets its flag's default (--model's)."""
    return {
        field.name: flag.value if flag.present or field.default is dataclasses.MISSING else None
        for field in fields
        if field.metadata["flag"]
        for flag in [flag_values[field.name]]
    }


def reference(fields):
    """docs/flags.md: the flags of the options `fields`, as they are declared."""
    lines = [
        "# train.py flags",
        "",
        "Generated from the option declarations in `tfganzoo/config.py` by `python -m tfganzoo.config`; do not",
        "edit by hand. A value in the presets column is what `--preset=default` / `--preset=tutorial` gives",
        'when the flag is not set; "resumable" options may change when a run is resumed (all others must',
        "match the run's config.json).",
        "",
        "| flag | type | default | resumable | what it does |",
        "|---|---|---|---|---|",
    ]
    for field in fields:
        if not field.metadata["flag"]:
            continue
        name, (kind, optional) = field.name, value_type(field)
        type_name = "name" if field.metadata["choices"] else kind.__name__
        presets = describe_presets(field)
        default = flag_default(field)
        default = f"presets: {presets}" if presets else "unset" if default is None else f"`{_format(default)}`"
        aliases = "".join(f" (`--{a}`)" for a in field.metadata["aliases"])
        registry = field.metadata["choices"]() if field.metadata["choices"] else {}
        described = any(hasattr(entry, "DESCRIPTION") for entry in registry.values())
        choices = f" Choices: {', '.join(f'`{c}`' for c in registry)}." if registry and not described else ""
        lines.append(
            f"| `--{name}`{aliases} | {type_name}{' or unset' if optional else ''} | {default} | "
            f"{'yes' if field.metadata['resumable'] else ''} | {describe(field)}"
            f"{choices} |"
        )
    lines += [
        "",
        "Also: `--lr` sets `--g_lr` and `--d_lr` together; `--fresh` moves an existing run aside and starts over.",
        "",
    ]
    return "\n".join(lines)

"""Reading distributions from model-file strings and mappings (no eval)."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Any

from relsim.dists._numpy import is_array
from relsim.dists.base import Distribution
from relsim.dists.families import (
    Empirical,
    Exponential,
    Fixed,
    Gamma,
    Lognormal,
    Normal,
    Uniform,
    Weibull,
)
from relsim.units import _UNIT_RATIO, _float, _is_bool, _rate_parts, _show, parse_duration

__all__ = ["DIST_NAMES", "distribution", "parse_dist"]
# --------------------------------------------------------------------------
# parsing


@dataclass(frozen=True)
class _Form:
    params: tuple[str, ...]
    positional: tuple[str, ...]
    needs: str
    example: str
    build: Callable[[dict[str, Any], Callable[[str, Exception], ValueError]], Distribution]


def _param_duration(params: dict[str, Any], key: str, err: Callable[..., ValueError]) -> float:
    try:
        return parse_duration(params[key])
    except ValueError as e:
        raise err(key, e) from None


def _param_positive_duration(
    params: dict[str, Any], key: str, err: Callable[..., ValueError]
) -> float:
    x = _param_duration(params, key, err)
    if x <= 0:
        raise err(key, ValueError(f"must be > 0, got {_show(params[key])}"))
    return x


def _param_shape(params: dict[str, Any], key: str, err: Callable[..., ValueError]) -> float:
    value = params[key]
    x: float | None = None
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", text):
            x = float(text)
    elif isinstance(value, Real) and not _is_bool(value):
        x = _float(value)
    if x is None or not (math.isfinite(x) and x > 0):
        raise err(key, ValueError(f"must be a positive plain number (no unit), got {_show(value)}"))
    return x


def _build_exp(p: dict[str, Any], err: Callable[..., ValueError]) -> Distribution:
    if "mean" in p:
        return Exponential(_param_positive_duration(p, "mean", err))
    try:
        count, unit = _rate_parts(p["rate"])
    except ValueError as e:
        raise err("rate", e) from None
    if count == 0:
        raise err("rate", ValueError(f"must be > 0, got {_show(p['rate'])}"))
    num, den = _UNIT_RATIO[unit]
    mean = num / (count * den)  # seconds per event, e.g. 3600 / 2
    if not (math.isfinite(mean) and mean > 0):
        raise err("rate", ValueError(f"gives an unusable mean of {mean!r} s"))
    return Exponential(mean)


def _build_weibull(p: dict[str, Any], err: Callable[..., ValueError]) -> Distribution:
    shape = _param_shape(p, "shape", err)
    if "scale" in p:
        return Weibull(shape, _param_positive_duration(p, "scale", err))
    mean = _param_positive_duration(p, "mean", err)
    try:
        return Weibull(shape, mean=mean)
    except ValueError as e:
        raise err("shape", e) from None


def _build_lognormal(p: dict[str, Any], err: Callable[..., ValueError]) -> Distribution:
    return Lognormal(_param_positive_duration(p, "mean", err), _param_duration(p, "sd", err))


def _build_gamma(p: dict[str, Any], err: Callable[..., ValueError]) -> Distribution:
    return Gamma(_param_shape(p, "shape", err), _param_positive_duration(p, "mean", err))


def _build_normal(p: dict[str, Any], err: Callable[..., ValueError]) -> Distribution:
    return Normal(_param_duration(p, "mean", err), _param_duration(p, "sd", err))


def _build_uniform(p: dict[str, Any], err: Callable[..., ValueError]) -> Distribution:
    low = _param_duration(p, "low", err)
    high = _param_duration(p, "high", err)
    if low > high:
        raise err(
            "high",
            ValueError(f"must be >= low, got low={_show(p['low'])} > high={_show(p['high'])}"),
        )
    return Uniform(low, high)


def _build_fixed(p: dict[str, Any], err: Callable[..., ValueError]) -> Distribution:
    return Fixed(_param_duration(p, "value", err))


def _build_empirical(p: dict[str, Any], err: Callable[..., ValueError]) -> Distribution:
    raw = p["values"]
    if isinstance(raw, str):
        text = raw.strip()
        if not (text.startswith("[") and text.endswith("]")):
            raise err("values", ValueError(f"must be a list like [1h, 2h, 5h], got {_show(raw)}"))
        inner = text[1:-1].strip()
        items: list[Any] = [s.strip() for s in inner.split(",")] if inner else []
    elif (isinstance(raw, Sequence) or is_array(raw)) and not isinstance(raw, (bytes, bytearray)):
        items = list(raw)
    else:
        raise err("values", ValueError(f"must be a list like [1h, 2h, 5h], got {raw!r}"))
    if not items:
        raise err("values", ValueError("needs at least one value, e.g. [1h, 2h, 5h]"))
    vals = []
    for item in items:
        try:
            vals.append(parse_duration(item))
        except ValueError as e:
            raise err("values", e) from None
    return Empirical(tuple(vals))


_FORMS: dict[str, _Form] = {
    "exp": _Form(
        ("mean", "rate"), (), "one of mean= or rate=", "exp(mean=10h) or exp(rate=2/h)", _build_exp
    ),
    "weibull": _Form(
        ("shape", "mean", "scale"),
        (),
        "shape= and one of mean= or scale=",
        "weibull(shape=1.5, mean=1000h)",
        _build_weibull,
    ),
    "lognormal": _Form(
        ("mean", "sd"), (), "mean= and sd=", "lognormal(mean=10h, sd=5h)", _build_lognormal
    ),
    "gamma": _Form(
        ("shape", "mean"), (), "shape= and mean=", "gamma(shape=2, mean=1h)", _build_gamma
    ),
    "normal": _Form(("mean", "sd"), (), "mean= and sd=", "normal(mean=1h, sd=10m)", _build_normal),
    "uniform": _Form(
        ("low", "high"), ("low", "high"), "low and high", "uniform(1m, 5m)", _build_uniform
    ),
    "fixed": _Form(("value",), ("value",), "a value", "fixed(30s)", _build_fixed),
    "empirical": _Form(
        ("values",), ("values",), "a list of values", "empirical([1h, 2h, 5h])", _build_empirical
    ),
}
_ALIASES: dict[str, str] = {"exponential": "exp"}

#: Every distribution name accepted by :func:`parse_dist` (case-insensitive).
DIST_NAMES: tuple[str, ...] = tuple(sorted([*_FORMS, *_ALIASES]))

# (required params, groups of which exactly one is required)
_REQUIRED: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "exp": ((), ("mean", "rate")),
    "weibull": (("shape",), ("mean", "scale")),
    "lognormal": (("mean", "sd"), ()),
    "gamma": (("shape", "mean"), ()),
    "normal": (("mean", "sd"), ()),
    "uniform": (("low", "high"), ()),
    "fixed": (("value",), ()),
    "empirical": (("values",), ()),
}

_CALL_RE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*\((.*)\)\s*$", re.DOTALL)
_KEY_RE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$", re.DOTALL)


def _split_args(text: str, shown: str) -> list[str]:
    """Split on commas that are not inside brackets."""
    parts: list[str] = []
    depth = 0
    start = 0
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth < 0:
                raise ValueError(f"unbalanced brackets in {shown}")
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if depth != 0:
        raise ValueError(f"unbalanced brackets in {shown}")
    parts.append(text[start:])
    if len(parts) == 1 and not parts[0].strip():
        return []
    return parts


def _resolve_name(name: object, shown: str) -> str:
    if not isinstance(name, str):
        raise ValueError(f"distribution name must be a string, got {name!r} in {shown}")
    key = name.strip().lower()
    key = _ALIASES.get(key, key)
    if key in _FORMS:
        return key
    msg = f"unknown distribution '{name}' in {shown}"
    close = difflib.get_close_matches(name.strip().lower(), DIST_NAMES, n=1, cutoff=0.6)
    if close:
        msg += f": did you mean '{close[0]}'?"
    msg += f" (known: {', '.join(DIST_NAMES)})"
    raise ValueError(msg)


def _build(name: str, params: dict[str, Any], shown: str) -> Distribution:
    form = _FORMS[name]
    unknown = [k for k in params if k not in form.params]
    if unknown:
        bad = unknown[0]
        msg = f"unknown parameter '{bad}' for {name} in {shown}"
        close = difflib.get_close_matches(bad, form.params, n=1, cutoff=0.6)
        if close:
            msg += f": did you mean '{close[0]}'?"
        msg += f" (parameters: {', '.join(form.params)}; e.g. {form.example})"
        raise ValueError(msg)
    required, one_of = _REQUIRED[name]
    missing = [k for k in required if k not in params]
    chosen = [k for k in one_of if k in params]
    if missing or (one_of and not chosen):
        raise ValueError(f"{name} needs {form.needs}, e.g. {form.example}; got {shown}")
    if len(chosen) > 1:
        raise ValueError(
            f"{name} takes only one of {' or '.join(k + '=' for k in one_of)}, "
            f"not both; got {shown}"
        )

    def err(key: str, exc: Exception) -> ValueError:
        return ValueError(f"{name} {key} in {shown}: {exc}")

    return form.build(params, err)


def _parse_string(text: str) -> Distribution:
    shown = _show(text)
    m = _CALL_RE.match(text)
    if m is None:
        msg = f"cannot parse distribution {shown}: write e.g. exp(mean=10h), " + (
            "weibull(shape=1.5, mean=1000h), uniform(1m, 5m) or fixed(30s)"
        )
        try:
            parse_duration(text)
        except ValueError:
            pass
        else:
            msg += f"; for a constant duration write fixed({text.strip()})"
        raise ValueError(msg)
    name = _resolve_name(m.group(1), shown)
    form = _FORMS[name]
    params: dict[str, Any] = {}
    seen_keyword = False
    for i, arg in enumerate(_split_args(m.group(2), shown)):
        if not arg.strip():
            raise ValueError(f"empty argument in {shown}")
        km = _KEY_RE.match(arg)
        if km is not None:
            key, value = km.group(1), km.group(2).strip()
            seen_keyword = True
        else:
            if seen_keyword:
                raise ValueError(f"positional argument after a named one in {shown}")
            if i >= len(form.positional):
                if not form.positional:
                    raise ValueError(
                        f"{name} takes named parameters ({', '.join(form.params)}), "
                        f"e.g. {form.example}; got {shown}"
                    )
                raise ValueError(
                    f"too many arguments for {name} in {shown}: it takes "
                    f"{len(form.positional)}, e.g. {form.example}"
                )
            key, value = form.positional[i], arg.strip()
        if key in params:
            raise ValueError(f"parameter '{key}' given twice in {shown}")
        params[key] = value
    return _build(name, params, shown)


def _parse_mapping(value: Mapping[Any, Any]) -> Distribution:
    shown = repr(dict(value))
    if "dist" not in value:
        raise ValueError(
            f"distribution mapping needs a 'dist' key naming the distribution, "
            f"e.g. {{dist: weibull, shape: 1.5, mean: 1000h}}; got {shown}"
        )
    name = _resolve_name(value["dist"], shown)
    params = {str(k): v for k, v in value.items() if k != "dist"}
    return _build(name, params, shown)


def parse_dist(value: str | Mapping[str, Any] | Distribution) -> Distribution:
    """Build a :class:`Distribution` from its model-file form.

    Parameters
    ----------
    value : str, mapping or Distribution
        * A string such as ``"exp(mean=10h)"``, ``"exp(rate=2/h)"``,
          ``"exponential(...)"``, ``"weibull(shape=1.5, mean=1000h)"``,
          ``"weibull(shape=1.5, scale=1000h)"``,
          ``"lognormal(mean=10h, sd=5h)"``, ``"gamma(shape=2, mean=1h)"``,
          ``"normal(mean=1h, sd=10m)"``, ``"uniform(1m, 5m)"``,
          ``"fixed(30s)"`` or ``"empirical([1h, 2h, 5h])"``. Names are
          case-insensitive and whitespace is ignored, so reprs such as
          ``Uniform(1m, 5m)`` parse too.
        * A mapping with a ``dist`` key and the parameters, e.g.
          ``{"dist": "weibull", "shape": 1.5, "mean": "1000h"}``,
          ``{"dist": "uniform", "low": "1m", "high": "5m"}``,
          ``{"dist": "fixed", "value": "30s"}``,
          ``{"dist": "empirical", "values": ["1h", "2h"]}``.
        * A :class:`Distribution`, returned unchanged.

        Durations go through :func:`relsim.units.parse_duration` (a bare
        number is an error unless it is 0); rates through
        :func:`relsim.units.parse_rate` (a unit is required); ``shape`` is a
        positive plain number.

    Returns
    -------
    Distribution

    Raises
    ------
    ValueError
        For an unknown distribution name (with a suggestion), a missing,
        unknown or repeated parameter, a bad duration or rate (the message
        of :mod:`relsim.units` is included), or a parameter out of range
        (e.g. a mean or shape that is not > 0).

    Examples
    --------
    >>> parse_dist("weibull(shape=1.5, mean=1y)")
    Weibull(shape=1.5, mean=1y)
    >>> parse_dist({"dist": "fixed", "value": "30s"})
    Fixed(30s)
    """
    if isinstance(value, Distribution):
        return value
    if isinstance(value, str):
        return _parse_string(value)
    if isinstance(value, Mapping):
        return _parse_mapping(value)
    raise ValueError(
        f"cannot interpret {value!r} as a distribution: write e.g. exp(mean=10h) or "
        f"{{dist: exp, mean: 10h}}"
    )


# --------------------------------------------------------------------------
# families registered by plugins (docs/extending.md)

_PARAM_KINDS: dict[str, Callable[[dict[str, Any], str, Callable[..., ValueError]], float]] = {
    "duration": _param_duration,
    "positive_duration": _param_positive_duration,
    "number": _param_shape,
}


def distribution(name: str, params: Mapping[str, str], positional: Sequence[str] = (),
                 example: str = "") -> Callable[[type[Distribution]], type[Distribution]]:
    """Register a :class:`Distribution` subclass as the family ``name`` of model strings (a decorator).

    After registration ``name(p=..., q=...)`` (and ``{dist: name, ...}``)
    parse anywhere a model file takes a distribution. The class follows the
    rules of relsim's own families (docs/architecture.md, "Adding a
    distribution"): a frozen dataclass with parameters in seconds, ``var``,
    ``_cdf``, ``_ppf``, ``sample``, ``mean`` and ``spec()`` with
    ``parse_dist(d.spec()) == d``. It must be defined in an importable
    module, so that worker processes can unpickle it.

    Parameters
    ----------
    name : str
        Lower-case family name (not one of relsim's own).
    params : mapping of str to str
        Every parameter (all required) and how it is read: ``"duration"``
        (``10m``, 0 allowed), ``"positive_duration"`` or ``"number"`` (a
        positive plain number, such as a shape). The class is called with
        them as keyword arguments, in seconds.
    positional : sequence of str
        Parameters that may be given without ``key=``, in this order.
    example : str
        A valid spelling, for error messages.

    Raises
    ------
    ValueError
        For a name that is taken or not lower-case, an unknown parameter kind,
        or a class that is not a Distribution.
    """
    key = str(name).strip().lower()
    if not re.fullmatch(r"[a-z][a-z0-9_]*", key) or key in _ALIASES:
        raise ValueError(f"distribution name must be a lower-case identifier, got {name!r}")
    bad = {p: k for p, k in params.items() if k not in _PARAM_KINDS}
    if bad:
        raise ValueError(f"distribution {key}: parameter kinds must be one of {', '.join(_PARAM_KINDS)}, got {bad}")
    names = tuple(params)
    if any(p not in names for p in positional):
        raise ValueError(f"distribution {key}: positional {tuple(positional)} must be among {names}")
    shown = example or f"{key}({', '.join(f'{p}=...' for p in names)})"

    def register(cls: type[Distribution]) -> type[Distribution]:
        if not (isinstance(cls, type) and issubclass(cls, Distribution)):
            raise ValueError(f"distribution {key}: expected a Distribution subclass, got {cls!r}")
        old = _FORMS.get(key)
        if old is not None and getattr(old.build, "family", None) is not cls and (
                getattr(getattr(old.build, "family", None), "__qualname__", None) != cls.__qualname__):
            raise ValueError(f"distribution {key!r} is already defined")

        def build(p: dict[str, Any], err: Callable[..., ValueError]) -> Distribution:
            values = {k: _PARAM_KINDS[params[k]](p, k, err) for k in names}
            try:
                return cls(**values)
            except (TypeError, ValueError) as exc:
                raise err(names[0], exc) from None

        build.family = cls  # type: ignore[attr-defined]
        _FORMS[key] = _Form(names, tuple(positional), " and ".join(f"{p}=" for p in names), shown, build)
        _REQUIRED[key] = (names, ())
        global DIST_NAMES
        if key not in DIST_NAMES:  # relsim's own names first, then the registered ones
            DIST_NAMES = (*DIST_NAMES, key)
        return cls

    return register

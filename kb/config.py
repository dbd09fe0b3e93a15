"""Settings, read in one place: defaults < config file < environment (KB_*) < command-line flags.

The config file is TOML with the same keys as ``Settings`` (``casebook.toml`` in the working
directory, or the path in ``--config`` / ``KB_CONFIG``). The CLI, the app and the scheduler all
call ``load_settings`` so they agree on where the knowledge base lives.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

NCBI_EUTILS = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
CONFIG_FILE = "casebook.toml"


class ConfigError(ValueError):
    """A setting has a wrong name or value; the message says which and where it came from."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("kbdata")
    cache_dir: Path | None = None  # default: <data_dir>/cache
    ratelimit_dir: Path | None = (
        None  # shared by all processes of a user; default ~/.cache/casebook
    )
    email: str | None = None  # NCBI asks for a contact address with every request
    api_key: str | None = None  # raises NCBI's limit from 3 to 10 requests/s
    tool: str = "casebook"
    eutils_url: str = NCBI_EUTILS
    timeout: float = 30.0  # seconds per read of an HTTP request (connect, each chunk)
    deadline: float = 120.0  # seconds per HTTP request in all, however steadily bytes come
    max_answer_bytes: int = 32 * 1024 * 1024  # a larger answer is a failed request
    max_attempts: int = 6  # per request, including the first
    backoff: float = 1.0  # base of the exponential backoff, seconds
    backoff_max: float = 60.0
    cache_max_age: float | None = None  # seconds; None: cached answers never expire
    use_cache: bool = True  # False (--no-cache): ignore cached answers, still store new ones
    offline: bool = False  # answer from the cache only
    nlp_config: Path | None = None  # a spaCy config for extraction; default data/nlp/config.cfg

    @property
    def cache_path(self) -> Path:
        return self.cache_dir or self.data_dir / "cache"

    @property
    def ratelimit_path(self) -> Path:
        return self.ratelimit_dir or Path.home() / ".cache" / "casebook"

    @property
    def requests_per_second(self) -> float:
        return 10.0 if self.api_key else 3.0


_ENV = {f.name: "KB_" + f.name.upper() for f in dataclasses.fields(Settings)}
_ENV_ALIASES = {"email": "NCBI_EMAIL", "api_key": "NCBI_API_KEY"}


def load_settings(
    overrides: dict[str, Any] | None = None,
    config_path: Path | None = None,
    environ: dict[str, str] | None = None,
) -> Settings:
    """Merge the four sources; ``overrides`` are CLI flags (``None`` values mean 'not given')."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    path = config_path or (Path(env["KB_CONFIG"]) if env.get("KB_CONFIG") else None)
    if path is None and Path(CONFIG_FILE).is_file():
        path = Path(CONFIG_FILE)
    if path is not None:
        values.update(_read_config(path))
    for name, var in _ENV.items():
        for key in (var, _ENV_ALIASES.get(name)):
            if key and env.get(key, "") != "":
                values[name] = _coerce(name, env[key], f"environment variable {key}")
                break
    for name, value in (overrides or {}).items():
        if value is not None:
            values[name] = _coerce(name, value, f"option --{name.replace('_', '-')}")
    return Settings(**values)


def _read_config(path: Path) -> dict[str, Any]:
    import tomllib  # only when a config file is read: every `kb` command starts through here

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from exc
    data = data.get("casebook", data)
    return {k: _coerce(k, v, f"config file {path}") for k, v in data.items()}


def _coerce(name: str, value: Any, origin: str) -> Any:
    fields = {f.name: f for f in dataclasses.fields(Settings)}
    if name not in fields:
        raise ConfigError(f"{origin}: unknown setting {name!r} (known: {', '.join(fields)})")
    kind = str(fields[name].type)
    try:
        if "Path" in kind:
            return Path(value).expanduser()
        if kind.startswith("bool"):
            return value if isinstance(value, bool) else str(value).lower() in {"1", "true", "yes"}
        if kind.startswith("int"):
            return int(value)
        if kind.startswith("float"):
            return float(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{origin}: {name} = {value!r} is not a valid {kind}") from exc
    if name == "eutils_url" and not str(value).endswith("/"):
        return str(value) + "/"
    return value


def settings_from(args: argparse.Namespace, **extra: object) -> Settings:
    """The settings a command runs with: its flags over the environment, the file, defaults."""
    names = {f.name for f in dataclasses.fields(Settings)}
    overrides = {k: v for k, v in vars(args).items() if k in names}
    overrides.update(extra)
    return load_settings(overrides, config_path=getattr(args, "config", None))

"""settings.ini ``[Anonymization]``: which profile and options an anonymization uses.

```ini
[Anonymization]
profile = aria                               ; aria (default) or basic
options = CleanDesc, RetainDeviceIdent       ; absent: the profile's defaults; empty: none
uid_map_file =                               ; persisted UID map (identifying!), optional
burned_in = refuse                           ; refuse or warn for burned-in annotation
```

Kept in its own module so it can be folded into :class:`Settings` without touching the
rest. Option names are checked where they are understood (rtstation.dicom.anonymize,
which config may not import); this module checks the profile and burned_in values.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from rtstation.config import values
from rtstation.config.fields import value_error
from rtstation.config.ini import read_ini

SECTION = "Anonymization"
PROFILES = ("aria", "basic")
BURNED_IN = ("refuse", "warn")


@dataclass(frozen=True)
class AnonymizationSettings:
    profile: str = "aria"
    options: tuple[str, ...] | None = None  # None: the profile's default options
    uid_map_file: str = ""
    burned_in: str = "refuse"
    source: str = "settings.ini [Anonymization]"  # for messages about these values


def load_anonymization_settings(settings_file: str | os.PathLike[str]) -> AnonymizationSettings:
    """The ``[Anonymization]`` section of ``settings_file``; defaults when file or section
    is absent. A bad value raises ConfigError naming file, section, key and value.
    """
    path = os.fspath(settings_file)
    name = os.path.basename(path)
    if not os.path.exists(path):
        return AnonymizationSettings()
    ini = read_ini(path)
    section = ini.find(SECTION)
    if section is None:
        return AnonymizationSettings()

    def get(key: str) -> str | None:
        return ini.get(section, key)

    profile = (get("profile") or "aria").strip().casefold()
    if profile not in PROFILES:
        raise value_error(name, section, "profile", profile, "expected aria or basic")
    burned_in = (get("burned_in") or "refuse").strip().casefold()
    if burned_in not in BURNED_IN:
        raise value_error(name, section, "burned_in", burned_in, "expected refuse or warn")
    raw_options = get("options")
    options = None if raw_options is None else values.parse_list(raw_options.replace(" ", ","))
    raw_map = (get("uid_map_file") or "").strip()
    uid_map = values.parse_path(raw_map, os.path.dirname(os.path.abspath(path)), "")
    return AnonymizationSettings(
        profile=profile,
        options=options,
        uid_map_file=uid_map,
        burned_in=burned_in,
        source=f"{name} [{section}] options",
    )

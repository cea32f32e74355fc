"""Memory estimates checked before a large allocation, so a big request is refused, not killed.

The limit is half the memory this machine has available now (MemAvailable in /proc/meminfo, else
the free pages `os.sysconf` reports). Set it with the `memory_limit_gb` argument the functions
offer, or for a whole session with the environment variable `CYP_DYNAMICS_MEMORY_LIMIT_GB`.
"""

from __future__ import annotations

import math
import os
from numbers import Real

ENVIRONMENT_VARIABLE = "CYP_DYNAMICS_MEMORY_LIMIT_GB"
GB = 1e9


class MemoryLimitError(ValueError):
    """A request whose estimated memory is over the limit; the message gives the way out."""


def available_memory_bytes() -> float | None:
    """Memory available to new work now (bytes), or None where the system does not say."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024  # the file gives kB
    except (OSError, ValueError, IndexError):
        pass
    try:
        return float(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return None


def memory_limit_bytes(memory_limit_gb: float | None = None) -> tuple[float, str]:
    """The limit in bytes and a few words on where it comes from."""
    if memory_limit_gb is None:
        text = os.environ.get(ENVIRONMENT_VARIABLE, "").strip()
        if text:
            try:
                value = float(text)
            except ValueError:
                raise ValueError(f"The environment variable {ENVIRONMENT_VARIABLE} must be a number "
                                 f"of gigabytes such as 8; it is {text!r}.") from None
            return _checked_gb(value, ENVIRONMENT_VARIABLE) * GB, f"{ENVIRONMENT_VARIABLE}={text}"
        available = available_memory_bytes()
        if available is None:
            return math.inf, "no limit: this system does not report its free memory"
        return available / 2, f"half the {_size(available)} this machine has available now"
    return _checked_gb(memory_limit_gb, "memory_limit_gb") * GB, f"memory_limit_gb={memory_limit_gb:g}"


def _checked_gb(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not value > 0:
        raise ValueError(f"{name} must be a number of gigabytes above 0, such as 8; you gave {value!r}.")
    return float(value)


def _size(n_bytes: float) -> str:
    """A size in words: '2.7 GB', '340 MB'."""
    if n_bytes >= GB:
        return f"{n_bytes / GB:,.1f} GB"
    return f"{n_bytes / 1e6:,.0f} MB" if n_bytes >= 10e6 else f"{n_bytes / 1e6:.1f} MB"


def check_memory(estimate_bytes: float, task: str, way_out: str,
                 memory_limit_gb: float | None = None) -> None:
    """Refuse with MemoryLimitError if `estimate_bytes` is over the limit.

    `task` says what would take the memory ("10,000,000 runs of 37 times and 11 outputs");
    `way_out` says how to ask for less.
    """
    limit, source = memory_limit_bytes(memory_limit_gb)
    if estimate_bytes > limit:
        raise MemoryLimitError(
            f"{task} would need about {_size(estimate_bytes)} of memory, over the limit of "
            f"{_size(limit)} ({source}). {way_out} If the machine really has the memory, raise the "
            f"limit with memory_limit_gb=... or the environment variable {ENVIRONMENT_VARIABLE}."
        )

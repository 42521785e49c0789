"""What the operator chose when starting the server: immutable, passed to ``create_app``."""

from __future__ import annotations

import attrs

MIB = 1024 * 1024
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8181


@attrs.frozen
class Settings:
    """Server settings. ``token`` None means no authentication."""

    token: str | None = None
    max_body_bytes: int = MIB
    max_batch: int = 1000
    reload_interval: float = 1.0  # seconds between polls of the policy files; 0 turns hot reload off
    decision_log: str | None = None  # path of the JSON Lines decision log; None: no log
    log_max_bytes: int = 100 * MIB  # rotate the decision log when it would grow past this; 0: never
    log_keep: int = 5  # rotated files kept: FILE.1 ... FILE.N
    mask_fields: tuple[str, ...] = ()  # lead keys written as "***" in the decision log (any depth, any case)

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Settings:
        """Settings from plain values (as passed to worker processes); unknown keys are ignored."""
        known = {a.name for a in attrs.fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if "mask_fields" in values:
            values["mask_fields"] = tuple(values["mask_fields"])  # type: ignore[arg-type]
        return cls(**values)  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, object]:
        return attrs.asdict(self)

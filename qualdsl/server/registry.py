"""The policies of one folder, keyed by file stem, kept current by polling (hot reload).

Every ``*.qual`` file directly in the folder that is a policy (not a library such as a
framework) is loaded. ``refresh`` compares the stamps (mtime, size, inode) of each policy
file and of every file it uses with those seen when it was loaded; a changed policy is
loaded again and, when it checks, swapped in. A version that fails the check is refused
and logged with its diagnostics, and the last good version keeps serving.

Readers never lock: ``policies`` is a mapping that is replaced whole, never changed in
place, so a reader sees either the old set or the new one.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

import attrs

from qualdsl.errors import Diagnostic, PolicyError, render_all
from qualdsl.policy import Policy, check_file, load

logger = logging.getLogger("qualdsl.server.registry")

Stamp = tuple[int, int, int]  # (mtime_ns, size, inode); a file that cannot be read: (0, -1, 0)
Stamps = tuple[tuple[str, Stamp], ...]
MISSING: Stamp = (0, -1, 0)


def stamp(path: str) -> Stamp:
    try:
        st = os.stat(path)
    except OSError:
        return MISSING
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def stamps_of(paths: Iterable[str]) -> Stamps:
    return tuple((p, stamp(p)) for p in sorted(set(paths)))


def unchanged(stamps: Stamps) -> bool:
    return all(stamp(path) == seen for path, seen in stamps)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@attrs.frozen
class Entry:
    """A policy being served, and where and when it came from."""

    id: str
    file: str
    policy: Policy
    loaded_at: dt.datetime
    stamps: Stamps

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id, **self.policy.info(), "file": self.file, "loaded_at": self.loaded_at.isoformat(),
            "files": [path for path, _ in self.stamps], "warnings": len(self.policy.warnings),
        }


@attrs.frozen
class Refusal:
    """The newest version of a policy file did not check: what was wrong with it."""

    id: str
    file: str
    at: dt.datetime
    stamps: Stamps
    diagnostics: tuple[Diagnostic, ...]
    message: str

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "file": self.file, "at": self.at.isoformat(), "message": self.message,
                "diagnostics": [d.to_dict() for d in self.diagnostics if d.is_error]}


@attrs.frozen
class Library:
    """A file of the folder without `policy` and `qualify` (a framework): used, not served."""

    file: str
    stamps: Stamps


Attempt = Entry | Refusal | Library


def attempt(policy_id: str, path: str) -> Attempt:
    """Load one file: a policy to serve, a library to skip, or a refusal with the reasons."""
    before = stamp(path)
    try:
        policy = load(path)
    except PolicyError as exc:
        if check_file(path).library:
            return Library(path, ((path, before),))
        files = [path, *exc.sources]
        return Refusal(policy_id, path, utc_now(), stamps_of(files), exc.errors, exc.render())
    except Exception as exc:  # a bug in the checker must not stop the server; the last good version serves
        logger.exception("loading %s failed with an internal error", path)
        return Refusal(policy_id, path, utc_now(), ((path, before),), (), f"internal error: {exc!r}")
    files = [path, *policy.sources]
    stamps = stamps_of(files)
    if dict(stamps)[path] != before:  # written while we read it: try again at the next poll
        stamps = tuple((p, MISSING if p == path else s) for p, s in stamps)
    return Entry(policy_id, path, policy, utc_now(), stamps)


class Registry:
    """The served policies of ``directory``. ``refresh`` runs in one thread at a time."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self.policies: Mapping[str, Entry] = {}
        self.refused: Mapping[str, Refusal] = {}
        self.libraries: Mapping[str, Library] = {}
        self.counts: Counter[str] = Counter()  # loaded / reloaded / refused / removed
        self._lock = threading.Lock()
        self._dir_missing = False

    def get(self, policy_id: str) -> Entry | None:
        return self.policies.get(policy_id)

    def files(self) -> dict[str, str]:
        """The candidate files, by id (file stem), in name order."""
        found = sorted(p for p in self.directory.glob("*.qual") if p.is_file())
        return {p.stem: str(p) for p in found}

    def _seen(self, policy_id: str) -> Stamps | None:
        """The stamps of what we last read for this id (None: never read)."""
        for known in (self.refused, self.libraries, self.policies):
            if policy_id in known:
                return known[policy_id].stamps
        return None

    def refresh(self) -> bool:
        """Load new and changed files, drop removed ones; True when the served set changed."""
        with self._lock:
            if not self.directory.is_dir():  # gone for a moment (a deploy swapping folders?): keep serving
                if not self._dir_missing:
                    logger.warning("%s is not a folder any more; still serving the policies loaded", self.directory)
                self._dir_missing = True
                return False
            self._dir_missing = False
            files = self.files()
            policies, refused, libraries = dict(self.policies), dict(self.refused), dict(self.libraries)
            for policy_id, path in files.items():
                seen = self._seen(policy_id)
                if seen is not None and unchanged(seen):
                    continue
                self._apply(policy_id, attempt(policy_id, path), policies, refused, libraries)
            for gone in set(policies) - set(files):
                logger.warning("policy %s: %s was removed; no longer served", gone, policies[gone].file)
                del policies[gone]
                self.counts["removed"] += 1
            for table in (refused, libraries):
                for gone in set(table) - set(files):
                    del table[gone]
            changed = policies != self.policies
            self.policies, self.refused, self.libraries = policies, refused, libraries
            return changed

    def _apply(self, policy_id: str, result: Attempt, policies: dict[str, Entry], refused: dict[str, Refusal],
               libraries: dict[str, Library]) -> None:
        refused.pop(policy_id, None)
        libraries.pop(policy_id, None)
        if isinstance(result, Entry):
            old = policies.get(policy_id)
            policies[policy_id] = result
            verb = "loaded" if old is None else "reloaded"
            self.counts[verb] += 1
            was = f" (was {old.policy.content_hash})" if old is not None else ""
            logger.info("policy %s %s: %s %s, hash %s%s", policy_id, verb, result.policy.name, result.policy.version,
                        result.policy.content_hash, was)
            if result.policy.warnings:
                logger.warning("policy %s has %d warning(s):\n%s", policy_id, len(result.policy.warnings),
                               render_all(result.policy.warnings, result.policy.sources))
        elif isinstance(result, Library):
            libraries[policy_id] = result
            if policies.pop(policy_id, None) is not None:
                logger.warning("policy %s: %s is now a library (no policy or qualify); no longer served",
                               policy_id, result.file)
        else:
            refused[policy_id] = result
            self.counts["refused"] += 1
            old = policies.get(policy_id)
            keeping = f"still serving hash {old.policy.content_hash}" if old else "not served"
            logger.error("policy %s: the new version of %s was refused (%d error(s)); %s\n%s", policy_id,
                         result.file, len(result.diagnostics), keeping, result.message)

    def listing(self) -> dict[str, object]:
        """What ``GET /v1/policies`` answers: the served policies, and the files that were refused."""
        policies, refused = self.policies, self.refused
        served = []
        for policy_id, entry in sorted(policies.items()):
            item = entry.to_dict()
            item["refused"] = refused[policy_id].to_dict() if policy_id in refused else None
            served.append(item)
        unavailable = [r.to_dict() for i, r in sorted(refused.items()) if i not in policies]
        return {"policies": served, "unavailable": unavailable}

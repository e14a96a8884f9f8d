"""Upgrading a state database written by an earlier release, keeping offsets, open events,
threshold windows and the outbox.

Schema 1 (release 0.1) keyed events by ``signature|host|name=value...``, a text that field
values containing ``|`` or ``=`` made ambiguous. Schema 2 keys them by ``EventKey`` (JSON text).
The tables are unchanged; the detector's snapshot is converted when it is next loaded, because
that needs the signatures (their ``dedup.by`` names): ``upgrade_snapshot``. Reports already in
the outbox keep the key they were made with.

Schema 3 keeps the open events a row each (``open_events``), so a commit writes only those that
changed; a snapshot of schema 2 or 1 holds them itself, and is written out as rows at the first
commit.

Schema 4 adds the operator's actions (``actions``: acknowledge and resolve, with who, when and
why), created empty when an earlier database is opened.

Schema 5 adds silences (``silences``), the reports they kept back (``silenced``), the
events that ended lately (``ended``: the page's "recently resolved") and the new-error radar's
templates (``radar_templates``), created empty the same way.
"""

from __future__ import annotations

from logsentinel.detection.detector import SNAPSHOT_VERSION
from logsentinel.detection.events import EventKey
from logsentinel.signatures.model import Signature

SCHEMA_VERSION = 5


def upgrade_schema(db, found: int) -> None:
    """Bring the schema from version ``found`` to this release's, in the caller's transaction."""
    from logsentinel.dispatch.outbox import StateError

    if found > SCHEMA_VERSION:
        raise StateError(
            f"the state database has schema {found}, written by a newer logsentinel "
            f"(this one knows {SCHEMA_VERSION}): upgrade logsentinel or use another state file"
        )
    if found < SCHEMA_VERSION:
        db.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        db.execute("INSERT OR REPLACE INTO meta VALUES ('upgraded_from', ?)", (str(found),))


def upgrade_snapshot(snap: dict, signatures: list[Signature], host: str) -> tuple[dict, list[str]]:
    """A detector snapshot of schema 1 in this release's form, and what could not be carried
    over (one line each). Open events get their new key from their signature and fields;
    threshold windows from their old key read with the signature's ``dedup.by`` names."""
    if snap.get("version", 1) >= SNAPSHOT_VERSION:
        return snap, []
    by_id = {s.id: s for s in signatures}
    notes: list[str] = []
    opened = []
    for data in snap.get("open", []):
        sig = by_id.get(data.get("signature"))
        if sig is None:
            continue  # restore drops events of signatures that no longer exist
        data = dict(data)
        data["dedup_key"] = (
            EventKey(sig.id, data["host"])
            if data.get("kind") == "absent"
            else EventKey.of(sig, data["host"], data.get("fields") or {})
        ).text()
        opened.append(data)
    windows = []
    for old_key, times in (snap.get("pending") or {}).items():
        sig = by_id.get(old_key.split("|", 1)[0])
        fields = _legacy_fields(old_key, sig, host) if sig is not None else None
        if sig is None or fields is None:
            notes.append(f"threshold window {old_key!r} ({len(times)} hit(s)) could not be carried over")
            continue
        windows.append({"key": EventKey.of(sig, host, fields).text(), "signature": sig.id, "times": list(times)})
    out = dict(snap, version=SNAPSHOT_VERSION, open=opened, pending=windows)
    return out, notes


def _legacy_fields(key: str, sig: Signature, host: str) -> dict | None:
    """The field values of a schema-1 key, given the names it was made from (None if it does
    not read as such, e.g. cut to 255 characters)."""
    rest = key
    prefix = f"{sig.id}|{host}"
    if not rest.startswith(prefix):
        return None
    rest = rest[len(prefix) :]
    values = {}
    names = list(sig.dedup_by)
    for i, name in enumerate(names):
        marker = f"|{name}="
        if not rest.startswith(marker):
            return None
        rest = rest[len(marker) :]
        end = rest.find(f"|{names[i + 1]}=") if i + 1 < len(names) else len(rest)
        if end < 0:
            return None
        values[name], rest = rest[:end], rest[end:]
    return values if not rest else None

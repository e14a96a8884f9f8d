"""The query a channel is subscribed with when the config gives none: only the events the
signatures can use are then rendered and formatted, so a storm of unrelated events costs little.

It is made only when every signature that reads this source selects events by provider
(``event: {provider: ...}``; the records that resolve, ``resolve_event``, too): a text signature (``match`` alone) may hit any event's text, so
then every event is read (no query). Clears of a watched log (System 104, Security 1102) are
always selected: the reader reports them. Providers that want the same ids share one term.
Windows refuses long XPath queries, so past ``MAX_IDS`` event ids the query selects by
provider only.
"""

from __future__ import annotations

from collections.abc import Iterable

from logsentinel.signatures.model import Signature

MAX_IDS = 20  # Windows limits the expressions of an event-log XPath query
CLEARS = (("Microsoft-Windows-Eventlog", (104, 1102)),)
OWN = "logsentinel"  # the reader's own records (records lost) never come from Windows


def default_query(signatures: Iterable[Signature], source: str) -> str | None:
    wanted: dict[str, set[int] | None] = {}
    for sig in signatures:
        if not sig.applies_to(source):
            continue
        if sig.event is None or not sig.event.provider_names:
            return None  # reads the text of any event
        selectors = [sig.event] + ([sig.resolve_event] if sig.resolve_event is not None else [])
        for selector in selectors:
            for provider in selector.provider_names or sig.event.provider_names:
                if provider.casefold() == OWN:
                    continue
                ids = wanted.setdefault(provider, set())
                if ids is not None:
                    if selector.ids is None:
                        wanted[provider] = None
                    else:
                        ids.update(selector.ids)
    if not wanted:
        return None
    for provider, clear_ids in CLEARS:
        have = wanted.setdefault(provider, set())
        if have is not None:
            have.update(clear_ids)
    # providers that want the same ids share one term, so a signature that lists several
    # providers and several ids costs its ids once
    groups: dict[frozenset[int] | None, list[str]] = {}
    for provider, ids in sorted(wanted.items()):
        groups.setdefault(frozenset(ids) if ids else None, []).append(provider)
    by_id = sum(len(ids or ()) for ids in groups) <= MAX_IDS
    terms = []
    for id_set, providers in groups.items():
        names = " or ".join(f"Provider[@Name='{_xpath_text(p)}']" for p in providers)
        if id_set and by_id:
            if len(providers) > 1:
                names = f"({names})"
            ors = " or ".join(f"EventID={i}" for i in sorted(id_set))
            terms.append(f"({names} and ({ors}))")
        else:
            terms.append(names)
    return f"*[System[{' or '.join(terms)}]]"


def _xpath_text(text: str) -> str:
    return text.replace("'", "&apos;")

"""A deterministic benchmark log: realistic UCX noise, near misses and about 0.1 % events.

Events and near misses are the library's own examples (``examples.match`` and ``no_match``)
re-dated into the generated timeline; noise comes from templates of the suite's components.
Lines stream to the file, so memory does not grow with the size asked for.
"""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta
from pathlib import Path

STAMP = re.compile(
    r"^\[?\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:\d{2})?\]?\s?|^\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}\s?"
)

NOISE = [
    "[{t}] INFO  StoneVoice.CallRecording.Engine - Call {n} started recording ({a} -> {b}) on channel {c}",
    "[{t}] INFO  StoneVoice.CallRecording.Storage.RecordingRepository - Recording {h} saved to database (id={n})",
    "[{t}] DEBUG StoneVoice.CallRecording.Storage.FileStore - Encrypted MP3 written to D:\\Recordings\\2026\\11\\27\\{h}.mp3 ({n} KB)",
    "[{t}] INFO  StoneVoice.CallRecording.Engine - Recording channels in use: {c}/8",
    "[{t}] INFO  VoipStack.Sip - REGISTER refreshed for trunk CUCM-{c} (expires 3600)",
    '[{t}] INFO  VoipStack.Queueing - Queue "Sales": {c} calls waiting, {c}/12 licensed channels in use',
    "[{t}] INFO  VoipStack.Rtp - RTP session {h} closed, {n} packets",
    "[{t}] DEBUG Webex.Http - GET https://webexapis.com/v1/people?max=100 200 ({n} ms)",
    "[{t}] INFO  Webex.XsiClient - XSI channel heartbeat OK",
    "[{t}] INFO  Imagicle.Cloud.Telemetry - Telemetry batch of {n} samples sent",
    "[{t}] INFO  ErrorHandler - recording database cleanup finished: 0 errors",
    "[{t}] WARN  StoneVoice.CallRecording.Sip - RTP stream for call {n} has {c}% packet loss",
    "[{t}] INFO  StoneVoice.HighReliability.Replicator - Replication completed: {n} rows, 0 errors",
]
TRACE = [
    "   at StoneVoice.Data.Db.Execute(String sql)",
    "   at StoneVoice.CallRecording.Service.OnTimer(Object state)",
    "--- End of inner exception stack trace ---",
]


def _examples(library) -> tuple[list[str], list[str]]:
    hits, near = [], []
    for sig in library.signatures:
        for ex in sig.examples_match:
            hits.append(STAMP.sub("", ex.text))
        for ex in sig.examples_no_match:
            near.append(STAMP.sub("", ex.text))
    return hits, near


def generate(
    path: Path, lines: int, library, seed: int = 42, event_rate: float = 0.001, near_rate: float = 0.01
) -> dict:
    """Write ``lines`` lines to ``path``; returns counts of what was written."""
    rng = random.Random(seed)
    hits, near = _examples(library)
    t = datetime(2026, 11, 27, 0, 0, 0)
    written = events = nears = 0
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        while written < lines:
            t += timedelta(milliseconds=rng.randint(5, 400))
            stamp = f"{t:%Y-%m-%d %H:%M:%S},{t.microsecond // 1000:03d}"
            r = rng.random()
            if t.second == 0 and t.minute % 5 == 0 and t.microsecond < 400_000:
                text = f"{stamp} [7] INFO  Webex.CdrDownloader - Downloaded {rng.randint(0, 99)} CDRs from analytics.webexapis.com"
            elif r < event_rate:
                text = f"{stamp} [9] ERROR " + rng.choice(hits)
                events += 1
            elif r < event_rate + near_rate:
                text = f"{stamp} [9] INFO  " + rng.choice(near)
                nears += 1
            else:
                tpl = rng.choice(NOISE)
                text = tpl.format(
                    t=stamp,
                    n=rng.randint(1000, 99999),
                    a=rng.randint(2000, 2099),
                    b=rng.randint(3000, 3099),
                    c=rng.randint(1, 9),
                    h=f"{rng.getrandbits(32):08x}",
                )
                text = text[1:].replace("] ", " ", 1)
                if rng.random() < 0.01:
                    text += "\n" + "\n".join(rng.sample(TRACE, 2))
            n = text.count("\n") + 1
            if written + n > lines:
                text = text.split("\n")[0]
                n = 1
            out.write(text + "\n")
            written += n
    return {"lines": written, "events": events, "near_misses": nears}

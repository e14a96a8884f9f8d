"""A UCX-like benchmark corpus that the bundled library did not generate (issue 25).

    .venv/bin/python bench/ucxgen.py OUT.log [--lines 1000000] [--seed 25]

bench/loggen.py dates the library's own examples into its noise, so a library tuned on its
examples looks cheap there. This corpus takes nothing from the library:

* noise: templates of what the suite's components log in a normal day (four layouts: log4net
  with a thread, NLog's pipes, a bracketed time, a Webex connector with a level in brackets),
  written for this bench from the components' names in ../shared/seed, with the words a
  detector trips on used in benign ways ("0 errors", "failed over", "retry succeeded",
  "started recording", "timeout set to", stack traces of handled exceptions), long lines (JSON
  bodies, SQL, URLs with query strings) and multi-line records;
* events (about 0.1 %): the log-line records of the real-wording corpus
  (tests/signatures/real_wording.yaml: each a product's message as it appears in a public
  source), re-dated; near misses (about 1 %): that corpus's log-line near misses.

Deterministic for a seed; lines stream to the file, so memory does not grow with the size.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from datetime import datetime, timedelta
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS = ROOT / "tests" / "signatures" / "real_wording.yaml"

# a leading time in any of the layouts the real-wording records use
STAMP = re.compile(
    r"^\[?\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?\]?[ |]?"
    r"|^\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}\s?"
)

LOG4NET = "{t} [{th}] {lvl:<5} {logger} - {msg}"
NLOG = "{tn}|{lvl}|{logger}|{msg}"
BRACKET = "[{t}] {lvl:<5} {logger}: {msg}"
WEBEX = "{ti} [{lvl}] {logger} {msg}"

# (weight, layout, level, logger, message); placeholders: {n} {m} {k} {h} {ext} {ip} {user} {q}
NOISE: list[tuple[int, str, str, str, str]] = [
    (40, LOG4NET, "INFO", "StoneVoice.CallRecording.Engine", "Call {n} started recording ({ext} -> {m}), channel {k}"),
    (30, LOG4NET, "INFO", "StoneVoice.CallRecording.Engine", "Call {n} stopped recording after {k} min {m} s"),
    (25, LOG4NET, "INFO", "StoneVoice.CallRecording.Storage", "Recording {h} saved to the database in {k} ms"),
    (
        15,
        LOG4NET,
        "DEBUG",
        "StoneVoice.CallRecording.Storage",
        "Writing D:\\Recordings\\2026\\11\\{k}\\{h}.mp3 ({n} bytes)",
    ),
    (
        10,
        LOG4NET,
        "INFO",
        "StoneVoice.CallRecording.Purge",
        "Purge finished: {k} recordings older than 365 days removed, 0 errors",
    ),
    (
        8,
        LOG4NET,
        "WARN",
        "StoneVoice.CallRecording.Sip",
        "RTP stream of call {n} lost {k} packets ({k}%), jitter {m} ms",
    ),
    (
        20,
        NLOG,
        "Info",
        "VoipStack.Sip.Transaction",
        "INVITE sip:{ext}@cucm.example.local;transport=tcp answered 200 OK in {m} ms",
    ),
    (20, NLOG, "Debug", "VoipStack.Sip.Registrar", "REGISTER for trunk CUCM-{k} refreshed, expires 3600"),
    (12, NLOG, "Info", "VoipStack.Media.Rtp", "RTP session {h} closed: {n} packets sent, {m} received"),
    (
        6,
        NLOG,
        "Warn",
        "VoipStack.Sip.Transaction",
        "INVITE to {ext} timed out after 32000 ms, retrying on the secondary proxy",
    ),
    (5, NLOG, "Info", "VoipStack.Host", "Media engine started, {k} workers, codecs G711A,G711U,G729"),
    (
        18,
        LOG4NET,
        "INFO",
        "Imagicle.Queueing.QueueManager",
        'Queue "Sales {k}": {k} calls waiting, {k} of 30 licensed channels busy',
    ),
    (10, LOG4NET, "INFO", "Imagicle.Queueing.Agent", "Agent {user} logged in on extension {ext}"),
    (
        12,
        LOG4NET,
        "INFO",
        "Imagicle.AutoAttendant.Flow",
        "Call {n} entered flow Main Menu, DTMF {k}, transferred to {ext}",
    ),
    (4, LOG4NET, "WARN", "Imagicle.AutoAttendant.Flow", "Prompt Welcome_it.wav missing, playing the default language"),
    (
        15,
        LOG4NET,
        "INFO",
        "Imagicle.CallAnalytics.Collector",
        "CDR batch of {k} records imported from CUCM {ip} in {m} ms",
    ),
    (
        6,
        LOG4NET,
        "DEBUG",
        "Imagicle.CallAnalytics.Db",
        "SELECT TOP ({k}) [CallId],[Start],[Duration] FROM [dbo].[Calls] WHERE [Start] > @p0 ORDER BY [Start] -- {m} rows, {k} ms",
    ),
    (
        14,
        BRACKET,
        "INFO",
        "Imagicle.HighReliability.Replicator",
        "Replication cycle completed: {n} rows, 0 conflicts, 0 errors",
    ),
    (
        3,
        BRACKET,
        "WARN",
        "Imagicle.HighReliability.Replicator",
        "Replica {ip} answered slowly ({m} ms); replication continues",
    ),
    (8, BRACKET, "INFO", "Imagicle.Monitoring.Disk", "Disk D: {k}% free ({n} MB of 512000 MB)"),
    (8, BRACKET, "INFO", "Imagicle.Monitoring.Database", "Database UCX_Analytics uses {k}% of 10240 MB"),
    (20, WEBEX, "INFO", "Webex.Http", "GET https://webexapis.com/v1/people?max=100&cursor={h} 200 ({m} ms)"),
    (10, WEBEX, "INFO", "Webex.XsiClient", "XSI event channel {h} heartbeat OK"),
    (
        8,
        WEBEX,
        "DEBUG",
        "Webex.Http",
        'Response body: {{"items":[{{"id":"{h}","displayName":"{user}","status":"active","phoneNumbers":[{{"type":"work","value":"+39 0{n}"}}]}}],"links":{{"next":"https://webexapis.com/v1/people?cursor={h}"}},"trackingId":"ROUTER_{h}"}}',
    ),
    (6, WEBEX, "INFO", "Webex.Presence", "Presence of {user} is now available ({k} subscriptions)"),
    (
        4,
        WEBEX,
        "WARN",
        "Webex.Http",
        "GET https://webexapis.com/v1/people answered 429 Too Many Requests, retry after {k} s; retry succeeded",
    ),
    (5, WEBEX, "INFO", "Webex.CdrDownloader", "Downloaded {n} CDRs from analytics.webexapis.com"),
    (3, LOG4NET, "INFO", "Imagicle.Licensing", "License check: {k} of 50 Auto Attendant channels in use"),
    (3, LOG4NET, "INFO", "Imagicle.Setup.ServiceHost", "Service Imagicle Contact Manager started in {m} ms"),
    (4, LOG4NET, "INFO", "Imagicle.Web.Api", "POST /api/v1/contacts/search 200 {m} ms user={user}"),
    (3, LOG4NET, "DEBUG", "Imagicle.Web.Api", "Connection timeout set to 30000 ms for {ip}"),
]

# handled exceptions: a WARN/ERROR line, then a .NET stack (multi-line records)
HANDLED = [
    (
        LOG4NET,
        "WARN",
        "Imagicle.ContactManager.Sync",
        "LDAP sync of ou=Users page {k} failed, will retry in 60 s\nSystem.DirectoryServices.Protocols.LdapException: The server is busy.\n"
        "   at System.DirectoryServices.Protocols.LdapConnection.SendRequest(DirectoryRequest request)\n"
        "   at Imagicle.ContactManager.Sync.LdapSource.NextPage()",
    ),
    (
        LOG4NET,
        "ERROR",
        "Imagicle.Web.Api",
        "Request GET /api/v1/recordings/{h} ended with 404: the recording does not exist\n"
        "Imagicle.Web.NotFoundException: Recording {h} not found\n   at Imagicle.Web.Api.RecordingsController.Get(String id)",
    ),
    (
        LOG4NET,
        "WARN",
        "Imagicle.Mail.Smtp",
        "Sending the report to {user}@example.com failed (the mailbox is full); the report stays in the queue",
    ),
]


def real_wording(path: Path = CORPUS) -> tuple[list[str], list[str]]:
    """The log-line records of the real-wording corpus: (rows' cases, near misses), times cut off."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    hits = [c["record"] for row in doc["rows"] for c in row["cases"] if isinstance(c["record"], str)]
    near = [c["record"] for cases in doc["near_misses"].values() for c in cases if isinstance(c["record"], str)]
    return [STAMP.sub("", r) for r in hits], [STAMP.sub("", r) for r in near]


def _fill(text: str, rng: random.Random) -> str:
    return text.format(
        n=rng.randint(1000, 999999),
        m=rng.randint(1, 9999),
        k=rng.randint(1, 99),
        h=f"{rng.getrandbits(48):012x}",
        ext=rng.randint(2000, 2999),
        ip=f"10.{rng.randint(0, 9)}.{rng.randint(0, 254)}.{rng.randint(1, 254)}",
        user=rng.choice(["m.rossi", "g.bianchi", "a.verdi", "l.russo", "s.ferrari", "support"]),
        q=rng.randint(1, 9),
    )


def _line(layout: str, lvl: str, logger: str, msg: str, t: datetime, rng: random.Random) -> str:
    return layout.format(
        t=f"{t:%Y-%m-%d %H:%M:%S},{t.microsecond // 1000:03d}",
        tn=f"{t:%Y-%m-%d %H:%M:%S}.{t.microsecond // 100:04d}",
        ti=f"{t:%Y-%m-%dT%H:%M:%S}.{t.microsecond // 1000:03d}Z",
        th=rng.randint(1, 64),
        lvl=lvl,
        logger=logger,
        msg=msg,
    )


def generate(path: Path, lines: int, seed: int = 25, event_rate: float = 0.001, near_rate: float = 0.01) -> dict:
    """Write ``lines`` lines to ``path``; returns counts of what was written."""
    rng = random.Random(seed)
    hits, near = real_wording()
    weights = [w for w, *_ in NOISE]
    t = datetime(2026, 11, 27, 0, 0, 0)
    written = events = nears = 0
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        while written < lines:
            t += timedelta(microseconds=rng.randint(2_000, 300_000))
            stamp = f"{t:%Y-%m-%d %H:%M:%S},{t.microsecond // 1000:03d}"
            r = rng.random()
            if r < event_rate:
                text = f"{stamp} {rng.choice(hits)}"
                events += 1
            elif r < event_rate + near_rate:
                text = f"{stamp} {rng.choice(near)}"
                nears += 1
            elif r < event_rate + near_rate + 0.004:
                layout, lvl, logger, msg = rng.choice(HANDLED)
                text = _line(layout, lvl, logger, _fill(msg, rng), t, rng)
            else:
                _, layout, lvl, logger, msg = rng.choices(NOISE, weights)[0]
                text = _line(layout, lvl, logger, _fill(msg, rng), t, rng)
            n = text.count("\n") + 1
            if written + n > lines:
                text, n = text.split("\n")[0], 1
            out.write(text + "\n")
            written += n
    return {"lines": written, "events": events, "near_misses": nears}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=25)
    args = ap.parse_args()
    print(generate(args.out, args.lines, args.seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Write the bundled sample logs: one working day of a UCX host, from five components.

Deterministic (seeded), so the files and their expected events never drift. The logs are
committed; run this only to change them, then review samples/expected/events.jsonl by hand
(see samples/README.md): the expected file is a statement of what must be detected, not a
snapshot of whatever logsentinel happens to print.

    python samples/generate.py
"""

from __future__ import annotations

import gzip
import random
from datetime import datetime, timedelta
from pathlib import Path

OUT = Path(__file__).parent / "logs"
DAY = datetime(2026, 11, 27)
START, END = DAY.replace(hour=8), DAY.replace(hour=20)
# a fake token in a log line: nothing logsentinel sends out may carry it (see docs/events.md)
FAKE_BEARER = "ZmFrZS10b2tlbi1mb3ItbG9nc2VudGluZWwtdGVzdHMtb25seQ.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl"


def at(hhmmss: str) -> datetime:
    h, m, s = (int(x) for x in hhmmss.split(":"))
    return DAY.replace(hour=h, minute=m, second=s)


def noise_times(rng: random.Random, lo: int, hi: int):
    t = START + timedelta(seconds=rng.randint(0, lo))
    while t < END:
        yield t + timedelta(milliseconds=rng.randint(0, 999))
        t += timedelta(seconds=rng.randint(lo, hi))


def merge(noise, events):
    """Noise and scripted entries, ordered by time (scripted entries keep their order)."""
    return [text for _t, _k, text in sorted(noise + events, key=lambda x: (x[0], x[1]))]


# ---- Call Recording: log4net, UTF-8 with BOM, CRLF --------------------------------------


def log4net(t: datetime, thread: int, level: str, logger: str, msg: str) -> str:
    return f"{t:%Y-%m-%d %H:%M:%S},{t.microsecond // 1000:03d} [{thread}] {level:<5} {logger} - {msg}"


SQL_1105 = (
    "System.Data.SqlClient.SqlException (0x80131904): Could not allocate space for object "
    "'dbo.Recordings'.'PK_Recordings' in database 'UCX_CallRecording' because the 'PRIMARY' "
    "filegroup is full. Create disk space by deleting unneeded files, dropping objects in the "
    "filegroup, adding additional files to the filegroup, or setting autogrowth on for existing "
    "files in the filegroup.\n"
    "   at System.Data.SqlClient.SqlConnection.OnError(SqlException exception, Boolean breakConnection, Action`1 wrapCloseInAction)\n"
    "   at System.Data.SqlClient.TdsParser.TryRun(RunBehavior runBehavior, SqlCommand cmdHandler)\n"
    "   at System.Data.SqlClient.SqlCommand.ExecuteNonQuery()\n"
    "   at StoneVoice.CallRecording.Storage.RecordingRepository.Insert(Recording recording)\n"
    "ClientConnectionId:5f1c2a9e-8d43-4b7e-a0f6-3c2d1e0b9a87\n"
    "Error Number:1105,State:2,Class:17"
)


def call_recording(rng: random.Random) -> str:
    noise = []
    call = 4000
    for t in noise_times(rng, 5, 30):
        call += 1
        kind = rng.random()
        rec = f"{rng.getrandbits(32):08x}"
        if kind < 0.3:
            msg = (
                "INFO",
                "StoneVoice.CallRecording.Engine",
                f"Call {call} started recording ({rng.randint(2000, 2099)} -> {rng.randint(3000, 3099)}) on channel {rng.randint(1, 8)}",
            )
        elif kind < 0.5:
            msg = (
                "INFO",
                "StoneVoice.CallRecording.Storage.RecordingRepository",
                f"Recording {rec} saved to database (id={rng.randint(90000, 99999)})",
            )
        elif kind < 0.65:
            msg = (
                "DEBUG",
                "StoneVoice.CallRecording.Storage.FileStore",
                f"Encrypted MP3 written to D:\\Recordings\\2026\\11\\27\\{rec}.mp3 ({rng.randint(80, 9000)} KB)",
            )
        elif kind < 0.75:
            msg = ("INFO", "StoneVoice.CallRecording.Engine", f"Recording channels in use: {rng.randint(0, 7)}/8")
        elif kind < 0.85:
            msg = ("INFO", "StoneVoice.CallRecording.Sip", f"INVITE from 10.1.2.{rng.randint(2, 250)}:5060 accepted")
        elif kind < 0.92:
            msg = (
                "INFO",
                "StoneVoice.CallRecording.Engine",
                f"Call {call - 3} recording stopped after {rng.randint(0, 40)} min {rng.randint(0, 59)} s",
            )
        elif kind < 0.96:
            msg = (
                "WARN",
                "StoneVoice.CallRecording.Sip",
                f"RTP stream for call {call - 1} has {rng.randint(1, 4)}% packet loss",
            )
        else:
            msg = ("INFO", "ErrorHandler", "recording database cleanup finished: 0 errors")
        noise.append((t, 0, log4net(t, rng.randint(5, 40), *msg)))
    events = []
    for i, hhmmss in enumerate(["10:12:03", "10:14:40", "10:19:10"]):
        t = at(hhmmss) + timedelta(milliseconds=412)
        events.append(
            (
                t,
                1,
                log4net(
                    t,
                    31,
                    "ERROR",
                    "StoneVoice.CallRecording.Storage.RecordingRepository",
                    f"Error saving recording metadata for call {8100 + i}\n{SQL_1105}",
                ),
            )
        )
    script = [
        (
            "10:20:00",
            "WARN",
            "StoneVoice.CallRecording.Engine",
            "Failed to save recording 8104 to the database, retry succeeded",
        ),
        (
            "14:30:10",
            "WARN",
            "StoneVoice.CallRecording.Engine",
            "No free recording channels: call 5521 from 2001 to 3005 will not be recorded (licensed channels: 8)",
        ),
        (
            "14:31:40",
            "WARN",
            "StoneVoice.CallRecording.Engine",
            "No free recording channels: call 5523 from 2017 to 3040 will not be recorded (licensed channels: 8)",
        ),
        (
            "16:45:00",
            "WARN",
            "StoneVoice.CallRecording.Engine",
            "Recording of call 7788 stopped: maximum recording duration reached (240 min)",
        ),
        ("17:05:00", "INFO", "StoneVoice.CallRecording.Engine", "Recording of call 7791 stopped by user after 12 min"),
        (
            "17:40:00",
            "FATAL",
            "StoneVoice.CallRecording.Host",
            "Unhandled exception, application is terminating: System.OutOfMemoryException",
        ),
    ]
    for hhmmss, level, logger, msg in script:
        t = at(hhmmss) + timedelta(milliseconds=100)
        events.append((t, 1, log4net(t, 18, level, logger, msg)))
    return "\r\n".join(merge(noise, events)) + "\r\n"


# ---- VoIP stack: NLog layout, LF, with multi-line SIP dumps -----------------------------


def nlog(t: datetime, level: str, logger: str, msg: str) -> str:
    return f"{t:%Y-%m-%d %H:%M:%S}.{t.microsecond // 100:04d}|{level}|{logger}|{msg}"


def voip_stack(rng: random.Random) -> str:
    noise = []
    for t in noise_times(rng, 8, 40):
        kind = rng.random()
        if kind < 0.2:
            n = rng.randint(1000, 9999)
            msg = nlog(t, "DEBUG", "VoipStack.Sip", "Received SIP message:") + (
                f"\nINVITE sip:3{rng.randint(0, 99):03d}@10.1.2.3 SIP/2.0"
                f"\nVia: SIP/2.0/UDP 10.1.2.50:5060;branch=z9hG4bK{n}"
                f"\nFrom: <sip:2{rng.randint(0, 99):03d}@10.1.2.50>;tag={n}"
                f"\nCall-ID: {rng.getrandbits(48):012x}@10.1.2.50\nCSeq: 1 INVITE\nContent-Length: 0"
            )
        elif kind < 0.4:
            msg = nlog(
                t,
                "INFO",
                "VoipStack.Queueing",
                f'Queue "{rng.choice(["Sales", "Support", "Billing"])}": {rng.randint(0, 6)} calls waiting, {rng.randint(1, 11)}/12 licensed channels in use',
            )
        elif kind < 0.55:
            msg = nlog(
                t,
                "INFO",
                "VoipStack.Ivr",
                f'Auto Attendant "Main menu": {rng.randint(0, 5)}/6 licensed channels in use',
            )
        elif kind < 0.75:
            msg = nlog(
                t, "INFO", "VoipStack.Sip", f"REGISTER refreshed for trunk CUCM-{rng.randint(1, 2)} (expires 3600)"
            )
        elif kind < 0.9:
            msg = nlog(
                t,
                "INFO",
                "VoipStack.Rtp",
                f"RTP session {rng.getrandbits(24):06x} closed, {rng.randint(100, 99999)} packets",
            )
        else:
            msg = nlog(t, "INFO", "ErrorHandler", "queue licence check: 0 errors")
        noise.append((t, 0, msg))
    events = []
    script = [
        (
            "09:30:13",
            "FATAL",
            "VoipStack.Host",
            "Unhandled exception in the media thread, the VoIP stack is terminating: System.AccessViolationException",
        ),
        (
            "11:15:00",
            "WARN",
            "VoipStack.Ivr",
            'Auto Attendant "Main menu": no free licensed channels, overflow applied',
        ),
        (
            "11:15:50",
            "WARN",
            "VoipStack.Ivr",
            'Auto Attendant "Main menu": no free licensed channels, overflow applied',
        ),
        ("11:16:30", "WARN", "VoipStack.Ivr", "IVR call 8812 rejected: all licensed channels are busy"),
        (
            "14:40:00",
            "WARN",
            "VoipStack.Queueing",
            'Advanced Queueing: all licensed channels are busy, call 7731 to queue "Sales" rejected',
        ),
    ]
    for hhmmss, level, logger, msg in script:
        t = at(hhmmss) + timedelta(milliseconds=100)
        events.append((t, 1, nlog(t, level, logger, msg)))
    return "\n".join(merge(noise, events)) + "\n"


# ---- Webex connector: ISO 8601 with zone, LF ------------------------------------------------


def iso_line(t: datetime, level: str, comp: str, msg: str) -> str:
    return f"{t:%Y-%m-%dT%H:%M:%S}.{t.microsecond // 1000:03d}+01:00 {level:<5} [{comp}] {msg}"


def webex(rng: random.Random) -> str:
    noise = []
    for t in noise_times(rng, 6, 45):
        kind = rng.random()
        if kind < 0.35:
            msg = ("DEBUG", "Http", f"GET https://webexapis.com/v1/people?max=100 200 ({rng.randint(80, 900)} ms)")
        elif kind < 0.55:
            msg = ("INFO", "XsiClient", "XSI channel heartbeat OK")
        elif kind < 0.75:
            msg = (
                "INFO",
                "CallControl",
                f"Call {rng.randint(10000, 99999)} answered via XSI by {rng.choice(['j.doe', 'm.rossi', 'a.bianchi'])}",
            )
        elif kind < 0.9:
            msg = (
                "INFO",
                "ErrorHandler",
                f"presence status of {rng.choice(['j.doe', 'm.rossi'])}@example.com is {rng.choice(['busy', 'available', 'meeting'])}",
            )
        else:
            msg = ("INFO", "PresenceSync", "Presence sync completed: 512 users, 0 errors")
        noise.append((t, 0, iso_line(t, *msg)))
    events = []

    def add(t: datetime, level, comp, msg):
        events.append((t, 1, iso_line(t, level, comp, msg)))

    # CDR downloads every 5 minutes: fine until 15:00, failing 15:00-15:15, fine again until
    # 15:55, then silent until 18:30 (the P1 absence), then fine again.
    t = START
    while t < END:
        minute = t.hour * 60 + t.minute
        start = t + timedelta(seconds=2, milliseconds=120)
        add(
            start,
            "INFO",
            "CdrDownloader",
            f"Starting CDR download from https://analytics.webexapis.com/v1/cdr_feed?startTime={(t - timedelta(hours=1, minutes=5)):%Y-%m-%dT%H:%M:%S}Z",
        )
        done = start + timedelta(milliseconds=rng.randint(300, 2000))
        if 15 * 60 <= minute <= 15 * 60 + 15:
            add(
                done,
                "ERROR",
                "CdrDownloader",
                "CDR download failed: HTTP 500 Internal Server Error (trackingId ROUTER_6565B1C3)",
            )
        elif 16 * 60 <= minute < 18 * 60 + 30:
            events.pop()  # the scheduler is stuck: no download at all
        elif minute in (13 * 60 + 5, 13 * 60 + 20):
            add(
                done,
                "WARN",
                "CdrDownloader",
                '{"message":"Request rate exceeds threshold","trackingId":"ROUTER_1A2B"} retrying after 60 s',
            )
        else:
            add(
                done,
                "INFO",
                "CdrDownloader",
                f"Downloaded {rng.randint(0, 120)} CDRs from analytics.webexapis.com ({(t - timedelta(minutes=5)):%H:%M} to {t:%H:%M})",
            )
        t += timedelta(minutes=5)

    # user sync every hour, failing at 09:00
    for hour in range(8, 20):
        t = DAY.replace(hour=hour, second=5, microsecond=1000)
        if hour == 9:
            add(
                t,
                "ERROR",
                "UserSync",
                "User synchronization failed\n"
                "System.Net.WebException: The remote server returned an error: (403) Forbidden.\n"
                "   at System.Net.HttpWebRequest.GetResponse()\n"
                "   at Imagicle.Webex.Api.WebexClient.Get(String path)\n"
                "   at Imagicle.Webex.UserSync.Run()",
            )
        else:
            add(t, "INFO", "UserSync", f"User synchronization completed: {500 + hour} users, 0 errors")
    add(
        at("11:00:01") + timedelta(milliseconds=1),
        "ERROR",
        "TokenManager",
        "Token refresh failed: 400 invalid_grant\n"
        f"Request: POST https://webexapis.com/v1/access_token Authorization: Bearer {FAKE_BEARER}\n"
        'Response: {"error":"invalid_request","error_description":"The refresh token provided is expired, revoked, malformed, or invalid."}',
    )
    add(at("11:30:00"), "INFO", "TokenManager", "Webex access token refreshed successfully, expires in 1209599 s")
    add(
        at("12:00:03") + timedelta(milliseconds=550),
        "ERROR",
        "PresenceSync",
        "Webex presence subscription failed for 37 users: 403 Forbidden",
    )
    add(
        at("12:05:03") + timedelta(milliseconds=550),
        "ERROR",
        "PresenceSync",
        "Webex presence subscription failed for 37 users: 403 Forbidden",
    )
    add(at("12:20:00"), "INFO", "PresenceSync", "Presence subscription restored for 37 users")
    add(
        at("14:00:12"),
        "ERROR",
        "XsiClient",
        "XSI request GET /com.broadsoft.xsi-actions/v2.0/user/j.doe/calls failed: 401 Unauthorized",
    )
    add(at("14:01:00"), "INFO", "XsiClient", "XSI event channel established (HTTP 200)")
    return "\n".join(merge(noise, events)) + "\n"


# ---- Windows event log: Application and System, exported as XML ------------------------
# `wevtutil qe Application /f:RenderedXml > Application-eventlog.xml` in PowerShell: one event a
# line, UTF-16 LE with BOM, CRLF; the message rendered in the server's language (English here).

PROVIDER_GUID = {"Service Control Manager": "{555908d1-a6d7-4695-8e1e-26931d2012f4}"}
LEVEL_NUMBER = {"Error": 2, "Warning": 3, "Information": 4}


def evt(t: datetime, level: str, source: str, event_id: int, msg: str, data=None, channel: str = "Application"):
    """One event: (time, level, provider, id, message, data as [(name or None, value)], channel)."""
    return (t, level, source, event_id, msg, data if data is not None else [(None, msg)], channel)


def scm(t: datetime, level: str, event_id: int, msg: str, params: list[str]):
    return evt(
        t,
        level,
        "Service Control Manager",
        event_id,
        msg,
        [(f"param{i}", v) for i, v in enumerate(params, 1)],
        "System",
    )


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&apos;")


def event_xml(ev, record_id: int) -> str:
    t, level, provider, event_id, msg, data, channel = ev
    utc = t - timedelta(hours=1)  # Europe/Rome in November: UTC+1
    guid = PROVIDER_GUID.get(provider)
    prov = f"<Provider Name='{_esc(provider)}'" + (
        f" Guid='{guid}' EventSourceName='{_esc(provider)}'/>" if guid else "/>"
    )
    items = "".join(f"<Data Name='{n}'>{_esc(v)}</Data>" if n else f"<Data>{_esc(v)}</Data>" for n, v in data)
    return (
        "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
        + prov
        + f"<EventID Qualifiers='{16384 if level == 'Information' else 49152}'>{event_id}</EventID><Version>0</Version>"
        + f"<Level>{LEVEL_NUMBER[level]}</Level><Task>0</Task><Opcode>0</Opcode><Keywords>0x80000000000000</Keywords>"
        + f"<TimeCreated SystemTime='{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond:06d}0Z'/>"
        + f"<EventRecordID>{record_id}</EventRecordID><Correlation/><Execution ProcessID='4' ThreadID='88'/>"
        + f"<Channel>{channel}</Channel><Computer>ucx-demo</Computer><Security/></System>"
        + f"<EventData>{items}</EventData><RenderingInfo Culture='en-US'><Message>{_esc(msg)}</Message>"
        + f"<Level>{level}</Level><Task></Task><Opcode>Info</Opcode><Channel>{channel}</Channel>"
        + f"<Provider>{_esc(provider)}</Provider><Keywords><Keyword>Classic</Keyword></Keywords></RenderingInfo></Event>"
    )


def eventlog(rng: random.Random) -> dict[str, str]:
    """The Application and System exports (same random draws as the text export before them)."""
    noise = []
    services = [
        "Windows Update",
        "Background Intelligent Transfer Service",
        "Windows Modules Installer",
        "WinHTTP Web Proxy Auto-Discovery Service",
    ]
    for t in noise_times(rng, 60, 240):
        kind = rng.random()
        if kind < 0.35:
            service, state = rng.choice(services), rng.choice(["running", "stopped"])
            ev = scm(t, "Information", 7036, f"The {service} service entered the {state} state.", [service, state])
        elif kind < 0.55:
            ev = evt(t, "Information", "Imagicle Monitoring Service", 100, "All Imagicle services are running")
        elif kind < 0.7:
            db = rng.choice(["tempdb", "UCX_Analytics", "UCX_CallRecording"])
            ev = evt(t, "Information", "MSSQL$SQLEXPRESS", 17137, f"Starting up database '{db}'.", [(None, db)])
        elif kind < 0.8:
            # the replication link is down from 13:40 to 14:05: no "UP" status meanwhile
            if at("13:30:00") <= t <= at("14:10:00"):
                ev = evt(t, "Information", "Imagicle Monitoring Service", 100, "All Imagicle services are running")
            else:
                ev = evt(
                    t,
                    "Information",
                    "Imagicle Monitoring Service",
                    300,
                    "Cluster replication link status: UP (node ucx-02)",
                )
        elif kind < 0.9:
            ev = evt(
                t,
                "Warning",
                "Microsoft-Windows-Time-Service",
                129,
                "NtpClient was unable to set a domain peer to use as a time source because of discovery error.",
                [("Domain", "ucx.local")],
                "System",
            )
        else:
            ev = evt(
                t,
                "Information",
                "Security-SPP",
                16384,
                "Successfully scheduled Software Protection service for re-start at 2026-11-28T08:00:00Z.",
                [(None, "2026-11-28T08:00:00Z"), (None, "RulesEngine")],
            )
        noise.append((t, 0, ev))
    voip_path = "C:\\Program Files (x86)\\StonevoiceAS\\Apps\\VoipStack\\ImagicleVoipStack.exe"
    dotnet = (
        "Application: CallRecordingService.exe\nFramework Version: v4.0.30319\n"
        "Description: The process was terminated due to an unhandled exception.\n"
        "Exception Info: System.Data.SqlClient.SqlException\n"
        "   at StoneVoice.Data.Db.Execute(System.String)\n   at StoneVoice.CallRecording.Service.OnTimer(System.Object)"
    )
    script = [
        evt(
            at("09:30:14"),
            "Error",
            "Application Error",
            1000,
            "Faulting application name: ImagicleVoipStack.exe, version: 2024.3.1.0, time stamp: 0x65a1b2c3\n"
            "Faulting module name: ntdll.dll, version: 10.0.17763.5820, time stamp: 0x8d1a4b2e\n"
            "Exception code: 0xc0000005\nFault offset: 0x000000000004f2a1\nFaulting process id: 0x1a2c\n"
            f"Faulting application path: {voip_path}",
            [
                (None, v)
                for v in (
                    "ImagicleVoipStack.exe",
                    "2024.3.1.0",
                    "65a1b2c3",
                    "ntdll.dll",
                    "10.0.17763.5820",
                    "8d1a4b2e",
                    "c0000005",
                    "000000000004f2a1",
                    "1a2c",
                    "01da2104a1b2c3d4",
                    voip_path,
                    "C:\\Windows\\SYSTEM32\\ntdll.dll",
                    "6f1c2b3a-9d8e-4f70-a1b2-c3d4e5f60718",
                )
            ],
        ),
        scm(
            at("09:30:15"),
            "Error",
            7031,
            "The Imagicle VoIP Gateway service terminated unexpectedly.  It has done this 1 time(s).  The following corrective action will be taken in 60000 milliseconds: Restart the service.",
            ["Imagicle VoIP Gateway", "1", "60000", "1", "Restart the service"],
        ),
        scm(
            at("09:31:15"),
            "Information",
            7036,
            "The Imagicle VoIP Gateway service entered the running state.",
            ["Imagicle VoIP Gateway", "running"],
        ),
        evt(at("11:02:40"), "Error", ".NET Runtime", 1026, dotnet),
        scm(
            at("11:02:44"),
            "Error",
            7031,
            "The Imagicle Call Recording service terminated unexpectedly.  It has done this 1 time(s).  The following corrective action will be taken in 60000 milliseconds: Restart the service.",
            ["Imagicle Call Recording", "1", "60000", "1", "Restart the service"],
        ),
        # the recovery action failed; an administrator starts the service by hand at 14:30
        scm(
            at("14:30:05"),
            "Information",
            7036,
            "The Imagicle Call Recording service entered the running state.",
            ["Imagicle Call Recording", "running"],
        ),
        evt(
            at("12:40:00"),
            "Error",
            "Application Error",
            1000,
            "Faulting application name: notepad.exe, version: 10.0.17763.1, time stamp: 0x12345678\n"
            "Exception code: 0xc0000005\nFaulting application path: C:\\Windows\\System32\\notepad.exe",
            [
                (None, v)
                for v in (
                    "notepad.exe",
                    "10.0.17763.1",
                    "12345678",
                    "ntdll.dll",
                    "10.0.17763.5820",
                    "8d1a4b2e",
                    "c0000005",
                    "000000000004f2a1",
                    "2b3c",
                    "01da2104a1b2c3d5",
                    "C:\\Windows\\System32\\notepad.exe",
                )
            ],
        ),
        evt(
            at("12:10:00"),
            "Error",
            "Application Error",
            1000,
            "Faulting application name: QueueManager.exe, version: 2024.3.1.0, time stamp: 0x65a1b2c3\n"
            "Faulting module name: KERNELBASE.dll, version: 10.0.17763.5820, time stamp: 0x8d1a4b2e\n"
            "Exception code: 0xe0434352\nFaulting application path: C:\\Program Files (x86)\\StonevoiceAS\\Apps\\AdvancedQueuing\\QueueManager.exe",
            [
                (None, v)
                for v in (
                    "QueueManager.exe",
                    "2024.3.1.0",
                    "65a1b2c3",
                    "KERNELBASE.dll",
                    "10.0.17763.5820",
                    "8d1a4b2e",
                    "e0434352",
                    "0000000000034f99",
                    "3c4d",
                    "01da2104a1b2c3d6",
                    "C:\\Program Files (x86)\\StonevoiceAS\\Apps\\AdvancedQueuing\\QueueManager.exe",
                    "C:\\Windows\\System32\\KERNELBASE.dll",
                    "0d1e2f3a-4b5c-6d7e-8f90-a1b2c3d4e5f6",
                )
            ],
        ),
        evt(
            at("13:40:00"),
            "Warning",
            "Imagicle Monitoring Service",
            300,
            "Cluster replication link status: DOWN (node ucx-02)",
        ),
        evt(
            at("13:50:00"),
            "Warning",
            "Imagicle Monitoring Service",
            300,
            "Cluster replication link status: DOWN (node ucx-02)",
        ),
        evt(
            at("14:05:00"),
            "Information",
            "Imagicle Monitoring Service",
            300,
            "Cluster replication link status: UP (node ucx-02)",
        ),
        evt(
            at("15:20:00"),
            "Warning",
            "Imagicle Monitoring Service",
            210,
            "Insufficient disk space on drive C: (17% free)",
        ),
        evt(
            at("16:00:00"),
            "Warning",
            "srv",
            2013,
            "The D: disk is at or near capacity.  You may need to delete some files.",
            [(None, "\\Device\\HarddiskVolume3"), (None, "D:")],
            "System",
        ),
        evt(
            at("16:20:00"),
            "Warning",
            "Imagicle Monitoring Service",
            210,
            "Insufficient disk space on drive C: (16% free)",
        ),
        evt(
            at("17:00:00"),
            "Warning",
            "Imagicle Monitoring Service",
            220,
            "Low database space: UCX_Analytics 8.6 GB of 10 GB used",
        ),
    ]
    events = merge(noise, [(ev[0], 1, ev) for ev in script])
    exports = {}
    for channel, first_id in (("Application", 48211), ("System", 91377)):
        lines = [event_xml(ev, first_id + n) for n, ev in enumerate(e for e in events if e[6] == channel)]
        exports[channel] = "\r\n".join(line.replace("\n", "\r\n") for line in lines) + "\r\n"
    return exports


# ---- Cloud connector: log4net, gzip-compressed (a rotated file) ---------------------------


def cloud(rng: random.Random) -> str:
    noise = []
    for t in noise_times(rng, 20, 90):
        noise.append(
            (
                t,
                0,
                log4net(
                    t,
                    rng.randint(5, 9),
                    "INFO",
                    "Imagicle.Cloud.Telemetry",
                    f"Telemetry batch of {rng.randint(50, 200)} samples sent",
                ),
            )
        )
    events = []
    t = START
    while t < END:
        minute = t.hour * 60 + t.minute
        when = t + timedelta(milliseconds=10)
        failing = 19 * 60 <= minute <= 19 * 60 + 15 or minute == 10 * 60
        if minute % 10 == 0 or failing:
            if failing:
                reason = "The operation has timed out" if minute == 600 else "Unable to connect to the remote server"
                msg = ("ERROR", f"POST https://api.imagicle.com/licensing/v1/heartbeat failed: {reason}")
            else:
                msg = ("INFO", f"POST https://api.imagicle.com/licensing/v1/heartbeat 200 ({rng.randint(90, 400)} ms)")
            events.append((when, 1, log4net(when, 6, msg[0], "Imagicle.Cloud.ApiClient", msg[1])))
        if minute % 30 == 15:
            when = t + timedelta(seconds=30)
            if 19 * 60 <= minute <= 19 * 60 + 15:
                msg = ("ERROR", "GET https://api.imagicle.com/test failed: Unable to connect to the remote server")
            else:
                msg = ("INFO", 'GET https://api.imagicle.com/test: {"message":"successfully connected!"}')
            events.append((when, 1, log4net(when, 6, msg[0], "Imagicle.Cloud.ApiClient", msg[1])))
        t += timedelta(minutes=5)
    return "\n".join(merge(noise, events)) + "\n"


# ---- logsentinel's own probe records, as the sidecar writes them (source "probes") --------


def probes() -> str:
    lines = []
    for minute in range(8 * 60, 20 * 60, 10):  # disk and database probes every 10 minutes
        t = DAY.replace(hour=minute // 60, minute=minute % 60)
        # C: fills up in the afternoon (the Monitoring Service alarms at 15:20 agree)
        free = 25.0 - max(minute - 14 * 60, 0) / 10 * 0.8 if minute < 15 * 60 + 20 else 17.4 - (minute - 920) / 600
        level = "ok" if minute < 15 * 60 + 20 else "low"
        lines.append(
            (
                t,
                f"probe=disk volume=C: free_pct={free:.1f} free_bytes={int(free * 2001175142.4)} "
                f"total_bytes=200117514240 level={level}",
            )
        )
        # UCX_Analytics grows past 80 % of the Express limit at 17:00 (as the alarm says)
        used = 79.0 if minute < 17 * 60 else 86.0
        level = "ok" if minute < 17 * 60 else "low"
        lines.append(
            (
                t,
                f"probe=database name=UCX_Analytics used_bytes={int(used * 107374182.4)} "
                f"max_bytes=10737418240 used_pct={used:.1f} level={level}",
            )
        )
    # api.imagicle.com unreachable 19:00-19:45, as the cloud connector log shows
    for minute, status in [
        (0, "failing failures=1"),
        (1, "failing failures=2"),
        (2, "down failures=3"),
        (3, "down failures=4"),
        (46, "up recovered"),
    ]:
        t = DAY.replace(hour=19, minute=minute, second=30)
        error = "" if status.startswith("up") else " error=cannot_connect"
        lines.append((t, f"probe=http url=https://api.imagicle.com/test status={status}{error}"))
    lines.sort(key=lambda x: x[0])
    return "".join(f"{t:%Y-%m-%dT%H:%M:%S}.000+01:00 {text}\n" for t, text in lines)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    rng = random.Random(20261127)
    (OUT / "CallRecording.log").write_bytes(b"\xef\xbb\xbf" + call_recording(rng).encode("utf-8"))
    (OUT / "VoipStack.log").write_bytes(voip_stack(rng).encode("utf-8"))
    (OUT / "WebexConnector.log").write_bytes(webex(rng).encode("utf-8"))
    for channel, text in eventlog(rng).items():  # as PowerShell's > writes: UTF-16 LE with BOM
        (OUT / f"{channel}-eventlog.xml").write_bytes(text.encode("utf-16"))
    (OUT / "probes.log").write_bytes(probes().encode("utf-8"))
    data = cloud(rng).encode("utf-8")
    with (
        open(OUT / "CloudConnector.log.1.gz", "wb") as fh,
        gzip.GzipFile(filename="CloudConnector.log.1", mode="wb", fileobj=fh, mtime=0) as gz,
    ):
        gz.write(data)


if __name__ == "__main__":
    main()

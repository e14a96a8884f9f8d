"""The page's actions (``POST /actions/ack|resolve|silence|expire``) for a signed-in user: the
same requests as ``logsentinel ack``, ``resolve``, ``silence`` and ``silences --expire``,
recorded in the state database under the user's name; the running sidecar takes an ack or a
resolve at its next pass, a silence at its next commit.

Cross-site requests are refused three ways (OWASP's CSRF cheat sheet): each form carries a
token bound to the user (an HMAC of the name under a key made at start, so it needs no store),
a browser's ``Origin`` (or else ``Referer``) must be this listener, and ``Sec-Fetch-Site``, when
the browser sends it, must be ``same-origin``. Only ``application/x-www-form-urlencoded`` bodies
up to ``MAX_BODY`` bytes are read. Every answer is a redirect back to the page with what was
done (Post/Redirect/Get), or one line saying why not.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, urlsplit

from logsentinel.config.load import Config
from logsentinel.detection.actions import OperatorAction
from logsentinel.dispatch.outbox import StateError
from logsentinel.dispatch.silences import new_silence, parse_matcher
from logsentinel.state.requests import Requests
from logsentinel.units import parse_duration

MAX_BODY = 8192
ACTIONS = ("ack", "resolve", "silence", "expire")
WAIT_FOR_SIDECAR_S = 3.0  # an ack or resolve: how long the answer waits to say what it did


class Refused(Exception):
    """A request this listener will not act on: (HTTP status, one line)."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


@dataclass
class Tokens:
    """Tokens bound to a user name under a key made at start (a restart asks for a reload)."""

    key: bytes

    @classmethod
    def fresh(cls) -> Tokens:
        return cls(os.urandom(32))

    def of(self, user: str) -> str:
        return hmac.new(self.key, user.encode("utf-8"), hashlib.sha256).hexdigest()

    def valid(self, user: str, token: str) -> bool:
        return hmac.compare_digest(self.of(user), token)


def check_origin(environ: dict, scheme: str) -> None:
    """Refuse a request a browser made for another site."""
    host = environ.get("HTTP_HOST", "")
    site = environ.get("HTTP_SEC_FETCH_SITE")
    if site is not None and site not in ("same-origin", "none"):
        raise Refused(403, f"refused: a cross-site request (Sec-Fetch-Site: {site})")
    origin = environ.get("HTTP_ORIGIN") or ""
    if origin and origin != "null":
        if origin != f"{scheme}://{host}":
            raise Refused(403, "refused: the request comes from another origin")
        return
    referer = environ.get("HTTP_REFERER") or ""
    if referer:
        parts = urlsplit(referer)
        if f"{parts.scheme}://{parts.netloc}" != f"{scheme}://{host}":
            raise Refused(403, "refused: the request comes from another page")
    elif origin == "null":
        raise Refused(403, "refused: a request with an opaque origin")


def read_form(environ: dict) -> dict[str, str]:
    kind = (environ.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise Refused(415, "refused: send the page's form (application/x-www-form-urlencoded)")
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise Refused(400, "refused: a bad Content-Length") from None
    if length > MAX_BODY:
        raise Refused(413, f"refused: a form larger than {MAX_BODY} bytes")
    body = environ["wsgi.input"].read(length) if length else b""
    try:
        parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        raise Refused(400, "refused: the form does not read") from None
    return {k: v[-1] for k, v in parsed.items()}


def act(
    action: str,
    form: dict[str, str],
    user: str,
    config: Config,
    now_ms: int,
    wait: Callable[[Requests, int], tuple[bool, str] | None],
) -> str:
    """Do one action for ``user``; what was done (ValueError: why not, for the page)."""
    redact = config.redactor().text
    requests = Requests.open(config.state)
    try:
        if action in ("ack", "resolve"):
            target = form.get("event", "").strip()
            if not target:
                raise ValueError("which event?")
            note = redact(form.get("note", "").strip())[:500]
            action_id = requests.add_action(OperatorAction(action, target, user, now_ms, note))
            result = wait(requests, action_id)
            if result is None:
                return f"{action} recorded (action {action_id}): the sidecar takes it at its next pass"
            ok, text = result
            if not ok:
                raise ValueError(text)
            return text
        if action == "silence":
            matchers = [parse_matcher(m) for m in form.get("matchers", "").replace("\n", ",").split(",") if m.strip()]
            span = parse_duration(form.get("for", "2h"))
            silence = new_silence(matchers, now_ms + int(span * 1000), form.get("reason", ""), user, now_ms, redact)
            requests.add_silence(silence)
            return (
                f"silence {silence.id} added: {', '.join(str(m) for m in silence.matchers)} for {form.get('for', '2h')}"
            )
        if action == "expire":
            ended, why = requests.expire_silence(form.get("silence", "").strip() or "-", user, now_ms)
            if ended is None:
                raise ValueError(why)
            return f"silence {ended.id} expired"
        raise ValueError(f"no action {action!r}")
    finally:
        requests.close()


def handle(
    environ: dict,
    action: str,
    user: str,
    tokens: Tokens,
    scheme: str,
    config: Config,
    now_ms: int,
    wait: Callable[[Requests, int], tuple[bool, str] | None],
) -> str:
    """Check and do a POST to ``/actions/<action>``: the Location to redirect to (the page, with
    what was done or why not); Refused for a request not to act on."""
    if action not in ACTIONS:
        raise Refused(404, "no such action")
    check_origin(environ, scheme)
    form = read_form(environ)
    if not tokens.valid(user, form.get("csrf", "")):
        raise Refused(403, "refused: the form's token is not this user's (reload the page)")
    try:
        done = act(action, form, user, config, now_ms, wait)
    except (ValueError, StateError) as exc:
        done = f"not done: {exc}"
    return "../?done=" + quote(done[:300])

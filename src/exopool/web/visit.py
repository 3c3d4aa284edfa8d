"""One dashboard request: its signed session cookie, CSRF check, user, and how pages are rendered.

Who is logged in decides which pages open: an account's user sees that account's pages, an operator
the operator's pages; a page of the other kind is a 404 to each, as another account's number is.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote

from cryptography.fernet import Fernet, InvalidToken
from itsdangerous import BadSignature, URLSafeSerializer
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from exopool.entities import Actor
from exopool.errors import ExopoolError, PayloadTooLarge, RouteNotFound
from exopool.http.requests import read_form, request_id_of
from exopool.http.runtime import Runtime, runtime_of
from exopool.services.users import LoginUser, OperatorUser, SessionUser, get_session_user
from exopool.web.errors import error_page
from exopool.web.pages import BASE, OPERATOR_HOME, Shared, shared_of, templates

T = TypeVar("T")
ACCOUNT, OPERATOR, ANYONE = "account", "operator", "anyone"  # who a page is for
COOKIE = "exopool_session"
SALT = "exopool.dashboard.session"
# Pages show secrets once and act on the account: never cached, framed, or sniffed.
SECURITY_HEADERS = {"cache-control": "no-store", "x-frame-options": "DENY", "x-content-type-options": "nosniff",
                    "referrer-policy": "same-origin"}


class Visit:
    """What a dashboard handler needs: the request, the runtime, the session and who is logged in
    (`user` for an account's user, `operator` for an operator)."""

    def __init__(self, request: Request, session: dict[str, Any], user: LoginUser | None) -> None:
        self.request = request
        self.runtime: Runtime = runtime_of(request)
        self.session = session
        self._sign_in(user)
        self.form: FormData | None = None
        self.shared: Shared = shared_of(request)

    @property
    def csrf_token(self) -> str:
        return str(self.session["c"])

    def _sign_in(self, user: LoginUser | None) -> None:
        self.user = user if isinstance(user, SessionUser) else None
        self.operator = user if isinstance(user, OperatorUser) else None

    @property
    def signed_in(self) -> LoginUser | None:
        return self.user or self.operator

    @property
    def home(self) -> str:
        """The path (under BASE) of the first page of whoever is logged in."""
        return OPERATOR_HOME if self.operator is not None else "/numbers"

    def actor(self) -> Actor:
        signed_in = self.signed_in
        assert signed_in is not None
        return signed_in.actor(request_id_of(self.request))

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        return await self.runtime.db.run(work, *args)

    def field(self, name: str, default: str = "") -> str:
        value = self.form.get(name) if self.form is not None else None
        return value.strip() if isinstance(value, str) else default

    def flash(self, message: str) -> None:
        self.session["f"] = message

    def keep_once(self, secret: dict[str, str]) -> None:
        """Carry a secret to the next page, encrypted in the session, so a reload cannot show it again."""
        self.session["o"] = _fernet(self.runtime.settings.secret_key).encrypt(json.dumps(secret).encode()).decode()

    def take_once(self) -> dict[str, str] | None:
        sealed = self.session.pop("o", None)
        if not isinstance(sealed, str):
            return None
        try:
            secret: dict[str, str] = json.loads(_fernet(self.runtime.settings.secret_key).decrypt(sealed.encode()))
        except InvalidToken:
            return None
        return secret

    def start_session(self, user: LoginUser) -> None:
        """A fresh session (and CSRF token) at login, so a token seen before login is worth nothing."""
        self.session = {"c": secrets.token_urlsafe(32), "u": user.id, "t": self.runtime.clock.now().isoformat()}
        self._sign_in(user)

    def renew_csrf(self) -> None:
        self.session["c"] = secrets.token_urlsafe(32)

    def end_session(self) -> None:
        self.session = {"c": secrets.token_urlsafe(32)}
        self._sign_in(None)

    def frame(self) -> dict[str, Any]:
        """What the frame around every page shows: who is logged in, the navigation, the CSRF token."""
        nav = self.shared.operator_nav if self.operator is not None else self.shared.nav
        return {"user": self.user, "operator": self.operator, "csrf_token": self.csrf_token, "nav_items": nav,
                "home": self.home}

    def render(self, template: str, context: dict[str, Any] | None = None, status: int = 200) -> Response:
        values = {**self.frame(), "flash": self.session.pop("f", None), "base": BASE,
                  "request_id": request_id_of(self.request), **(context or {})}
        return templates.TemplateResponse(self.request, template, values, status_code=status)

    def redirect(self, path: str) -> Response:
        return RedirectResponse(f"{BASE}{path}", status_code=303)

    def save(self, response: Response) -> None:
        """Write the session back on every response, signed, HttpOnly, SameSite=Lax; Secure over https."""
        settings = self.runtime.settings
        response.set_cookie(
            COOKIE, _serializer(settings.secret_key).dumps(self.session), path=BASE,
            max_age=settings.session_max_age_s if self.signed_in else None, httponly=True, samesite="lax",
            secure=self.request.url.scheme == "https",
        )
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)


def _fernet(secret: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(f"{SALT}.once:{secret}".encode()).digest()))


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=SALT)


async def open_visit(request: Request) -> Visit:
    """The visit of this request; a missing, forged, expired or logged-out session is anonymous."""
    runtime = runtime_of(request)
    session = _read_cookie(request, runtime.settings.secret_key)
    user = None
    if "u" in session:
        user = await runtime.db.run(get_session_user, int(session["u"]))
        if user is None or not _still_valid(session, user, runtime):
            expired = user is not None
            session = {"c": session["c"]}
            if expired:
                session["f"] = "Your session has expired. Please log in again."
            user = None
    return Visit(request, session, user)


def _read_cookie(request: Request, secret: str) -> dict[str, Any]:
    raw = request.cookies.get(COOKIE, "")
    try:
        session = _serializer(secret).loads(raw) if raw else None
    except BadSignature:
        session = None
    if not isinstance(session, dict) or not isinstance(session.get("c"), str):
        return {"c": secrets.token_urlsafe(32)}
    return session


def _still_valid(session: dict[str, Any], user: LoginUser, runtime: Runtime) -> bool:
    try:
        issued = datetime.fromisoformat(str(session.get("t")))
    except ValueError:
        return False
    age = (runtime.clock.now() - issued).total_seconds()
    if age > runtime.settings.session_max_age_s:
        return False
    return user.sessions_valid_after is None or issued > user.sessions_valid_after


async def _csrf_ok(visit: Visit, max_body: int | None = None) -> bool:
    await _check_size(visit, max_body)
    visit.form = await read_form(visit.request)
    sent = visit.form.get("csrf_token")
    return isinstance(sent, str) and hmac.compare_digest(sent.encode(), visit.csrf_token.encode())


async def _check_size(visit: Visit, max_body: int | None) -> None:
    limit = max_body or visit.runtime.settings.max_body_bytes
    declared = visit.request.headers.get("content-length", "")
    if not declared.isdigit() or int(declared) > limit:
        raise PayloadTooLarge(limit, what="The form", message=None if declared.isdigit()
                              else "The form must be sent with a Content-Length")


Handler = Callable[[Visit], Awaitable[Response]]


def page(*, login: bool = True, who: str = ACCOUNT,
         max_body: int | None = None) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """Make a handler a dashboard page: session, CSRF on every POST, login, HTML errors.

    `who` the page is for: ACCOUNT (an account's user), OPERATOR, or ANYONE logged in. A form larger
    than the settings' body limit needs max_body; who may send it is checked before it is read.
    """

    def decorate(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            visit = await open_visit(request)
            try:
                response = await _respond(visit, handler, login, who, max_body)
            finally:
                if visit.form is not None:
                    await visit.form.close()  # an uploaded file's spool
            visit.save(response)
            return response

        return endpoint

    return decorate


async def _respond(visit: Visit, handler: Handler, login: bool, who: str, max_body: int | None) -> Response:
    try:
        if max_body is not None and (refused := _refusal(visit, login, who)) is not None:
            return refused  # before a large body is read
        if visit.request.method == "POST" and not await _csrf_ok(visit, max_body):
            return visit.render("forbidden.html", status=403)
        if (refused := _refusal(visit, login, who)) is not None:
            return refused
        return await handler(visit)
    except ExopoolError as error:
        return error_page(visit.request, error, visit.frame())


def _refusal(visit: Visit, login: bool, who: str) -> Response | None:
    """The way to the login form for nobody logged in; a 404 for a page of the other kind; else None."""
    if not login:
        return None
    if visit.signed_in is None:
        return RedirectResponse(f"{BASE}/login?next={quote(visit.request.url.path)}", status_code=303)
    if (who == ACCOUNT and visit.user is None) or (who == OPERATOR and visit.operator is None):
        raise RouteNotFound(visit.request.url.path)
    return None

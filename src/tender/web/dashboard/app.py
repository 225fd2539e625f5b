"""The dashboard at /dashboard: server-rendered pages over the same services as the API.

Every page and action goes through `guarded`: no valid session cookie → a GET is sent
to the sign-in page, a POST gets 403; a POST without the session's CSRF token gets 403.
Pages read inside `store.read` units and act inside `store.write` units with a
`services.context.Context`, exactly as the API does.  Wrong passwords are throttled per
client (`throttle.py`).  Every asset is served from /dashboard/static: no CDN.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote

import jinja2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.staticfiles import StaticFiles

from tender.core import ids
from tender.core.money import format_amount
from tender.services.context import Context
from tender.web.dashboard import auth
from tender.web.dashboard.throttle import LoginThrottle

HERE = Path(__file__).parent
MAX_FORM = 64 * 1024

env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True)
env.filters["money"] = lambda amount, currency: format_amount(int(amount), str(currency))


def _timestamp(value: Any) -> str:
    import datetime

    if value is None:
        return "—"
    return datetime.datetime.fromtimestamp(int(value), datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


env.filters["ts"] = _timestamp


@dataclass
class Visit:
    """One signed-in request: what every page handler gets."""

    request: Request
    dashboard: Dashboard
    ctx: Context
    settings: dict[str, Any]
    csrf: str
    form: dict[str, str] = field(default_factory=dict)

    @property
    def store(self) -> Any:
        return self.dashboard.store

    async def read(self, fn: Callable[[Any], Any]) -> Any:
        return await self.store.read(self.ctx.account, fn)

    async def write(self, fn: Callable[[Any], Any]) -> Any:
        return await self.store.write(self.ctx.account, fn)

    def render(self, template: str, code: int = 200, **values: Any) -> HTMLResponse:
        html = env.get_template(template).render(csrf=self.csrf, signed_in=True, path=self.request.url.path, **values)
        return HTMLResponse(html, status_code=code, headers=NO_STORE)


Handler = Callable[[Visit], Awaitable[Response]]
NO_STORE = {"cache-control": "no-store", "x-frame-options": "DENY", "referrer-policy": "same-origin"}


class Dashboard:
    def __init__(self, store: Any, processor: Any, capture_window: int = 7 * 86400) -> None:
        from tender.web.dashboard import admin, customers, events, export, logs, payments, webhooks

        self.store = store
        self.processor = processor
        self.capture_window = capture_window
        self._account: str | None = None
        self.throttle = LoginThrottle()
        routes = [
            Route("/dashboard/login", self.login_page, methods=["GET"]),
            Route("/dashboard/login", self.login, methods=["POST"]),
            Route("/dashboard/login/{token}", self.login_link, methods=["GET"]),
            Route("/dashboard/logout", self.guarded(self.logout), methods=["POST"]),
        ]
        modules = (admin, payments, customers, events, webhooks, logs, export)
        for path, handler, methods in [route for module in modules for route in module.ROUTES]:
            routes.append(Route(path, self.guarded(handler), methods=methods))
        self.app = Starlette(routes=routes)
        self.app.mount("/dashboard/static", StaticFiles(directory=HERE / "static"), name="static")

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)

    @property
    def account(self) -> str:
        if self._account is None:
            self._account = self.store.first_account()
        assert self._account is not None, "tender serve creates the account before serving"
        return self._account

    def context(self, request: Request) -> Context:
        return Context(
            account=self.account,
            processor=self.processor,
            request_id=ids.new_id("request"),
            base_url=str(request.base_url).rstrip("/"),
            capture_window=self.capture_window,
        )

    async def settings(self) -> dict[str, Any]:
        result: dict[str, Any] = await self.store.read(self.account, lambda tx: tx.account_settings())
        return result

    def guarded(self, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            settings = await self.settings()
            key = auth.session_key(settings)
            sid = auth.read_session(key, request.cookies.get(auth.COOKIE))
            if sid is None:
                if request.method == "POST":
                    return _refused("Sign in first.")
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"/dashboard/login?next={quote(target)}", status_code=303)
            csrf = auth.csrf_token(key, sid)
            form: dict[str, str] = {}
            if request.method == "POST":
                form = await _read_form(request)
                if not auth.tokens_match(form.get("csrf_token"), csrf):
                    return _refused("The form's security token is missing or wrong. Reload the page and try again.")
            visit = Visit(request, self, self.context(request), settings, csrf, form)
            return await handler(visit)

        return endpoint

    # -- signing in ---------------------------------------------------------------------

    async def login_page(self, request: Request, error: str | None = None, status: int = 200) -> Response:
        token = request.cookies.get(auth.LOGIN_COOKIE) or auth.new_form_token()
        settings = await self.settings()
        html = env.get_template("login.html").render(
            csrf=token, error=error, next=_safe_next(request.query_params.get("next")),
            has_password=bool(settings.get("dashboard_password")), signed_in=False,
        )
        response = HTMLResponse(html, status_code=status, headers=NO_STORE)
        _set_cookie(response, request, auth.LOGIN_COOKIE, token, auth.LOGIN_LINK_SECONDS)
        return response

    async def login(self, request: Request) -> Response:
        form = await _read_form(request)
        if not auth.tokens_match(form.get("csrf_token"), request.cookies.get(auth.LOGIN_COOKIE)):
            return _refused("The form's security token is missing or wrong. Reload the page and try again.")
        client = request.client.host if request.client else "unknown"
        if self.throttle.retry_after(client):
            return await self._throttled(request, client)
        settings = await self.settings()
        ok = await asyncio.to_thread(auth.verify_password, form.get("password", ""), settings.get("dashboard_password"))
        if not ok:
            self.throttle.failed(client)
            if self.throttle.retry_after(client):
                return await self._throttled(request, client)
            return await self.login_page(request, "That password is not right.", 401)
        self.throttle.succeeded(client)
        return self._signed_in(request, settings, _safe_next(form.get("next")))

    async def _throttled(self, request: Request, client: str) -> Response:
        wait = self.throttle.retry_after(client)
        minutes = max(1, -(-wait // 60))
        response = await self.login_page(
            request,
            f"Too many wrong passwords from your address. Sign-in is blocked for {minutes} minute"
            f"{'s' if minutes != 1 else ''}; try again later.",
            429,
        )
        response.headers["retry-after"] = str(wait)
        return response

    async def login_link(self, request: Request) -> Response:
        token = request.path_params["token"]
        ok = await self.store.write(self.account, lambda tx: auth.consume_login_token(tx, token))
        if not ok:
            return await self.login_page(request, "That sign-in link has been used or has expired.", 403)
        return self._signed_in(request, await self.settings(), "/dashboard")

    def _signed_in(self, request: Request, settings: dict[str, Any], target: str) -> Response:
        response = RedirectResponse(target, status_code=303)
        cookie = auth.new_session(auth.session_key(settings))
        _set_cookie(response, request, auth.COOKIE, cookie, auth.SESSION_SECONDS)
        response.delete_cookie(auth.LOGIN_COOKIE, path="/dashboard")
        return response

    async def logout(self, visit: Visit) -> Response:
        response = RedirectResponse("/dashboard/login", status_code=303)
        response.delete_cookie(auth.COOKIE, path="/dashboard")
        return response


async def _read_form(request: Request) -> dict[str, str]:
    body = await request.body()
    if len(body) > MAX_FORM:
        return {}
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


def _refused(message: str) -> Response:
    html = env.get_template("refused.html").render(message=message, signed_in=False)
    return HTMLResponse(html, status_code=403, headers=NO_STORE)


def _safe_next(target: str | None) -> str:
    """Only paths inside the dashboard: never an open redirect."""
    if target and target.startswith("/dashboard") and "//" not in target and "\\" not in target:
        return target
    return "/dashboard"


def _set_cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path="/dashboard", httponly=True, samesite="lax",
        secure=request.url.scheme == "https",
    )


def redirect(path: str) -> Response:
    return RedirectResponse(path, status_code=303)

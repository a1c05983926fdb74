"""Security headers on every response of the web app.

The Content-Security-Policy lets pages run only this app's own scripts and styles
(no inline script or style: the one inline stylesheet moved to /static), talk only to
this app and the assistant's public address (the widget's socket.io connection), and
be framed only where they may: staff pages (studio, agent console, insights, login)
never, so no other site can overlay them to trick a signed-in person into a click;
the public pages (the demo page, life experiences, the widget's files) by the sites
in CX_FRAME_ANCESTORS (default `*`, any site: agencies embed the public side). The
widget itself is a script agencies put on their own pages: their policy governs it
there, and its calls to this app are CORS requests without credentials.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.settings import Settings, get_settings

# Paths anyone may frame (with CX_FRAME_ANCESTORS); every other path is staff or API.
PUBLIC_PAGES = ("/life-experiences/", "/static/widget/")
NEVER_FRAMED = "'none'"


def is_public(path: str) -> bool:
    return path == "/" or path.startswith(PUBLIC_PAGES)


def websocket_origin(url: str) -> str:
    """The ws(s) origin of an http(s) URL (socket.io upgrades to it)."""
    parts = urlsplit(url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{parts.netloc}"


def http_origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(settings: Settings, frame_ancestors: str) -> str:
    rasa = settings.browser_rasa_url
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            f"connect-src 'self' {http_origin(rasa)} {websocket_origin(rasa)}",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            f"frame-ancestors {frame_ancestors}",
        ]
    )


def security_headers(settings: Settings, path: str) -> dict[str, str]:
    """The headers for a response to `path`."""
    public = is_public(path)
    ancestors = (settings.frame_ancestors.strip() or NEVER_FRAMED) if public else NEVER_FRAMED
    headers = {
        "Content-Security-Policy": content_security_policy(settings, ancestors),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    }
    if not public:  # for browsers without frame-ancestors; it cannot say "these sites"
        headers["X-Frame-Options"] = "DENY"
    if settings.cookie_secure:  # served over HTTPS: browsers must keep to it
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return headers


class SecurityHeadersMiddleware:
    """Adds `security_headers` to every HTTP response, errors included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = security_headers(get_settings(), scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)

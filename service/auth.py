"""Access control: API tokens for machine clients and a trusted SSO proxy's user header, both off by default.

Who is asking also decides what they see: a document whose front matter names an `audience` is searched only for
a viewer (user or group) in it. Without credentials (or with access control off) the viewer is anonymous and sees
only unrestricted documents."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import JSONResponse

from service.settings import ServiceSettings

TOKEN_USER = "api-token"  # the viewer of a token given without a name ("name:secret" names it)
PUBLIC_HEALTH = ("/healthz", "/readyz")


@dataclass(frozen=True)
class Viewer:
    user: str | None
    groups: frozenset[str] = frozenset()

    def names(self) -> frozenset[str]:
        """What an audience entry may match: the user and each group."""
        return self.groups | {self.user} if self.user else self.groups


ANONYMOUS = Viewer(None)


class Denied(Exception):
    def __init__(self, status: int, detail: str) -> None:
        self.status, self.detail = status, detail

    def response(self) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if self.status == 401 else {}
        return JSONResponse({"detail": self.detail}, status_code=self.status, headers=headers)


class Gate:
    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self.tokens: list[tuple[str, str]] = []  # (viewer name, secret)
        for entry in settings.api_tokens:
            name, sep, secret = entry.partition(":")
            self.tokens.append((name, secret) if sep and secret else (TOKEN_USER, entry))
        self.enabled = bool(self.tokens or settings.trusted_user_header)

    def public(self, path: str) -> bool:
        return (self.settings.public_health and path in PUBLIC_HEALTH) or (
            self.settings.public_metrics and path == "/metrics"
        )

    def viewer(self, request: Request) -> Viewer:
        """Who is asking; Denied (401/403) when access control is on and the request may not pass."""
        if not self.enabled:
            return ANONYMOUS
        auth = request.headers.get("authorization", "")
        if auth:
            scheme, _, secret = auth.partition(" ")
            if scheme.lower() != "bearer" or not self.tokens:
                raise Denied(401, "unsupported Authorization header: send 'Authorization: Bearer <token>'")
            for name, known in self.tokens:
                if hmac.compare_digest(secret.strip().encode(), known.encode()):
                    return Viewer(name)
            raise Denied(401, "unknown API token: check CAREER_SEARCH_API_TOKENS on the server")
        header = self.settings.trusted_user_header
        user = request.headers.get(header, "").strip() if header else ""
        if not user:
            ways = ["an API token (Authorization: Bearer <token>)"] if self.tokens else []
            if header:
                ways.append(f"the sign-in proxy (which sets {header})")
            raise Denied(401, "authentication required: come through " + " or ".join(ways))
        groups_header = self.settings.trusted_groups_header
        raw = request.headers.get(groups_header, "") if groups_header else ""
        groups = frozenset(g.strip() for g in raw.split(",") if g.strip())
        viewer = Viewer(user, groups)
        if self.settings.allowed_groups and viewer.names().isdisjoint(self.settings.allowed_groups):
            raise Denied(403, f"user {user[:80]!r} is not in a group allowed to use this service")
        return viewer

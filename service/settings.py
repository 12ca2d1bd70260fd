"""The service's own settings (logs, access control, workers), on top of the shared CAREER_SEARCH_* settings."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field

from indexer.settings import Settings


class ServiceSettings(Settings):
    log_format: Literal["text", "json"] = "text"
    workers: int = Field(1, ge=1, description="uvicorn worker processes, each holding the live build")
    api_tokens: list[str] = Field(default_factory=list, description="bearer tokens accepted for the API")
    trusted_user_header: str = ""  # e.g. X-Forwarded-User, set by an SSO proxy (oauth2-proxy, nginx auth_request)
    trusted_groups_header: str = ""  # e.g. X-Forwarded-Groups: comma-separated groups of that user
    allowed_groups: list[str] = Field(default_factory=list, description="users/groups allowed in; [] = any")
    public_health: bool = True  # /healthz and /readyz answer without credentials (load balancers)
    public_metrics: bool = False  # /metrics answers without credentials
    query_log: str = ""  # folder of the opt-in query log (queries-YYYY-MM-DD.jsonl); empty = no query log
    query_log_days: int = Field(30, ge=1, description="days of query log kept; older files are deleted")
    query_log_users: bool = False  # record who searched (the user or token name access control resolved)


@lru_cache(maxsize=1)
def get_service_settings() -> ServiceSettings:
    return ServiceSettings()

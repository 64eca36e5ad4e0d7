"""One typed configuration object, read from COOLPAPERS_* variables and .env.

It is built once at the edge (the CLI, the ASGI factory) and passed down: nothing
below reads the environment itself, so tests can run several configurations side by side.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from coolpapers.app.arxiv.categories import archive_categories, canonical_category, is_known_archive

ENV_PREFIX = "COOLPAPERS_"
# Credentials as they show up in providers' error bodies and tracebacks: bearer tokens and the
# usual API-key prefixes (OpenAI sk-, Groq gsk_, xAI xai-, …).
KEY_SHAPED = re.compile(
    r"(?i)(\bbearer\s+|\bapi[-_ ]?key[\"']?\s*[:=]\s*[\"']?)[A-Za-z0-9._~+/=-]{6,}"
    r"|\b(sk|pk|rk|gsk|xai|key|sess)([-_])[A-Za-z0-9_*-]{8,}"
)
LANGUAGE_RE = re.compile(r"^[a-z]{2}(-[A-Za-z]{2,4})?$")


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.replace("+", ",").split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = "sqlite:///./data/coolpapers.db"
    redis_url: str = ""
    redis_prefix: str = Field(default="coolpapers", description="Namespace for every Redis key and queue")

    arxiv_rss_url: str = "https://rss.arxiv.org"
    arxiv_api_url: str = "https://export.arxiv.org/api/query"
    arxiv_pdf_url: str = "https://arxiv.org/pdf"
    arxiv_min_interval_s: float = Field(default=3.0, ge=0)
    contact_email: str = ""
    lookup_rate_limit_per_hour: int = Field(
        default=60, ge=0, description="Papers not stored yet one client IP may have looked up; 0 = off"
    )
    lookup_queue_max: int = Field(default=500, ge=1, description="Lookups waiting at once, site-wide")

    categories: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["all"])

    llm_base_url: str = ""
    llm_api_key: str = ""
    llm_model: str = ""
    faq_languages: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["en", "zh"])
    llm_timeout_s: float = Field(default=120.0, gt=0, description="Longest wait for the next streamed chunk")
    llm_max_tokens: int = Field(default=0, ge=0, description="max_tokens sent to the provider; 0 = not sent")
    llm_concurrency: int = Field(default=4, ge=1, le=256, description="Generations at once per worker")
    llm_requests_per_min: int = Field(default=0, ge=0, description="0 = no limit")
    llm_tokens_per_min: int = Field(default=0, ge=0, description="0 = no limit")
    faq_max_attempts: int = Field(default=5, ge=1, le=100)
    faq_retry_base_s: float = Field(default=5.0, ge=0)
    faq_retry_max_s: float = Field(default=600.0, ge=0)
    faq_heartbeat_s: float = Field(default=10.0, gt=0)
    faq_sweep_s: float = Field(default=15.0, gt=0)
    faq_full_text: bool = True
    faq_input_tokens: int = Field(default=24000, ge=500)
    faq_pdf_max_mb: float = Field(default=30.0, gt=0)
    faq_pdf_timeout_s: float = Field(default=30.0, gt=0, description="Longest text extraction of one PDF")
    faq_rate_limit_per_hour: int = Field(default=30, ge=0, description="FAQ requests per client IP; 0 = off")
    faq_daily_token_budget: int = Field(default=2_000_000, ge=0, description="0 = no budget")
    faq_keepalive_s: float = Field(default=15.0, gt=0)
    faq_stream_ttl_s: int = Field(default=3600, ge=60)
    faq_pregenerate: bool = False
    faq_pregenerate_categories: Annotated[list[str], NoDecode] = Field(default_factory=list)
    faq_pregenerate_daily_papers: int = Field(default=100, ge=0)
    faq_pregenerate_daily_tokens: int = Field(default=1_000_000, ge=0)

    search_index_dir: str = "./data/search-index"
    search_index_interval_s: float = Field(default=2.0, gt=0)
    # For you's text model: fitted on this many of the most recently stored papers (0: never fitted;
    # listings are then ranked with a model of the day itself), refitted at least this often.
    ranking_model_papers: int = Field(default=100_000, ge=0, le=5_000_000)
    ranking_refit_hours: float = Field(default=24.0, gt=0)

    shutdown_grace_s: float = Field(
        default=5.0, ge=0, le=60, description="On SIGTERM, how long work in progress may finish"
    )

    # Addresses (or networks) of reverse proxies whose X-Forwarded-For / -Proto are believed; empty:
    # none, so no client can pick its own address (and with it its rate-limit bucket).
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # The site's address as readers know it, for absolute links (feed ids and links): set it in
    # public, or a request's Host header chooses them. Empty: the request's own address.
    public_url: str = ""
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: str = "info"

    @field_validator("categories", mode="before")
    @classmethod
    def _parse_categories(cls, value: object) -> object:
        return _split_csv(value)

    @field_validator("categories")
    @classmethod
    def _check_categories(cls, value: list[str]) -> list[str]:
        if not value or [v.lower() for v in value] == ["all"]:
            return ["all"]
        out: list[str] = []
        for code in value:
            canonical = canonical_category(code) or (code.lower() if is_known_archive(code) else None)
            if canonical is None:
                raise ValueError(f"unknown arXiv category or archive {code!r}")
            if canonical not in out:
                out.append(canonical)
        return out

    @field_validator("faq_pregenerate_categories", mode="before")
    @classmethod
    def _parse_pregenerate_categories(cls, value: object) -> object:
        return _split_csv(value)

    @field_validator("faq_pregenerate_categories")
    @classmethod
    def _check_pregenerate_categories(cls, value: list[str]) -> list[str]:
        """Canonical codes, an archive standing for its categories; empty (or `all`) = every one.
        A misspelt code must stop start-up: it would otherwise silently select nothing."""
        if [v.lower() for v in value] == ["all"]:
            return []
        out: list[str] = []
        for code in value:
            found = canonical_category(code)
            codes = [found] if found else archive_categories(code)
            if not codes:
                raise ValueError(f"unknown arXiv category or archive {code!r}")
            out.extend(c for c in codes if c not in out)
        return out

    @field_validator("public_url")
    @classmethod
    def _check_public_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not re.match(r"^https?://[^/?#\s]+(/[^?#\s]*)?$", value):
            raise ValueError(f"{value!r} is not a site address such as https://papers.example.org")
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _parse_trusted_proxies(cls, value: object) -> object:
        return [p.strip() for p in value.split(",") if p.strip()] if isinstance(value, str) else value

    @field_validator("trusted_proxies")
    @classmethod
    def _check_trusted_proxies(cls, value: list[str]) -> list[str]:
        for entry in value:
            if entry == "*":
                continue
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"{entry!r} is not an IP address or network, e.g. 10.0.0.5 or 172.16.0.0/12"
                ) from None
        return value

    def redact(self, text: str) -> str:
        """`text` without secrets: the configured API key, and anything shaped like a credential.
        Applied to every provider message before it is stored or shown, and to every log line."""
        if len(self.llm_api_key) >= 4:
            text = text.replace(self.llm_api_key, "[redacted]")
        return KEY_SHAPED.sub(lambda m: f"{m.group(1) or m.group(2) + m.group(3)}[redacted]", text)

    @property
    def forwarded_allow_ips(self) -> str:
        """For uvicorn, with `proxy_headers=bool(trusted_proxies)`: no forwarded header counts
        unless it comes from one of these."""
        return ",".join(self.trusted_proxies)

    @field_validator("faq_languages", mode="before")
    @classmethod
    def _parse_languages(cls, value: object) -> object:
        return _split_csv(value)

    @field_validator("faq_languages")
    @classmethod
    def _check_languages(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("at least one language is needed, e.g. en,zh")
        for lang in value:
            if not LANGUAGE_RE.match(lang):
                raise ValueError(f"{lang!r} is not a language code such as en or zh")
        return value

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        value = value.strip()
        if value.startswith("postgres://") or value.startswith("postgresql://"):
            # psycopg 3 is the driver we ship; accept the plain libpq-style URL too.
            value = "postgresql+psycopg://" + value.split("://", 1)[1]
        if not (value.startswith("sqlite") or value.startswith("postgresql+psycopg://")):
            raise ValueError("must start with sqlite:/// or postgresql://")
        return value

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be empty (embedded mode) or start with redis://")
        return value

    @field_validator("arxiv_rss_url", "arxiv_api_url", "arxiv_pdf_url", "llm_base_url")
    @classmethod
    def _check_http_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @property
    def embedded(self) -> bool:
        """No Redis: queue, streams and caches live inside the process."""
        return not self.redis_url

    @property
    def follows_all_categories(self) -> bool:
        return self.categories == ["all"]

    @property
    def llm_configured(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)


class ConfigError(Exception):
    """A setting has an invalid value; the message names the variable."""


def load_settings(**overrides: object) -> Settings:
    """Build Settings, turning pydantic's error into one line per bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else "?"
            msg = err["msg"].removeprefix("Value error, ")
            lines.append(f"{ENV_PREFIX}{field.upper()}: {msg}")
        raise ConfigError("; ".join(lines)) from None

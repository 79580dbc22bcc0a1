"""Settings, read once from the environment (prefix ``MEETX_``)."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob of the service. Tests build their own instance instead of the cached one."""

    model_config = SettingsConfigDict(env_prefix="MEETX_", env_file=None, extra="ignore")

    database_url: str = Field(
        default="sqlite:///./meetx.db",
        description="SQLAlchemy URL; postgresql+psycopg://... for PostgreSQL.",
    )
    admin_token: SecretStr | None = Field(
        default=None,
        description="Bootstrap organiser token: 'Authorization: Bearer <it>' acts as organiser.",
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Base URL used in links and calendar UIDs.",
    )
    default_timezone: str = "Asia/Ho_Chi_Minh"
    max_body_bytes: int = Field(default=1_048_576, description="Largest request body accepted.")
    page_limit_max: int = 200
    log_level: str = "INFO"
    max_in_flight: int | None = Field(
        default=None,
        ge=1,
        description="Requests handled at once per server process; more wait in line. "
        "Default: the worker thread pool's size.",
    )

    # -- background jobs (service/jobs)
    run_jobs: bool = Field(
        default=True,
        description="Whether `meetx serve` runs background jobs itself; false when "
        "`meetx worker` processes run them.",
    )
    job_engine: Literal["auto", "procrastinate", "embedded"] = Field(
        default="auto",
        description="auto: procrastinate on PostgreSQL, the in-process runner on SQLite.",
    )
    job_threads: int = Field(default=1, ge=1, le=64, description="Jobs run at once in `serve`.")
    job_lease_s: float = Field(
        default=30,
        ge=2,
        description="A running job whose worker sent no heartbeat for this long is "
        "queued again (or failed after its last attempt).",
    )

    @property
    def public_base(self) -> str:
        return self.public_url.rstrip("/")


@lru_cache
def get_settings() -> Settings:
    return Settings()

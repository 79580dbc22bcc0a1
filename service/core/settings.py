"""Settings, read once from the environment (prefix ``MEETX_``)."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from service.core.database import DEFAULT_POOL_SIZE


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
    db_pool_size: int = Field(
        default=DEFAULT_POOL_SIZE,
        ge=1,
        le=500,
        description="PostgreSQL connections each process keeps open (half as many more "
        "for bursts). Every web process and worker holds up to 1.5 times this many: keep "
        "their sum under the server's max_connections.",
    )
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
    job_threads: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Jobs run at once in `serve`, besides its one lane for short jobs "
        "(every queue but the scheduler's).",
    )
    job_lease_s: float = Field(
        default=30,
        ge=2,
        description="A running job whose worker sent no heartbeat for this long is "
        "queued again (or failed after its last attempt).",
    )
    worker_nice: int = Field(
        default=10,
        ge=0,
        le=19,
        description="Scheduling priority (Unix nice) of background work: `meetx worker` "
        "processes, and the threads of `meetx serve` that run jobs. The web's requests "
        "then get the CPU first on a shared machine; 0 keeps jobs at the web's priority.",
    )
    long_jobs_idle: bool = Field(
        default=True,
        description="Long CPU-bound jobs (a scheduler run) run under Linux's SCHED_IDLE "
        "policy: only on CPU time that requests and other work leave free, so a solve "
        "never delays a page; on a machine of its own it changes nothing. Ignored "
        "elsewhere than on Linux.",
    )
    solver_threads: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Threads per scheduler run: CP-SAT search workers for the models of "
        "a whole day and, in `meetx worker`, the numeric libraries' thread pools. 1 keeps "
        "runs reproducible and a core free for the web on small machines; more solves "
        "faster on machines with spare cores, without reproducibility.",
    )

    # -- notifications (service/notifications): checked here so a bad value stops the start
    smtp_url: SecretStr | None = Field(
        default=None,
        description="smtp://user:pass@host:port (?starttls=true), smtps:// for TLS; unset: "
        "messages stay queued in the outbox.",
    )
    mail_from: str | None = Field(
        default=None, description="Sender, e.g. 'MeetX <noreply@meetx.example>'."
    )
    organiser_emails: str | None = Field(
        default=None,
        description="Comma-separated addresses of the organisers who receive the daily "
        "digest of commitments whose review is due; unset: no digest.",
    )
    mail_loop: bool = Field(
        default=False,
        description="Also deliver queued mail from a thread of each server process, beside "
        "the job engine's periodic delivery (`mail.deliver`).",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Signs unsubscribe links; default: derived from the admin token and "
        "the database URL.",
    )
    mail_deliver_interval_s: float = Field(
        default=5.0,
        ge=0,
        description="How often queued mail is delivered: the periodic job `mail.deliver` "
        "and the MEETX_MAIL_LOOP thread (0: neither; `meetx deliver-mail` still does).",
    )

    @field_validator("smtp_url")
    @classmethod
    def _check_smtp_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value().strip():
            from service.core.mail_settings import parse_smtp_url

            parse_smtp_url(value.get_secret_value())
            return value
        return None

    @field_validator("mail_from")
    @classmethod
    def _check_mail_from(cls, value: str | None) -> str | None:
        if value is not None and value.strip():
            from service.core.mail_settings import parse_sender

            parse_sender(value)
            return value.strip()
        return None

    @property
    def public_base(self) -> str:
        return self.public_url.rstrip("/")


@lru_cache
def get_settings() -> Settings:
    return Settings()

"""The messaging settings of the ini file, read once at start-up into a MessagingConfig in the registry.

    eparticipation.messaging.channels = email bale eitaa     the channels people can be reached on
    eparticipation.messaging.<channel>.adapter = ...          smtp or folder for email; bale, eitaa, rubika, soroush; folder
    eparticipation.messaging.<channel>.<option> = ...         the adapter's options (channels.py)
    eparticipation.messaging.<messenger>.webhook_secret = ... the secret part of the bot's webhook address
    eparticipation.messaging.<messenger>.bot = @name          the bot people start, shown in the instructions
    eparticipation.messaging.max_attempts, .retry_base_seconds, .link_code_minutes, .idle_seconds
    eparticipation.messaging.link_rate.max = 5                codes a person may ask for (and a chat be sent)
    eparticipation.messaging.link_rate.minutes = 60           in this many minutes
    eparticipation.messaging.lease_seconds = 600              how long a worker's claim on a message holds while
                                                              it sends it; after that the message is uncertain

Secrets stay out of files: MESSAGING_<CHANNEL>_<OPTION> in the environment (e.g. MESSAGING_BALE_TOKEN,
MESSAGING_EMAIL_PASSWORD, MESSAGING_BALE_WEBHOOK_SECRET) overrides the ini.
"""

import os
from dataclasses import dataclass, field
from datetime import timedelta

from eparticipation.messaging.channels import ChannelAdapter, make_adapter
from eparticipation.messaging.models import Channel

PREFIX = "eparticipation.messaging."
DEFAULT_LEASE_SECONDS = 600


@dataclass
class MessagingConfig:
    adapters: dict[Channel, ChannelAdapter] = field(default_factory=dict)
    webhook_secrets: dict[Channel, str] = field(default_factory=dict)
    bot_names: dict[Channel, str] = field(default_factory=dict)
    max_attempts: int = 6
    retry_base: timedelta = timedelta(minutes=1)
    link_code_lifetime: timedelta = timedelta(minutes=30)
    link_rate_max: int = 5
    link_rate_window: timedelta = timedelta(minutes=60)
    idle_seconds: float = 10.0
    # Well above any adapter's timeout: a worker still sending when its lease runs out is taken for dead, and
    # its message becomes uncertain (delivery.py).
    lease: timedelta = timedelta(seconds=DEFAULT_LEASE_SECONDS)

    @property
    def channels(self) -> list[Channel]:
        return list(self.adapters)

    @property
    def messengers(self) -> list[Channel]:
        return [channel for channel in self.adapters if channel.is_messenger]

    def retry_delay(self, attempts: int) -> timedelta:
        """Exponential backoff: the base delay after the first failure, doubled after each further one."""
        return self.retry_base * (2 ** (attempts - 1))


def channel_options(settings: dict, channel: Channel, environ) -> dict:
    prefix = f"{PREFIX}{channel}."
    options = {key[len(prefix):]: value for key, value in settings.items() if key.startswith(prefix)}
    environment_prefix = f"MESSAGING_{channel.upper()}_"
    for variable, value in environ.items():
        if variable.startswith(environment_prefix) and value:
            options[variable[len(environment_prefix):].lower()] = value
    return options


def read_messaging_settings(settings: dict, environ=None) -> MessagingConfig:
    environ = os.environ if environ is None else environ
    config = MessagingConfig(
        max_attempts=int(settings.get(f"{PREFIX}max_attempts", 6)),
        retry_base=timedelta(seconds=float(settings.get(f"{PREFIX}retry_base_seconds", 60))),
        link_code_lifetime=timedelta(minutes=float(settings.get(f"{PREFIX}link_code_minutes", 30))),
        link_rate_max=int(settings.get(f"{PREFIX}link_rate.max", 5)),
        link_rate_window=timedelta(minutes=float(settings.get(f"{PREFIX}link_rate.minutes", 60))),
        idle_seconds=float(settings.get(f"{PREFIX}idle_seconds", 10)),
        lease=timedelta(seconds=float(settings.get(f"{PREFIX}lease_seconds", DEFAULT_LEASE_SECONDS))),
    )
    if config.max_attempts < 1:
        raise ValueError(f"{PREFIX}max_attempts must be at least 1")
    if config.link_rate_max < 1 or config.link_rate_window <= timedelta(0):
        raise ValueError(f"{PREFIX}link_rate.max and {PREFIX}link_rate.minutes must be positive")
    for name in settings.get(f"{PREFIX}channels", "").split():
        try:
            channel = Channel(name)
        except ValueError:
            raise ValueError(f"{PREFIX}channels: no channel is named {name!r}") from None
        options = channel_options(settings, channel, environ)
        config.adapters[channel] = make_adapter(channel, options)
        if channel.is_messenger:
            secret, bot = options.get("webhook_secret", "").strip(), options.get("bot", "").strip()
            if secret:
                if not bot:
                    raise ValueError(f"{PREFIX}{channel}.bot is not set: people need the bot's name to send it a code")
                config.webhook_secrets[channel] = secret
                config.bot_names[channel] = bot
    longest_timeout = max((adapter.timeout for adapter in config.adapters.values()), default=0)
    if config.lease.total_seconds() <= longest_timeout:
        # Every send would outlive its lease, and every message would wait for an administrator.
        raise ValueError(f"{PREFIX}lease_seconds must be longer than the longest adapter timeout "
                         f"({longest_timeout:g} s), and should be well above it")
    return config


def messaging_config(registry) -> MessagingConfig:
    return registry["messaging"]

"""The one error of the channels between processes."""

import logging

log = logging.getLogger("coolpapers.queue")


class ChannelUnavailable(Exception):
    """Redis could not be reached; the caller answers 503. The message is for the public (which
    part is away, never where it lives); the cause goes to the log."""

    def __init__(self, what: str, cause: BaseException) -> None:
        super().__init__(f"{what} (Redis) cannot be reached")
        log.warning("%s: Redis error: %s", what, cause)

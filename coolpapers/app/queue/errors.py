"""The one error of the channels between processes."""


class ChannelUnavailable(Exception):
    """Redis could not be reached; the caller answers 503."""

"""The one exception type for errors a user can cause (bad config, bad input, network down)."""


class MarginaliaError(Exception):
    """An error the user can fix. The message names the file, line or config key and what to do."""

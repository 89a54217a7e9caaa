"""The collector's one error type, answered as JSON `{"code", "message"}`."""


class CollectorError(Exception):
    """A request the collector refuses: HTTP status, short code and a sentence."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

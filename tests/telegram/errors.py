"""The error answers of the fake Bot API, shaped like Telegram's."""


class ApiError(Exception):
    """An unsuccessful Bot API answer.

    `scripted` marks answers the test arranged (a blocked user, a migrated group, a
    fault on cue); all others mean the bot sent something Telegram refuses, and the
    fixture fails the test for them unless the test said it expected one.
    """

    def __init__(
        self,
        status: int,
        description: str,
        *,
        parameters: dict | None = None,
        scripted: bool = False,
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters
        self.scripted = scripted

    def body(self) -> dict:
        body: dict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(reason: str, *, scripted: bool = False, parameters: dict | None = None) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}", scripted=scripted, parameters=parameters)


def forbidden(reason: str) -> ApiError:
    """Telegram answers 403 for chats the bot may no longer write to; tests script those."""
    return ApiError(403, f"Forbidden: {reason}", scripted=True)

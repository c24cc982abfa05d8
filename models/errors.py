"""The one error type the domain raises for the user to read."""


class SoregError(Exception):
    """A refusal or failure whose message is Chinese text meant for the clerk.

    Every layer raises this (or a subclass) instead of leaking a library exception:
    the CLI prints ``str(error)`` as one line, the GUI shows it in a message box.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message

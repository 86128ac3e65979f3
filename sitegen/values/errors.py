"""The one error every value parser raises: a Chinese message and a hint with an accepted form."""


class ValueProblem(Exception):
    """A value an editor wrote that cannot be used as is.

    Not a frozen dataclass: the interpreter and ``contextlib`` assign ``__traceback__`` on
    exceptions, which a frozen dataclass's ``__setattr__`` refuses.
    """

    message: str
    hint: str

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message, hint)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}（{self.hint}）"

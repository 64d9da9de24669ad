"""Domain errors. Callers translate them (the API to 4xx, actions to a reply)."""


class DomainError(Exception):
    """Base class of every error the receivables services raise."""


class NotFound(DomainError):
    def __init__(self, what: str, key: object) -> None:
        super().__init__(f"{what} {key} not found")
        self.what = what
        self.key = key


class Conflict(DomainError):
    """The request clashes with what is stored (a duplicate reference, say)."""


class InvalidInput(DomainError):
    """The input is well-formed but not acceptable (a due date before the issue date, say)."""

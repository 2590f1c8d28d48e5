"""The one exception type for bad user input; the scripts print it as a single line and exit non-zero."""


class UserError(Exception):
    """Bad input from the user (flags, data files, run directories): the message says what and how to fix it."""


def unknown_choice(kind: str, value, choices) -> UserError:
    """The error for a registry lookup that failed, naming the bad value and every valid one."""
    return UserError(f"unknown {kind} {value!r}; valid choices: {', '.join(sorted(choices))}")

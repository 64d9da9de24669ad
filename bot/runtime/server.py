"""`rasa` with Settle's fix and the action-call counter installed first:
`python -m bot.runtime.server run ...` takes the same arguments as the `rasa` command
(scripts/stack.py starts Rasa this way)."""

from __future__ import annotations

from bot.runtime import counting, validation


def main() -> None:
    validation.install()
    counting.install()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()

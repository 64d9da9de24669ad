"""The collector console (/console): sign-in, the live queue and the conversation view."""

from pathlib import Path

CONSOLE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = CONSOLE_DIR / "templates"
STATIC_DIR = CONSOLE_DIR / "static"

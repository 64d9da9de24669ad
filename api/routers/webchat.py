from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, JSONResponse

from texts import section

STATIC = Path(__file__).resolve().parent.parent / "static"
# the labels change only with a release; a page load need not ask every time
TEXTS_MAX_AGE = 300

router = APIRouter(include_in_schema=False)


@router.get("/")
def chat_page() -> FileResponse:
    return FileResponse(STATIC / "index.html", media_type="text/html")


@router.get("/api/v1/webchat/texts")
def webchat_texts() -> JSONResponse:
    """The web chat widget's labels, {"nl": {...}, "en": {...}}: public and the same for
    everyone, so any page the widget is embedded on may read them (the widget shows itself
    wherever its script tag is; the conversation API keeps to the listed origins)."""
    headers = {
        "Cache-Control": f"public, max-age={TEXTS_MAX_AGE}",
        "Access-Control-Allow-Origin": "*",
    }
    return JSONResponse(section("webchat"), headers=headers)

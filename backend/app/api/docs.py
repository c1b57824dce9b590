"""/api/docs: Swagger UI from the bundle's own files (Nginx serves them under /vendor/), no CDN.

The page works air-gapped and runs no third-party script; its CSP (nginx/conf.d/csp.conf) allows
scripts and styles from the site's own origin only. Reached directly (no Nginx in front), the
page loads but its assets 404: the docs are part of the site, not of the app server.
"""

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)

ASSETS = "/vendor/swagger-ui"  # nginx/static/vendor/swagger-ui/, vendored by scripts/vendor-swagger-ui.sh

PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>apibundle API</title>
<link rel="stylesheet" href="{ASSETS}/swagger-ui.css">
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{ASSETS}/swagger-ui-bundle.js"></script>
<script src="/vendor/swagger-ui-init.js"></script>
</body>
</html>
"""


@router.get("/docs", response_class=HTMLResponse)
async def docs() -> HTMLResponse:
    return HTMLResponse(PAGE)

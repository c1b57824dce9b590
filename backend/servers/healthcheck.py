"""Container healthcheck: ``python -m servers.healthcheck`` exits 0 when the app is ready."""

import sys
import urllib.request

from servers.settings import ServerSettings

try:
    url = f"http://127.0.0.1:{ServerSettings().port}/api/health/ready"
    with urllib.request.urlopen(url, timeout=3) as response:
        sys.exit(0 if response.status == 200 else 1)
except Exception as exc:  # any failure is "unhealthy", with the reason in docker inspect
    print(f"unhealthy: {exc}", file=sys.stderr)
    sys.exit(1)

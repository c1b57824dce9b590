"""APP_PRESTART: a command run once before any worker starts (``alembic upgrade head``).

``python -m servers.prestart`` is the compose `migrate` service's command (a one-shot the app
waits for: workers never race it); with SERVER_RUN_PRESTART=true the launcher runs it itself
(the load test's topologies, which have no such service). It runs in the project folder with
the app's environment, through ``sh -c`` as written in the env file; nothing set is nothing run.
"""

import subprocess
import sys

from servers.settings import AppSettings


def run_or_exit(command: str) -> None:
    print(f"prestart: {command}", file=sys.stderr, flush=True)
    code = subprocess.run(["sh", "-c", command]).returncode
    if code != 0:
        sys.exit(f"servers: APP_PRESTART exited {code}: {command}")


def main() -> None:
    command = AppSettings().prestart
    if command:
        run_or_exit(command)
    else:
        print("prestart: APP_PRESTART is not set, nothing to run", file=sys.stderr)


if __name__ == "__main__":
    main()

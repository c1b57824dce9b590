# An app image: a project (the build context: APP_DIR, or ./backend for the demo) on the bundle's
# runtime image (backend/servers/Dockerfile: Gunicorn + Uvicorn workers, the launcher, metrics).
#
#   docker build -f backend/app.Dockerfile ../myproject        (after `make images` built the runtime)
#
# The project's dependencies (requirements.txt, else [project].dependencies of pyproject.toml)
# are installed over the runtime's server packages: its own pins of gunicorn or uvicorn win,
# within the ranges the server layer supports (servers/compat.py stops the build in one line per
# package outside them). Its code goes to /srv/app, the working directory; its settings come at
# run time (APP_DIR/.env, APP_ENV_FILE), never baked in.
#
# WHEELS_IMAGE: air-gapped builds pass an image whose /wheels holds every wheel the project
# needs, downloaded on the host (scripts/images.sh); online builds install from the package index.
ARG RUNTIME_IMAGE=apibundle/runtime:latest
ARG WHEELS_IMAGE=${RUNTIME_IMAGE}
FROM ${WHEELS_IMAGE} AS wheels

FROM ${RUNTIME_IMAGE}
ARG PIP_NO_INDEX=0
# The dependency files first: code changes do not re-install them.
COPY pyproject.toml* requirements*.txt /tmp/project/
# 1. the project's requirements (its pins move the runtime's server packages); 2. a pin outside
# the supported ranges stops here, one line per package; 3. the project's requirements with the
# ranges, resolved together: server packages that must follow its pins do (uvicorn-worker for an
# older Uvicorn); 4. checked again.
# A lock file with hashes (`--hash=sha256:...`, e.g. uv pip compile --generate-hashes, as the
# demo's) is installed with --require-hashes instead: every file checked, nothing resolved
# beyond it (the unhashed ranges cannot join it), so 3 becomes `pip check`.
RUN --mount=type=bind,from=wheels,source=/wheels,target=/tmp/wheelhouse \
    python3 -I /srv/bundle/servers/deps.py /tmp/project >/tmp/app-requirements.txt \
 && python3 -m servers.compat --ranges >/tmp/server-ranges.txt \
 && export PIP_NO_INDEX=${PIP_NO_INDEX} PIP_FIND_LINKS=/tmp/wheelhouse \
 && if grep -q -e '--hash=' /tmp/app-requirements.txt; then \
      pip install -q --require-hashes -r /tmp/app-requirements.txt \
      && python3 -m servers.compat /tmp/app-requirements.txt \
      && pip check; \
    else \
      pip install -q -r /tmp/app-requirements.txt \
      && python3 -m servers.compat /tmp/app-requirements.txt \
      && pip install -q -r /tmp/app-requirements.txt -r /tmp/server-ranges.txt \
      && python3 -m servers.compat /tmp/app-requirements.txt; \
    fi \
 && rm -rf /tmp/project /tmp/server-ranges.txt
COPY . /srv/app/
RUN python3 -m compileall -q /srv/app && rm -f /tmp/app-requirements.txt
USER app:app

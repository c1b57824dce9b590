import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from app.store.migrate import migrate_sqlite as migrate
from servers import logging as bundle_logging
from servers.asgi import wrap
from servers.settings import AppSettings


@pytest.fixture
def settings(tmp_path) -> Settings:
    db = tmp_path / "app.db"
    migrate(db)
    return Settings(
        environment="test", database_path=db, max_upload_bytes=1024, max_websocket_message_bytes=64, workloads=True
    )


@pytest.fixture
def client(settings):
    demo = create_app(settings)
    bundle = AppSettings()
    bundle_logging.configure(bundle.log_level, bundle.log_queue_max)
    with TestClient(wrap(demo, bundle)) as c:
        c.demo = demo  # the FastAPI app inside the server layer's wrapping
        yield c

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from app.store.migrate import migrate_sqlite as migrate


@pytest.fixture
def settings(tmp_path) -> Settings:
    db = tmp_path / "app.db"
    migrate(db)
    return Settings(environment="test", database_path=db, max_upload_bytes=1024, max_websocket_message_bytes=64)


@pytest.fixture
def client(settings):
    with TestClient(create_app(settings)) as c:
        yield c

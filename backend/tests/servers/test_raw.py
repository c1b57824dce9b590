from fastapi.testclient import TestClient

from servers.compare.raw import create_app


def test_raw_app_serves_the_same_json_and_health():
    with TestClient(create_app()) as c:
        assert c.get("/api/work/json").json() == {"message": "Hello, World!"}
        assert c.get("/api/health").json()["server"] == "uvicorn"
        assert c.get("/api/health/ready").status_code == 200
        assert c.get("/api/items").status_code == 404

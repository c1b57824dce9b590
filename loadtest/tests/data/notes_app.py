"""examples/notes-api as the load test sees it: a declared request list and its OpenAPI document."""

NOTES_TOML = """\
[[requests]]
path = "/api/notes?limit=20"
weight = 3
name = "list notes"

[[requests]]
method = "post"
path = "/api/notes"
json = {title = "load test", tags = ["a"]}
headers = {X-Api-Key = "demo"}
expect = 201
"""


def notes_openapi(**extra) -> dict:
    """What FastAPI writes for examples/notes-api (routes at its root)."""
    note_id = {"name": "note_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    page = [
        {"name": "limit", "in": "query", "required": False, "schema": {"type": "integer", "default": 20}},
        {"name": "offset", "in": "query", "required": False, "schema": {"type": "integer", "default": 0}},
    ]
    doc = {
        "openapi": "3.1.0",
        "info": {"title": "notes-api", "version": "0.1.0"},
        "paths": {
            "/": {"get": {"responses": {"200": {"description": "ok"}}}},
            "/notes": {
                "get": {"parameters": page, "responses": {"200": {}, "422": {}}},
                "post": {"requestBody": {"required": True}, "responses": {"201": {}}},
            },
            "/notes/{note_id}": {
                "get": {"parameters": [note_id], "responses": {"200": {}, "404": {}}},
                "delete": {"parameters": [note_id], "responses": {"204": {}}},
            },
        },
    }
    doc.update(extra)
    return doc

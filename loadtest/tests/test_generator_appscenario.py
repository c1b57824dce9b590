"""A user app's scenario (loadtest/generator/appscenario): each source, the precedence, the OpenAPI
selection rules, the declared list's validation, and wrk's input."""

import json
from pathlib import Path

import pytest

from loadtest.generator.appscenario import ScenarioError, declared, model, openapi, sources, wrk_input
from loadtest.tests.data.notes_app import NOTES_TOML, notes_openapi

# --- the declared list -----------------------------------------------------------------------


def test_a_declared_toml_list_with_its_defaults(tmp_path):
    (tmp_path / "loadtest.toml").write_text(NOTES_TOML)
    listed, create = declared.load(tmp_path / "loadtest.toml")
    assert listed == model.Request("GET", "/api/notes?limit=20", None, {}, 200, 3, "list notes")
    assert (create.method, create.body, create.headers, create.expect, create.weight) == (
        "POST", {"title": "load test", "tags": ["a"]}, {"X-Api-Key": "demo"}, 201, 1,
    )  # fmt: skip
    assert (listed.label, create.label) == ("list notes", "/api/notes")


def test_a_yaml_list_reads_the_same(tmp_path):
    (tmp_path / "loadtest.yaml").write_text(
        "requests:\n  - path: /api/notes\n    weight: 2\n  - {method: DELETE, path: /api/notes/1, expect: 204}\n"
    )
    got = declared.load(tmp_path / "loadtest.yaml")
    assert [(r.method, r.path, r.expect, r.weight) for r in got] == [
        ("GET", "/api/notes", 200, 2), ("DELETE", "/api/notes/1", 204, 1),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('method = "GET"', "request 1: 'path' is missing"),
        ('path = "/api/x"\nmethod = "FETCH"', "request 1: unknown method 'FETCH'"),
        ('path = "/api/x"\nweight = -2', "request 1 (GET /api/x): 'weight' must be a positive whole number, got -2"),
        ('path = "/api/x"\nweight = 0', "'weight' must be a positive whole number, got 0"),
        ('path = "/api/x"\nmethod = "POST"', "request 1 (POST /api/x): 'expect' is required for POST"),
        ('path = "/api/x"\nexpect = 999', "'expect' must be an HTTP status code (100-599), got 999"),
        ('path = "api/x"', "'path' must be a path starting with '/'"),
        ('path = "/api/a b"', "'path' must not contain spaces"),
        ('path = "/api/x"\nexcpect = 200', "request 1: unknown key 'excpect'"),
    ],
)
def test_a_bad_declared_list_is_one_line_naming_the_problem(tmp_path, entry, message):
    (tmp_path / "loadtest.toml").write_text(f"[[requests]]\n{entry}\n")
    with pytest.raises(ScenarioError) as err:
        declared.load(tmp_path / "loadtest.toml")
    assert message in str(err.value) and "\n" not in str(err.value)
    assert str(err.value).startswith("loadtest.toml: ")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no 'requests' list"),
        ("requests = []", "no requests"),
        ("[[request]]\npath = '/x'", "unknown top-level key 'request'"),
        ("[[requests]\npath = '/x'", "not valid TOML"),
    ],
)
def test_a_declared_file_without_a_usable_list(tmp_path, text, message):
    (tmp_path / "loadtest.toml").write_text(text)
    with pytest.raises(ScenarioError, match=message):
        declared.load(tmp_path / "loadtest.toml")


def test_requests_json_round_trips(tmp_path):
    (tmp_path / "loadtest.toml").write_text(NOTES_TOML)
    requests = declared.load(tmp_path / "loadtest.toml")
    model.dump(requests, tmp_path / "run" / "requests.json", "loadtest.toml")
    assert json.loads((tmp_path / "run" / "requests.json").read_text())["source"] == "loadtest.toml"
    assert model.load(tmp_path / "run" / "requests.json") == requests


# --- precedence ------------------------------------------------------------------------------


def test_precedence_locustfile_then_declared_then_openapi(tmp_path):
    assert sources.resolve(tmp_path) == sources.Source("openapi")
    (tmp_path / "loadtest.yml").write_text("- path: /api/y\n")
    assert sources.resolve(tmp_path).kind == "loadtest.yml"
    (tmp_path / "loadtest.toml").write_text(NOTES_TOML)
    found = sources.resolve(tmp_path)
    assert (found.kind, found.path, len(found.requests)) == ("loadtest.toml", tmp_path / "loadtest.toml", 2)
    (tmp_path / "locustfile.py").write_text("")
    mine = sources.resolve(tmp_path, tmp_path / "locustfile.py")
    assert (mine.kind, mine.requests, mine.has_list) == ("locustfile", None, False)


def test_missing_app_dir_or_locustfile(tmp_path):
    with pytest.raises(ScenarioError, match="APP_DIR=.*: no such directory"):
        sources.resolve(tmp_path / "nope")
    with pytest.raises(ScenarioError, match="LOCUSTFILE=.*: no such file"):
        sources.resolve(tmp_path, tmp_path / "missing.py")


# --- OpenAPI ---------------------------------------------------------------------------------


def test_openapi_takes_the_gets_that_need_no_input():
    got = openapi.requests(notes_openapi(), "/api")
    assert [(r.method, r.path, r.expect, r.weight) for r in got] == [
        ("GET", "/api/", 200, 1), ("GET", "/api/notes", 200, 1),
    ]  # fmt: skip


def test_openapi_uses_examples_and_encodes_path_parameters():
    doc = notes_openapi()
    op = doc["paths"]["/notes/{note_id}"]["get"]
    op["parameters"][0]["example"] = "a b/c"
    op["parameters"].append(
        {"name": "fields", "in": "query", "required": True, "examples": {"x": {"value": "id,title"}}}
    )
    op["responses"] = {"default": {}, "203": {}, "200": {}}
    doc["paths"]["/tags/{tag}"] = {
        "parameters": [{"$ref": "#/components/parameters/Tag"}],
        "get": {"responses": {"2XX": {}}},
    }
    doc["components"] = {"parameters": {"Tag": {"name": "tag", "in": "path", "schema": {"examples": ["é"]}}}}
    detail, tags = openapi.requests(doc, "/api")[2:]
    assert (detail.path, detail.expect, detail.name) == (
        "/api/notes/a%20b%2Fc?fields=id%2Ctitle", 203, "/api/notes/{note_id}",
    )  # fmt: skip
    assert (tags.path, tags.expect, tags.label) == ("/api/tags/%C3%A9", 200, "/api/tags/{tag}")


def test_openapi_schema_default_counts_as_an_example():
    doc = notes_openapi()
    doc["paths"]["/notes/{note_id}"]["get"]["parameters"][0]["schema"] = {"anyOf": [{"type": "integer", "default": 1}]}
    assert openapi.requests(doc, "")[-1].path == "/notes/1"


def test_openapi_prefix_strip_or_servers_path():
    assert openapi.prefix_for(notes_openapi(), "/api", True) == "/api"
    assert openapi.prefix_for(notes_openapi(servers=[{"url": "/v1"}]), "/api", False) == "/v1"
    assert openapi.prefix_for(notes_openapi(servers=[{"url": "https://x.example/v2/"}]), "/api", False) == "/v2"
    assert openapi.prefix_for(notes_openapi(), "/api", False) == ""


def test_openapi_without_a_usable_get_is_one_line_naming_what_was_skipped():
    doc = notes_openapi()
    del doc["paths"]["/"], doc["paths"]["/notes"]["get"]
    with pytest.raises(ScenarioError) as err:
        openapi.requests(doc, "/api")
    text = str(err.value)
    assert "no GET operation usable without input" in text and "\n" not in text
    assert "GET /notes/{note_id}: required path parameter 'note_id' has no example" in text
    assert "loadtest.toml" in text
    with pytest.raises(ScenarioError, match="no 'paths'"):
        openapi.requests({"openapi": "3.1.0"})
    with pytest.raises(ScenarioError, match="not a JSON OpenAPI document"):
        openapi.parse("<html>", "openapi.json")


# --- wrk's input ---------------------------------------------------------------------------


def test_wrk_cycles_by_weight_spread_out():
    a, b, c = (model.Request("GET", f"/api/{n}", weight=w) for n, w in (("a", 4), ("b", 2), ("c", 2)))
    order = [r.path for r in wrk_input.cycle([a, b, c])]
    assert order.count("/api/a") == 2 and len(order) == 4  # weights 4:2:2 reduce to 2:1:1
    assert order[0] == "/api/a" and order[1] != "/api/a"  # interleaved, not a run of a's


def test_wrk_lines_carry_method_path_body_and_headers():
    r = model.Request("POST", "/api/notes", {"title": "x\ty"}, {"X-Api-Key": "k"}, 201, 1)
    fields = wrk_input.script_input([r, model.Request("GET", "/api/")]).splitlines()
    assert fields[0].split("\t") == [
        "POST", "/api/notes", '{"title":"x\\ty"}', "X-Api-Key: k", "Content-Type: application/json",
    ]  # fmt: skip
    assert fields[1].split("\t") == ["GET", "/api/", ""]


def test_the_lua_script_reads_the_file_form():
    lua = (Path(__file__).parents[1] / "generator" / "wrk" / "report.lua").read_text()
    assert 'string.sub(args[1], 1, 1) == "@"' in lua and "wrk.format(fields[1], fields[2], headers, body)" in lua

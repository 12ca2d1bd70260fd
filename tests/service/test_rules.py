"""The page follows the server's rules and restates none; its modules are small; runs without a server or browser."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient

from service.app import create_app
from service.rules import FILTER_PARAMS, page_rules
from tests.helpers import ROOT

JS = sorted((ROOT / "service" / "static" / "js").glob("*.js"))


def flat(value: object) -> list[object]:
    if isinstance(value, dict):
        return [x for v in value.values() for x in flat(v)]
    if isinstance(value, list | tuple):
        return [x for v in value for x in flat(v)]
    return [value]


def test_the_page_is_told_the_rules_the_api_enforces(tmp_path) -> None:
    app = create_app(tmp_path / "no-index", watch=False)
    with TestClient(app) as client:
        body = client.get("/").text
        schema = client.get("/openapi.json").json()
    config = json.loads(re.search(r'<script type="application/json" id="page-config">(.*?)</script>', body)[1])
    rules = config["rules"]
    assert rules == page_rules()
    params = {p["name"]: p["schema"] for p in schema["paths"]["/api/search"]["get"]["parameters"]}
    assert rules["search"] == {"k": params["k"]["default"], "per_doc": params["per_doc"]["default"]}
    assert rules["one_career"]["k"] <= params["k"]["maximum"]
    assert rules["one_career"]["per_doc"] <= params["per_doc"]["maximum"]
    assert set(rules["filter_params"].values()) <= set(params)
    for key, param in rules["filter_params"].items():  # a URL filter is never longer than its API parameter takes
        limit = params[param].get("maxLength") or params[param]["items"].get("maxLength", rules["url_keys"][key])
        assert rules["url_keys"][key] <= limit
    assert str(rules["url_keys"]["q"]) in params["q"]["pattern"].replace("998", "1000")


def test_no_javascript_restates_a_server_rule() -> None:
    rules = page_rules()
    numbers = {x for x in flat(rules) if isinstance(x, int) and not isinstance(x, bool)}
    # the API's parameters the page sets (title is also the page's own URL key, which the page does name)
    names = {"k", "per_doc", *FILTER_PARAMS.values()} - {"title"}
    for path in JS:
        code = re.sub(r"/\*.*?\*/|//[^\n]*", "", path.read_text(), flags=re.S)  # comments may name them
        literals = {int(n) for n in re.findall(r"(?<![\w.])(\d+)(?![\w.])", code)}
        assert not literals & numbers, (path.name, literals & numbers)
        strings = set(re.findall(r'"([^"\n]*)"|\'([^\'\n]*)\'', code))
        strings = {x for pair in strings for x in pair}
        assert not strings & names, (path.name, strings & names)
        assert not any(re.search(r"\b(k|per_doc|career|section_path)=", x) for x in strings), path.name
        assert rules["separator"].strip() not in code and "•" not in code, path.name  # separator, list items


def test_page_modules_are_small_and_say_what_they_are() -> None:
    assert {p.name for p in JS} >= {"state.js", "api.js", "results.js", "facets.js", "document.js", "notices.js"}
    for path in JS:
        lines = path.read_text().splitlines()
        assert len(lines) <= 400, path.name
        assert lines[0].startswith("/* ") and lines[0].rstrip().endswith(("*/", ".")), path.name

"""Nothing lost: every create that got a 2xx is readable, none is duplicated, the store passes
SQLite's integrity check."""

from collections import Counter

from loadtest.resilience.load import Outcome

SQLITE_INTEGRITY_CHECK = (
    "import sqlite3; db = sqlite3.connect('file:/data/app.db?mode=ro', uri=True);"
    " print(db.execute('PRAGMA integrity_check').fetchone()[0])"
)


def check(stack, outcomes: list[Outcome]) -> dict:
    created = [o.item for o in outcomes if o.kind == "create" and o.ok and o.item]
    missing = []
    with stack.client() as client:
        for item_id, name in created:
            r = client.get(f"/api/items/{item_id}")
            if r.status_code != 200 or r.json().get("name") != name:
                missing.append(item_id)
        names, after = Counter(), 0
        while True:  # every stored item, by keyset paging
            page = client.get("/api/items", params={"after": after, "limit": 100}).json()
            names.update(i["name"] for i in page["items"])
            if page["next_after"] is None:
                break
            after = page["next_after"]
    ours = {name for _, name in created}
    duplicated = sorted(n for n, c in names.items() if c > 1 and (n in ours or n.startswith("res-")))
    integrity = stack.run("exec", "-T", "app", "python3", "-c", SQLITE_INTEGRITY_CHECK, check=False).stdout.strip()
    return {
        "created": len(created),
        "lost_items": len(missing),
        "duplicated_items": len(duplicated),
        "integrity": integrity or "unknown",
    }

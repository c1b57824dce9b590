"""Nothing lost: every create that got a 2xx is readable, none is duplicated, the store passes
its own integrity check (SQLite's integrity_check; on Postgres, amcheck over the items table and
its indexes, in a transaction rolled back so the extension leaves no trace)."""

from collections import Counter

from loadtest.resilience.load import Outcome

# Run in the app's container: the file the demo's own settings open (app/settings.py, with the
# container's environment), so the path is written once, there.
SQLITE_INTEGRITY_CHECK = (
    "import sqlite3; from app.settings import Settings;"
    " db = sqlite3.connect(f'file:{Settings().database.path}?mode=ro', uri=True);"
    " print(db.execute('PRAGMA integrity_check').fetchone()[0])"
)
POSTGRES_INTEGRITY_CHECK = [  # one psql session, each statement its own -c (psql shows every result)
    "BEGIN",
    "CREATE EXTENSION IF NOT EXISTS amcheck",
    "SELECT count(*) FROM verify_heapam('items')",
    "SELECT count(*) FROM (SELECT bt_index_check(indexrelid, true) FROM pg_index WHERE indrelid = 'items'::regclass) c",
    "ROLLBACK",
]


def store_integrity(stack) -> str:
    """Returns "ok", or what the store's own check reported."""
    if getattr(stack, "store", "sqlite") == "postgres":
        result = stack.run(
            "exec", "-T", "postgres", "psql", "--host=/tmp", "-U", "postgres", "-d", "app", "-qAt",
            "-v", "ON_ERROR_STOP=1", *(arg for sql in POSTGRES_INTEGRITY_CHECK for arg in ("-c", sql)), check=False,
        )  # fmt: skip
        lines = result.stdout.split()
        # verify_heapam: 0 corrupt tuples; bt_index_check: one (void) row per index checked.
        if result.returncode == 0 and len(lines) == 2 and lines[0] == "0" and int(lines[1]) >= 2:
            return "ok"
        return (result.stdout + result.stderr).strip()[-500:] or "unknown"
    return stack.run("exec", "-T", "app", "python3", "-c", SQLITE_INTEGRITY_CHECK, check=False).stdout.strip()


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
    integrity = store_integrity(stack)
    return {
        "created": len(created),
        "lost_items": len(missing),
        "duplicated_items": len(duplicated),
        "integrity": integrity or "unknown",
    }

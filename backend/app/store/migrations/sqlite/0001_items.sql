-- SQLite, version 1: the items table. (IF NOT EXISTS: databases made before versioning had it.)
CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    description TEXT,
    created_at TEXT NOT NULL,
    idempotency_key TEXT UNIQUE
);

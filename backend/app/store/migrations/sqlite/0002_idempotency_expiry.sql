-- SQLite, version 2: idempotency keys gain a request fingerprint and an expiry. Keys stored
-- before this have no fingerprint (any body matches them) and expire a day after their item
-- was created.
ALTER TABLE items ADD COLUMN idempotency_fingerprint TEXT;
ALTER TABLE items ADD COLUMN idempotency_expires_at TEXT;
UPDATE items SET idempotency_expires_at = strftime('%Y-%m-%dT%H:%M:%f+00:00', created_at, '+1 day')
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS items_idempotency_expiry ON items (idempotency_expires_at)
    WHERE idempotency_key IS NOT NULL;

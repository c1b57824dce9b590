"""The store, chosen by APP_DATABASE_URL (store/url.py): SQLite (store/sqlite/, the embedded
default) or Postgres (store/postgres/), behind one repository interface (store/items.py).
Schema changes are versioned SQL files (store/migrations/<store>/), applied by store/migrate.py."""

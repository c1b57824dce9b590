"""How the app is served: one launcher, one settings class, one module per thing that varies."""

"""What a load-test or fault run leaves behind, shared by the runner, the fault runner and the report.

``schema`` is the results.json contract, ``manifest`` the environment a run was measured in,
``locust_csv`` reads Locust's CSVs, ``paths`` says where the project's files are. This package
imports nothing else from ``loadtest``: everything above may depend on it.
"""

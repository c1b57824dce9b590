"""What the generator image carries (loadtest/Dockerfile copies this folder to
/srv/loadtest/generator): Locust's scenarios, the verifier, a user app's request list
(appscenario) and wrk's Lua script. Imports nothing else of loadtest (pyproject.toml's contract)."""

"""The drivers of the running bundle, which the container suite (tests/) and the harness import:
a compose project (stack), a Swarm stack (swarm, its stack file from swarm_stack), their public
side as a client sees it (edge), the host's Docker CLI and secrets (host), the project's paths."""

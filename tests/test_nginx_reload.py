"""An Nginx reload under keep-alive POST load loses no request (issue: each reload closed the
idle client connections at once, and a request sent in that instant was lost: about 6 per
reload with Nginx 1.26; keepalive_min_timeout, nginx/conf.d/basics.conf, closes the race).

16 clients that never retry POST back to back through Nginx while it is reloaded 10 times. The
generic edge (DEMO_EDGE_RULES=off) retries no POST either, so nothing can hide a lost one."""

import pytest

from loadtest.resilience.matrix import RATELIMIT_EXEMPT_DIR
from loadtest.resilience.nginx_reload import reload_under_load
from tests.conftest import start_stack

pytestmark = pytest.mark.containers


@pytest.fixture(scope="module")
def stack(certs, reports_dir, tmp_path_factory):
    s = start_stack("prod", certs, reports_dir, tmp_path_factory, DEMO_EDGE_RULES="off",
                    RATELIMIT_EXEMPT_DIR=RATELIMIT_EXEMPT_DIR)  # fmt: skip
    yield s
    s.stop()


def test_ten_reloads_under_keep_alive_post_load_lose_no_request(stack):
    result = reload_under_load(stack.base_url, stack.ssl_context(), stack.container_id("nginx"))
    print(f"nginx reload under load: {result}")
    assert result["requests"] > 1000, result  # the clients were busy through every reload
    assert result["failed"] == 0, result

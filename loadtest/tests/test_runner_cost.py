"""runner/cost.py: when the generator's CPU set counts as saturated, with Nginx on it or not."""

from loadtest.runner import cost


def test_the_generator_alone_is_saturated_above_90_percent_of_its_set():
    assert cost.generator_share(180.0, 2) == (0.9, cost.SATURATION)


def test_with_nginx_on_its_set_both_count_and_the_threshold_is_85_percent():
    share, threshold = cost.generator_share(50.0, 1, nginx_busy=0.4)
    assert (round(share, 2), threshold) == (0.9, 0.85) and share > threshold  # generator-bound
    share, threshold = cost.generator_share(40.0, 1, nginx_busy=0.4)
    assert share < threshold  # room left: the run counts

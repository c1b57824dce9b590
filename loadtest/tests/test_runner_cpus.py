from loadtest.runner.cpus import plan


def test_half_the_cpus_go_to_the_system_under_test_by_default():
    p = plan(None, available=[0, 1, 2, 3])
    assert (p.sut, p.generator, p.shared) == ([0, 1], [2, 3], False)
    assert (p.sut_cpuset, p.generator_cpuset) == ("0,1", "2,3")


def test_an_odd_count_rounds_the_system_under_test_down():
    p = plan(None, available=[0, 1, 2])
    assert (p.sut, p.generator) == ([0], [1, 2])


def test_the_first_cpus_of_the_affinity_go_to_the_system_under_test():
    p = plan(2, available=[7, 3, 5, 1])
    assert (p.sut_cpuset, p.generator_cpuset, p.shared) == ("1,3", "5,7", False)


def test_too_few_cpus_to_separate_share_them_and_say_so():
    assert plan(None, available=[0]) == plan(1, available=[0])
    p = plan(1, available=[0])
    assert (p.sut, p.generator, p.shared) == ([0], [0], True)
    p = plan(4, available=[0, 1, 2])  # asked for more than there are
    assert (p.sut_cpuset, p.generator_cpuset, p.shared) == ("0,1,2", "0,1,2", True)

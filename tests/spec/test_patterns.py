"""spec.patterns' plain checks say exactly what the regexes they stand for say."""

import random
import re

import pytest

from spec import _process_validator, _validator, patterns

CHARS = "0123456789.-+ ,abzAZ_RLIMITMBrwm:\n\tÀ١"
SAMPLES = ["", "1.0.0", "1.2.0", "1.2.1-rc.1", "1.0.0+dev", "1.0.0-rc1+build.5", "1.01.0", "1.0", "1.0.0-",
           "1.0.0+", "1.0.0++x", "1.0.0-+x", "1.0.0\n", "2.0.0", "1.10.200", "1.0.0-a-b-", "1.١.0",
           "RLIMIT_NOFILE", "RLIMIT_", "RLIMIT_nofile", "RLIMIT_NOFILE\n", "XRLIMIT_AS", "rwm", "rw x", "mmm",
           "0-3,5", "0, 1", "1a", "MB:", "MB:0=20", "MB:0=20\n", "mb:0", " MB:"]


def corpus():
    rng = random.Random(11)
    found = list(SAMPLES)
    for _ in range(4000):
        prefix = rng.choice(["", "1.", "1.2.", "1.2.3", "RLIMIT_", "MB:"])
        found.append(prefix + "".join(rng.choice(CHARS) for _ in range(rng.randint(0, 8))))
    return found


@pytest.mark.parametrize("source", sorted(patterns.MATCHERS))
def test_check_agrees_with_the_regex(source):
    regex = re.compile(source)
    check = patterns.MATCHERS[source]
    for text in corpus():
        assert bool(check(text)) == bool(regex.search(text)), (source, text)


def test_every_pattern_of_the_schemas_has_a_check():
    # A pattern without a check would put re back on the validation path.
    for module in (_validator, _process_validator):
        for pattern in module.REGEX_PATTERNS.values():
            assert pattern.source in patterns.MATCHERS, pattern.source

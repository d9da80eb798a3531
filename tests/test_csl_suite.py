"""The official CSL test suite (citeproc-js's expectations) through our engine.

Fixtures listed in tests/data/csl-suite-passing.txt must keep passing; fixtures
that newly pass are reported (add them with `python tests/csl_suite.py --write`).
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import csl_suite  # noqa: E402

pytestmark = pytest.mark.skipif(not csl_suite.SUITE_DIR.is_dir(),
                                reason=f"CSL test suite not found at {csl_suite.SUITE_DIR}")


def test_csl_suite_no_regressions(capsys):
    results = csl_suite.run_suite()
    listed = csl_suite.read_passing_list()
    passed = {name for name, ok in results.items() if ok}
    rate = 100 * len(passed) / len(results)
    newly = sorted(passed - listed)
    excluded = csl_suite.read_reasons(csl_suite.EXCLUDED_LIST)
    with capsys.disabled():
        print(f"\nCSL test suite: {len(passed)}/{len(results)} fixtures pass ({rate:.1f}%); "
              f"{len(excluded)} excluded (tests/data/csl-suite-excluded.txt)")
        if passed & set(excluded):
            print("excluded fixtures that pass now (take them off the list): "
                  + ", ".join(sorted(passed & set(excluded))))
        if newly:
            print(f"newly passing ({len(newly)}), add with `tests/csl_suite.py --write`: "
                  + ", ".join(newly[:20]) + (" ..." if len(newly) > 20 else ""))
    regressions = sorted(name for name in listed if name in results and not results[name])
    assert not regressions, f"fixtures that passed before fail now: {regressions}"
    assert listed, "the list of passing fixtures is empty"


def test_the_excluded_and_causes_lists_name_fixtures_and_give_reasons():
    fixtures = {path.stem for path in csl_suite.fixture_paths()}
    excluded = csl_suite.read_reasons(csl_suite.EXCLUDED_LIST)
    causes = csl_suite.read_reasons(csl_suite.CAUSES_LIST)
    assert not set(excluded) - fixtures, "excluded fixtures that do not exist"
    assert not set(causes) - fixtures, "classified fixtures that do not exist"
    assert all(len(reason) > 20 for reason in excluded.values()), "an exclusion without its reason"
    assert all(causes.values()), "a fixture without its cause"
    listed = csl_suite.read_passing_list()
    assert not set(excluded) & listed, "a passing fixture is excluded: take it off the list"

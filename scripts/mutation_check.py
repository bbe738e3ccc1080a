"""Run some tests with one mutmut mutant applied, to see a new test fail on it.

    python scripts/mutation_check.py /tmp/lianchuang-mutation/workflow \\
        layers.tracking.workflow.x_link_feature__mutmut_65 tests/test_workflow.py -k link

Much quicker than ``MUTANTS=... scripts/mutation.sh`` (which runs the clean tests and
collects mutmut's statistics again first): it imports the project from the scratch
directory's ``mutants/`` copy, where mutmut's trampolines pick the mutant named by
``MUTANT_UNDER_TEST``, and runs pytest there.  Needs a run of that module to have made
``mutants/``; the tests are the tree's own (the scratch directory links to them).  Use a
``TEST_DATABASE_URL`` no mutmut run is using: the tests empty it.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    work, mutant, *pytest_args = argv
    os.chdir(work)
    module, _, function = mutant.rpartition(".")
    path = os.path.join("mutants", *module.split(".")) + ".py"
    if not os.path.exists(path) or f"def {function}(" not in open(path, encoding="utf-8").read():
        print(f"no mutant {mutant} in {work}/mutants (a misspelt name would run the original)",
              file=sys.stderr)
        return 2
    os.environ["MUTANT_UNDER_TEST"] = mutant
    here = os.path.abspath(".")
    sys.path[:] = [os.path.abspath("mutants")] + [
        p for p in sys.path if os.path.abspath(p or ".") not in (here, os.path.dirname(__file__))]
    import api  # noqa: F401  (the packages, from mutants/, before pytest adds the tree)
    import geo  # noqa: F401
    import layers  # noqa: F401
    import pytest

    return pytest.main(["-p", "no:cacheprovider", "-q", "-x", "-p", "mutation_fresh_engine",
                        *pytest_args])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

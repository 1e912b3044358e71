#!/usr/bin/env bash
# Make an interpreter for the truthdiscovery peer of bench_replay.py.
#
#   bash benchmarks/truthdiscovery-env.sh [DIR]   # default: .venv-truthdiscovery
#   python benchmarks/bench_replay.py --truthdiscovery-python DIR/bin/python
#
# truthdiscovery 1.0.4 pins exact, old versions of some thirty packages
# (pytest 7.2, attrs 22.2, scipy 1.10, ...), so it cannot share our
# environment, and its import needs pycairo, which builds against the system's
# cairo (Debian: apt-get install libcairo2-dev pkg-config). It is installed
# without its pins; the packages its algorithms import are installed at the
# versions it names where those still build on Python 3.11.
set -euo pipefail
dir=${1:-.venv-truthdiscovery}
python3 -m venv "$dir"
"$dir/bin/pip" install --quiet --no-deps truthdiscovery==1.0.4
"$dir/bin/pip" install --quiet numpy==1.24.2 scipy==1.10.1 bidict==0.22.1 \
    matplotlib==3.7.1 imageio pyyaml pycairo
"$dir/bin/python" -c "from truthdiscovery import Dataset, MajorityVoting, TruthFinder"
echo "$dir/bin/python"

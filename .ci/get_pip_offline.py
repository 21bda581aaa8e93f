"""Offline stand-in for ansible-test's pip bootstrap script.

ansible-test --venv fetches a get-pip script from a host this project's machines cannot reach, unless
one is cached under ~/.ansible/test/cache/. `make sanity` puts this file there: it installs pip from
the wheel that CPython's ensurepip bundles, then behaves as `pip install --upgrade ARGS`.
"""

import glob
import sys

wheels = sorted(glob.glob(sys.base_prefix + "/lib/python3*/ensurepip/_bundled/pip-*.whl"))
if not wheels:
    sys.exit("get_pip_offline: no pip wheel bundled with this Python (ensurepip missing)")
sys.path.insert(0, wheels[-1])

from pip._internal.cli.main import main  # noqa: E402

args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
sys.exit(main(["install", "--upgrade"] + args))

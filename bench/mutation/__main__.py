"""``python -m bench.mutation``: see :mod:`bench.mutation.run`."""

import sys

from bench.mutation.run import main

if __name__ == "__main__":
    sys.exit(main())

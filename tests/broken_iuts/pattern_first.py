"""Broken IUT: the reference, reading envelope text leniently (see ``_lenient_text``)."""

from _common import main
from _lenient_text import patch_envelope, pattern_before_bound

if __name__ == "__main__":
    patch_envelope(pattern_before_bound)
    main(lambda handle, triggered: handle)

"""Broken IUT: the reference, reading envelope text leniently (see ``_lenient_text``)."""

from _common import main
from _lenient_text import dollar_before_newline, patch_envelope

if __name__ == "__main__":
    patch_envelope(dollar_before_newline)
    main(lambda handle, triggered: handle)

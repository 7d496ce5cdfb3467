"""Broken IUT: the reference, reading envelope text leniently (see ``_lenient_text``)."""

from _common import main
from _lenient_text import counting_bytes, patch_envelope

if __name__ == "__main__":
    patch_envelope(counting_bytes)
    main(lambda handle, triggered: handle)

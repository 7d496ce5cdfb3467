"""Broken IUT: the reference, reading envelope text leniently (see ``_lenient_text``)."""

from _common import main
from _lenient_text import patch_envelope, stripping_bom

if __name__ == "__main__":
    patch_envelope(stripping_bom)
    main(lambda handle, triggered: handle)

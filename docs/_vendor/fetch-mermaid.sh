#!/usr/bin/env bash
# Re-fetch the vendored mermaid build (docs/_static/vendor/mermaid/) and verify it.
#
# The site draws its state diagrams with mermaid's classic (UMD/IIFE) build,
# dist/mermaid.min.js, served from the site itself: no CDN, and no ES module,
# so the diagrams also render when the built site is opened from disk
# (file://, where browsers refuse ES modules). This script is how that file
# got there, so anyone can reproduce it:
#
#   docs/_vendor/fetch-mermaid.sh           fetch, verify, (re)write the vendored files
#   docs/_vendor/fetch-mermaid.sh --check   fetch, verify, and compare with the vendored
#                                           files; writes nothing, exits 1 on a difference
#
# It asks npm for the package tarball (`npm pack`, so npm's own registry
# configuration applies) and checks the tarball against the pinned
# `integrity` (sha512, as the registry publishes it) before using anything in
# it. To move to another release: change VERSION and INTEGRITY (`npm view
# mermaid@<version> dist.integrity`), run the script, and rebuild the docs.
set -euo pipefail

VERSION="11.17.2"
INTEGRITY="sha512-V6K3C8EBdEsPFZXSKMJe6ppQOENxuHARr9GvHX4hh47lAbhMRD9qf4oEK7LoaRQxULMa80/qt5gHO73aCleBBg=="

HERE="$(cd "$(dirname "$0")" && pwd)"
DEST="$HERE/../_static/vendor/mermaid"
CHECK=0
case "${1:-}" in
    "") ;;
    --check) CHECK=1 ;;
    *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

command -v npm >/dev/null || { echo "fetch-mermaid: npm is needed (Debian: apt-get install npm)" >&2; exit 2; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

(cd "$WORK" && npm pack --silent "mermaid@$VERSION" >/dev/null)
TARBALL="$WORK/mermaid-$VERSION.tgz"
[ -f "$TARBALL" ] || { echo "fetch-mermaid: npm pack made no $TARBALL" >&2; exit 1; }

GOT="sha512-$(openssl dgst -sha512 -binary "$TARBALL" | base64 -w0)"
if [ "$GOT" != "$INTEGRITY" ]; then
    echo "fetch-mermaid: integrity mismatch for mermaid@$VERSION" >&2
    echo "  expected $INTEGRITY" >&2
    echo "  got      $GOT" >&2
    exit 1
fi

tar -xzf "$TARBALL" -C "$WORK" package/dist/mermaid.min.js package/LICENSE
SHA256="$(sha256sum "$WORK/package/dist/mermaid.min.js" | cut -d' ' -f1)"
SIZE="$(wc -c <"$WORK/package/dist/mermaid.min.js" | tr -d ' ')"

cat >"$WORK/VERSION" <<EOF
mermaid $VERSION
file: mermaid.min.js (dist/mermaid.min.js of the npm package mermaid@$VERSION, the classic UMD/IIFE build)
license: LICENSE (the package's own, MIT)
npm-integrity: $INTEGRITY
sha256: $SHA256
size: $SIZE bytes
re-fetch and verify: docs/_vendor/fetch-mermaid.sh [--check]
EOF

if [ "$CHECK" = 1 ]; then
    status=0
    for f in mermaid.min.js LICENSE VERSION; do
        src="$WORK/package/dist/$f"
        [ "$f" = LICENSE ] && src="$WORK/package/LICENSE"
        [ "$f" = VERSION ] && src="$WORK/VERSION"
        if cmp -s "$src" "$DEST/$f"; then
            echo "ok      $f"
        else
            echo "DIFFERS $f" >&2
            status=1
        fi
    done
    exit "$status"
fi

mkdir -p "$DEST"
cp "$WORK/package/dist/mermaid.min.js" "$WORK/package/LICENSE" "$WORK/VERSION" "$DEST/"
echo "vendored mermaid $VERSION into $DEST ($SIZE bytes, sha256 $SHA256)"

#!/bin/sh
# Prints the version of the checkout at $1 (default: this repository) and its revision:
#   <version> <revision>
# A checkout at a tag vX.Y.Z is version X.Y.Z; any other is the newest version heading of
# CHANGELOG.md with -dev+<revision> (0.2.0-dev+1a2b3c4d5e6f). Outside git: the file
# .build-version ("<version> <revision>", which deploy/Dockerfile writes from its build
# arguments) if there is one, else the revision is unknown.
# The StampRevision build plugin runs it before every build.
root="${1:-$(dirname "$0")/..}"
if ! git -C "$root" rev-parse HEAD >/dev/null 2>&1 && [ -s "$root/.build-version" ]; then
  head -1 "$root/.build-version"
  exit 0
fi
revision=$(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
tag=$(git -C "$root" describe --tags --exact-match --match 'v[0-9]*.[0-9]*.[0-9]*' HEAD 2>/dev/null || true)
case "$tag" in
v[0-9]*) version="${tag#v}" ;;
*)
  base=$(sed -n 's/^## \[\([0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*\)\].*/\1/p' "$root/CHANGELOG.md" 2>/dev/null | head -1)
  version="${base:-0.0.0}-dev+$revision"
  ;;
esac
printf '%s %s\n' "$version" "$revision"

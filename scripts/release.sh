#!/usr/bin/env bash
# Builds a release: scripts/release.sh VERSION
#
# Writes to dist/:
#   etlworks-exporter-VERSION-linux-x86_64.tar.gz  the binary (static Swift runtime), LICENSE,
#       README.md, CHANGELOG.md, the example configuration, the systemd unit with its
#       configuration, alerts, dashboards, the mixin and docs/
#   SHA256SUMS
# and builds the OCI image localhost/etlworks-exporter:VERSION with buildah, no registry: the
# binary and the shared libraries it loads on a `scratch` base, CA certificates and time
# zones, user 10001, /var/lib/etlworks-exporter as a volume, OCI labels. A version with a
# build suffix (0.2.0-dev+1a2b3c) is tagged with `_` for `+`, which image tags cannot hold.
#
# VERSION must be what the binary reports (`--version`): a tag vX.Y.Z checked out gives X.Y.Z.
# RELEASE_BINARY=path packages that binary instead of building one (the image test uses the
# debug build); RELEASE_DIST=dir writes there instead of dist/; RELEASE_IMAGE=no skips the image.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 1 ] || { echo "usage: $0 VERSION" >&2; exit 2; }
version=$1

binary=${RELEASE_BINARY:-}
if [ -z "$binary" ]; then
    scripts/install-deps.sh build
    swift build -c release --product etlworks-exporter --static-swift-stdlib
    binary="$(swift build -c release --show-bin-path)/etlworks-exporter"
fi
# "etlworks-exporter 0.2.0 (revision 1a2b3c4d5e6f)"
read -r _ reported _ revision < <("$binary" --version)
revision=${revision%)}
if [ "$reported" != "$version" ]; then
    echo "release.sh: the binary reports version $reported, not $version (tag the commit v$version, or pass its version)" >&2
    exit 1
fi

# Without debug information (a third of a release build's size), with the symbols that
# name functions in a crash's backtrace.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
strip --strip-debug -o "$work/etlworks-exporter" "$binary"
binary="$work/etlworks-exporter"

dist=${RELEASE_DIST:-dist}
name="etlworks-exporter-$version-linux-x86_64"
rm -rf "${dist:?}/$name" "$dist/$name.tar.gz"
mkdir -p "$dist/$name"
install -m 0755 "$binary" "$dist/$name/etlworks-exporter"
cp LICENSE README.md CHANGELOG.md deploy/etlworks-exporter.example.yaml "$dist/$name/"
# The systemd unit and its configuration: the unit's install steps run from this directory.
cp deploy/systemd/etlworks-exporter.service deploy/systemd/etlworks-exporter.yaml "$dist/$name/"
cp -r alerts dashboards mixin docs "$dist/$name/"
# Reproducible archive: sorted names, no owners, the commit's time.
created=$(git log -1 --format=%cI 2>/dev/null || date -u +%Y-%m-%dT%H:%M:%SZ)
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="$created" -C "$dist" -czf "$dist/$name.tar.gz" "$name"
rm -rf "${dist:?}/$name"
(cd "$dist" && sha256sum -- "$name.tar.gz" > SHA256SUMS)
echo "$dist/$name.tar.gz"

[ "${RELEASE_IMAGE:-yes}" = no ] && exit 0
command -v buildah >/dev/null || { echo "release.sh: buildah is not installed (Debian package buildah)" >&2; exit 1; }

# The image's root: the binary, each library `ldd` names and the loader, the CA bundle
# (HTTPS to the API) and the zone files (SLA windows and reports in local time).
rootfs=$work/rootfs
install -D -m 0755 "$binary" "$rootfs/usr/local/bin/etlworks-exporter"
ldd "$binary" | awk '/=> \// { print $3 } /^\t\// { print $1 }' | while read -r library; do
    install -D -m 0755 "$(readlink -f "$library")" "$rootfs$library"
done
install -D -m 0644 /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
mkdir -p "$rootfs/usr/share"
cp -r /usr/share/zoneinfo "$rootfs/usr/share/zoneinfo"
printf 'root:x:0:0:root:/:/nonexistent\netlworks:x:10001:10001:etlworks-exporter:/var/lib/etlworks-exporter:/nonexistent\n' \
    > "$rootfs/etc/passwd"
printf 'root:x:0:\netlworks:x:10001:\n' > "$rootfs/etc/group"
printf 'hosts: files dns\n' > "$rootfs/etc/nsswitch.conf"
printf '127.0.0.1 localhost\n::1 localhost\n' > "$rootfs/etc/hosts"
install -d -m 0700 "$rootfs/var/lib/etlworks-exporter" "$rootfs/etc/etlworks-exporter"
install -d -m 1777 "$rootfs/tmp"

tag="localhost/etlworks-exporter:${version//+/_}"
# One archive, owned by root but for the state directory (the user's): `buildah add` keeps
# the owners an archive gives, where `buildah copy` would set one owner for everything.
tar --owner=0 --group=0 --numeric-owner --exclude=./var/lib/etlworks-exporter -C "$rootfs" -cf "$rootfs.tar" .
tar --owner=10001 --group=10001 --numeric-owner -C "$rootfs" -rf "$rootfs.tar" ./var/lib/etlworks-exporter
container=$(buildah from scratch)
buildah add --quiet "$container" "$rootfs.tar" / >/dev/null
buildah config \
    --user 10001:10001 --workingdir /var/lib/etlworks-exporter --volume /var/lib/etlworks-exporter --port 9720 \
    --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    --entrypoint '["/usr/local/bin/etlworks-exporter"]' \
    --cmd '["serve", "--config", "/etc/etlworks-exporter/etlworks-exporter.yaml", "--web.listen-address", "0.0.0.0:9720", "--storage.path", "/var/lib/etlworks-exporter/etlworks-exporter.db"]' \
    --label "org.opencontainers.image.title=etlworks-exporter" \
    --label "org.opencontainers.image.version=$version" \
    --label "org.opencontainers.image.revision=$revision" \
    --label "org.opencontainers.image.source=https://github.com/etlworks-exporter/etlworks-exporter" \
    --label "org.opencontainers.image.licenses=Apache-2.0" \
    --label "org.opencontainers.image.created=$created" \
    "$container"
buildah commit --quiet --rm "$container" "$tag" >/dev/null
echo "$tag"

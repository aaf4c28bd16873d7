#!/bin/bash
# Builds kioskd_<version>_<arch>.deb with dpkg-deb: compiled JS (npm run build → dist/), production
# node_modules for the architecture, the systemd unit, udev/polkit rules, journald drop-in, /etc/kioskd
# as conffiles. Usage: npm run package -- [--arch amd64|arm64] [--out DIR] [--skip-build] [--compress xz|gzip|none]
#
# Native modules are taken from this machine's node_modules (built for this machine). A package for a
# foreign architecture is built only when every native module has a prebuilt binary for it; otherwise
# this script stops and says which modules need a build on (or for) that architecture.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
native="$(dpkg --print-architecture)"
arch="$native"
out="$repo/build"
skip_build=0
compress=xz

while [ $# -gt 0 ]; do
  case "$1" in
    --arch) arch="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --skip-build) skip_build=1; shift ;;
    --compress) compress="$2"; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "build-deb: unknown option $1" >&2; exit 64 ;;
  esac
done

case "$arch" in
  amd64) node_arch=x64 ;;
  arm64) node_arch=arm64 ;;
  *) echo "build-deb: architecture $arch is not supported (amd64, arm64)" >&2; exit 64 ;;
esac

cd "$repo"
version="$(node -p 'require("./package.json").version')"

# Which native modules does the production tree need, and is there a binary for $arch?
prod_modules() {
  npm ls --omit=dev --all --parseable 2>/dev/null | sed -n "s|^$repo/node_modules/||p" | sort -u
}
if [ "$arch" != "$native" ]; then
  missing=()
  while read -r mod; do
    dir="node_modules/$mod"
    [ -f "$dir/binding.gyp" ] || continue
    if ! ls -d "$dir"/prebuilds/*linux*"$node_arch"* >/dev/null 2>&1; then missing+=("$mod"); fi
  done < <(prod_modules)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "build-deb: cannot build for $arch on $native: these native modules have no prebuilt $arch binary" >&2
    echo "and must be compiled on (or cross-compiled for) $arch: ${missing[*]}" >&2
    echo "Build the $arch package on an $arch machine (a Raspberry Pi, or an arm64 CI runner) with: npm ci && npm run package" >&2
    exit 69
  fi
fi

if [ "$skip_build" = 0 ]; then npm run -s build; fi
[ -f dist/runtime/main.js ] && [ -f dist/cli/main.js ] || { echo "build-deb: dist/ is missing; run npm run build" >&2; exit 66; }

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
pkg="$stage/kioskd"
lib="$pkg/usr/lib/kioskd"
install -d "$lib" "$pkg/DEBIAN" "$pkg/etc/kioskd/profiles" "$pkg/usr/bin" "$pkg/usr/lib/systemd/system" \
  "$pkg/usr/lib/udev/rules.d" "$pkg/usr/share/polkit-1/rules.d" "$pkg/usr/lib/systemd/journald.conf.d" \
  "$pkg/usr/lib/tmpfiles.d" "$pkg/usr/share/doc/kioskd/examples" "$pkg/usr/share/kioskd"

# Application: compiled JS (not the simulator bundle), launchers, production dependencies.
cp -a dist "$lib/dist"
rm -rf "$lib/dist/sim"
cp -a bin "$lib/bin"
cp package.json package-lock.json "$lib/"
cp -a node_modules "$lib/node_modules"
(cd "$lib" && npm prune --omit=dev --ignore-scripts --offline --no-audit --no-fund --loglevel=error >/dev/null)
# Build leftovers and other platforms' binaries are dead weight on the SD card.
find "$lib/node_modules" -type d \( -name obj.target -o -name .deps \) -prune -exec rm -rf {} +
rm -rf "$lib/node_modules/better-sqlite3/deps" "$lib/node_modules/better-sqlite3/src"
find "$lib/node_modules" -type d -path '*/prebuilds/*' -prune ! -name "*linux*$node_arch*" -exec rm -rf {} +
find "$lib/node_modules" -type f \( -name '*.ts' -o -name '*.map' -o -name '*.md' \) ! -name '*.d.ts' ! -iname 'LICENSE*' -delete 2>/dev/null || true
find "$lib/node_modules" -type d -empty -delete
# kioskd/kioskctl find their configuration through <lib>/config: point it at /etc/kioskd.
ln -s /etc/kioskd "$lib/config"
if [ "$arch" = "$native" ]; then
  (cd "$lib" && node -e 'require("better-sqlite3")(":memory:").close(); require("@serialport/bindings-cpp")' ) \
    || { echo "build-deb: the native modules do not load for $arch" >&2; exit 70; }
fi

cat > "$pkg/usr/bin/kioskctl" <<'SH'
#!/bin/sh
exec /usr/bin/node /usr/lib/kioskd/bin/kioskctl.js "$@"
SH
chmod 0755 "$pkg/usr/bin/kioskctl"

# Configuration (conffiles) and its pristine template for `kioskctl config init`.
install -m 0640 config/default.json "$pkg/etc/kioskd/default.json"
install -m 0644 config/default.json "$pkg/usr/share/kioskd/default.json"

install -m 0644 systemd/kioskd.service "$pkg/usr/lib/systemd/system/kioskd.service"
install -m 0644 systemd/60-kioskd.rules "$pkg/usr/lib/udev/rules.d/60-kioskd.rules"
install -m 0644 systemd/50-kioskd.rules "$pkg/usr/share/polkit-1/rules.d/50-kioskd.rules"
install -m 0644 systemd/journald-kioskd.conf "$pkg/usr/lib/systemd/journald.conf.d/50-kioskd.conf"
install -m 0644 systemd/kioskd.tmpfiles "$pkg/usr/lib/tmpfiles.d/kioskd.conf"
install -m 0644 systemd/watchdog-hardware.conf.example "$pkg/usr/share/doc/kioskd/examples/"
install -m 0644 packaging/samples/*.json "$pkg/usr/share/doc/kioskd/examples/"
[ -f docs/field-guide.md ] && install -m 0644 docs/field-guide.md "$pkg/usr/share/doc/kioskd/"
printf 'kioskd\nLicense: Apache-2.0\n' > "$pkg/usr/share/doc/kioskd/copyright"

install -m 0755 packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm "$pkg/DEBIAN/"
printf '/etc/kioskd/default.json\n' > "$pkg/DEBIAN/conffiles"
size="$(du -sk --exclude=DEBIAN "$pkg" | cut -f1)"
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" packaging/debian/control.in > "$pkg/DEBIAN/control"

mkdir -p "$out"
deb="$out/kioskd_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Z"$compress" --build "$pkg" "$deb" >/dev/null
echo "$deb"

#!/bin/bash
# Builds kioskd_<version>_<arch>.deb with dpkg-deb: compiled JS (npm run build → dist/), production
# node_modules for the architecture, the systemd unit, udev/polkit rules, journald drop-in, /etc/kioskd
# as conffiles. Usage: npm run package -- [--arch amd64|arm64] [--out DIR] [--skip-build] [--compress xz|gzip|none]
#
# Native modules for this machine's architecture are copied from node_modules. For a foreign architecture,
# modules that ship a prebuilt binary for it use that; the others are cross-compiled with node-gyp inside the
# staging copy (never in ./node_modules) against this Node's own headers, with Debian's cross toolchain
# (g++-aarch64-linux-gnu for arm64). CROSS_COMPILE=<prefix> picks another toolchain prefix.
# Exit codes: 64 usage, 66 dist/ missing, 69 cross toolchain / Node headers / node-gyp missing,
# 70 a native module failed to build, load, or is not a binary for the target architecture.
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
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "build-deb: unknown option $1" >&2; exit 64 ;;
  esac
done

case "$arch" in
  amd64) node_arch=x64; gnu=x86_64-linux-gnu; elf_machine=62 ;;
  arm64) node_arch=arm64; gnu=aarch64-linux-gnu; elf_machine=183 ;;
  *) echo "build-deb: architecture $arch is not supported (amd64, arm64)" >&2; exit 64 ;;
esac

cd "$repo"
version="$(node -p 'require("./package.json").version')"

# Which native modules does the production tree need, and is there a binary for $arch?
prod_modules() {
  npm ls --omit=dev --all --parseable 2>/dev/null | sed -n "s|^$repo/node_modules/||p" | sort -u
}
# Native modules without a prebuilt binary for $arch: copied as built here when $arch is this machine's,
# cross-compiled in the staging copy otherwise.
to_compile=()
if [ "$arch" != "$native" ]; then
  while read -r mod; do
    dir="node_modules/$mod"
    [ -f "$dir/binding.gyp" ] || continue
    if ! ls -d "$dir"/prebuilds/*linux*"$node_arch"* >/dev/null 2>&1; then to_compile+=("$mod"); fi
  done < <(prod_modules)
fi
if [ ${#to_compile[@]} -gt 0 ]; then
  cross="${CROSS_COMPILE:-$gnu-}"
  apt_pkg="g++-${gnu//_/-}"
  cannot() {
    echo "build-deb: cannot build for $arch on $native: $1" >&2
    echo "These native modules have no prebuilt $arch binary and must be cross-compiled: ${to_compile[*]}" >&2
    echo "$2" >&2
    exit 69
  }
  for tool in gcc g++ ar; do
    command -v "${cross}$tool" >/dev/null 2>&1 \
      || cannot "the cross compiler ${cross}$tool is not installed" "Install it with: apt-get install $apt_pkg (or build on an $arch machine with: npm ci && npm run package)"
  done
  # node-gyp must not download headers: build against the ones installed with this Node (they are the
  # same for every architecture; the per-architecture parts of config.gypi are overridden by --arch).
  nodedir="${npm_config_nodedir:-$(node -p 'require("path").resolve(process.execPath, "..", "..")')}"
  [ -f "$nodedir/include/node/node.h" ] && [ -f "$nodedir/include/node/common.gypi" ] \
    || cannot "Node's headers are not in $nodedir/include/node" "Install the headers that match $(node --version) there (set npm_config_nodedir to another prefix)."
  node_gyp="${npm_config_node_gyp:-$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js}"
  [ -f "$node_gyp" ] || cannot "node-gyp (bundled with npm) was not found at $node_gyp" "Set npm_config_node_gyp to node-gyp's bin/node-gyp.js."
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

# Application: compiled JS (not the simulator bundle, nor the crash-test child that tests/crash bundles
# into dist/crash), launchers, production dependencies.
cp -a dist "$lib/dist"
rm -rf "$lib/dist/sim" "$lib/dist/crash"
cp -a bin "$lib/bin"
cp package.json package-lock.json "$lib/"
cp -a node_modules "$lib/node_modules"
(cd "$lib" && npm prune --omit=dev --ignore-scripts --offline --no-audit --no-fund --loglevel=error >/dev/null)
for mod in "${to_compile[@]}"; do
  dir="$lib/node_modules/$mod"
  log="$stage/node-gyp-${mod//\//+}.log"
  rm -rf "$dir/build"
  echo "build-deb: cross-compiling $mod for $arch" >&2
  # Only node-gyp runs here (not the install script): better-sqlite3's and @serialport/bindings' try
  # prebuild-install first, which would go to the network.
  (cd "$dir" && CC="${cross}gcc" CXX="${cross}g++" LINK="${cross}g++" AR="${cross}ar" \
    node "$node_gyp" rebuild --release --arch="$node_arch" --nodedir="$nodedir" --jobs="$(nproc)" >"$log" 2>&1) || {
    tail -n 30 "$log" >&2
    echo "build-deb: cross-compiling $mod for $arch failed (node-gyp output above)" >&2
    exit 70
  }
done
# Build leftovers and other platforms' binaries are dead weight on the SD card: of a native module's build/
# only the addon that bindings / node-gyp-build load (build/Release/*.node) stays.
while IFS= read -r -d '' gyp; do
  build="$(dirname "$gyp")/build"
  [ -d "$build" ] || continue
  find "$build" -mindepth 1 -maxdepth 1 ! -name Release -exec rm -rf {} +
  if [ -d "$build/Release" ]; then find "$build/Release" -mindepth 1 -maxdepth 1 ! -name '*.node' -exec rm -rf {} +; fi
done < <(find "$lib/node_modules" -name binding.gyp -print0)
# Nor are the addons' C/C++ sources once built (better-sqlite3 bundles SQLite's, node-hid hidapi's).
while IFS= read -r -d '' gyp; do
  find "$(dirname "$gyp")" -path '*/node_modules' -prune -o -type f \
    \( -name '*.c' -o -name '*.cc' -o -name '*.cpp' -o -name '*.h' -o -name '*.hpp' \) -exec rm -f {} +
done < <(find "$lib/node_modules" -name binding.gyp -print0)
rm -rf "$lib/node_modules/better-sqlite3/deps" "$lib/node_modules/node-hid/hidapi" \
  "$lib/node_modules/better-sqlite3/build/Release/test_extension.node"
find "$lib/node_modules" -type d -path '*/prebuilds/*' -prune ! -name "*linux*$node_arch*" -exec rm -rf {} +
find "$lib/node_modules" -type f \( -name '*.ts' -o -name '*.map' -o -name '*.md' \) ! -name '*.d.ts' ! -iname 'LICENSE*' -delete 2>/dev/null || true
find "$lib/node_modules" -type d -empty -delete
# kioskd/kioskctl find their configuration through <lib>/config: point it at /etc/kioskd.
ln -s /etc/kioskd "$lib/config"
# Every addon left must be an ELF shared object for $arch (a leftover binary for this machine would only
# fail on the kiosk, at the first require).
node - "$lib" "$elf_machine" <<'JS' || exit 70
const fs = require('fs'), path = require('path');
const [root, machine] = [process.argv[2], Number(process.argv[3])];
const bad = [];
const walk = (d) => { for (const e of fs.readdirSync(d, { withFileTypes: true })) {
  const p = path.join(d, e.name);
  if (e.isDirectory()) walk(p);
  else if (e.isFile() && e.name.endsWith('.node')) {
    const h = Buffer.alloc(20); const fd = fs.openSync(p, 'r'); fs.readSync(fd, h, 0, 20, 0); fs.closeSync(fd);
    const elf = h.readUInt32BE(0) === 0x7f454c46 && h[4] === 2 && h[5] === 1;
    if (!elf || h.readUInt16LE(18) !== machine) bad.push(path.relative(root, p));
  }
} };
walk(root);
if (bad.length) { console.error(`build-deb: not a 64-bit ELF for machine ${machine}: ${bad.join(', ')}`); process.exit(1); }
JS
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

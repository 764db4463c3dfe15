#!/usr/bin/env bash
# Builds the npm package of qrseal-wasm and tests it, from a fresh machine: installs what it
# needs when missing (rustup target wasm32, wasm-bindgen-cli pinned to the crate's
# wasm-bindgen, Debian's brotli, chromium and a Chinese font, binaryen and playwright-core
# from npm), builds the full and the verify-only module, optimises them with wasm-opt,
# compresses with brotli, packs the package with `npm pack`, installs the tarball into an
# empty folder and runs the tests through it (Node, the mini-program shim, then headless
# Chromium).
#
#   scripts/wasm.sh            build + test (what scripts/test-all.sh and CI run)
#   scripts/wasm.sh build      build the package only: target/wasm/qrseal-wasm-VERSION.tgz
#   scripts/wasm.sh bench      build, then the budgets (sizes, speed ratios) for BENCHMARKS.md
#
# Output: target/wasm/ (pkg/, the tarball, sizes.txt, test-output/ with screenshots).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out="$root/target/wasm"
what=${1:-all}

step() { printf '\n==> %s\n' "$*"; }
apt_updated=0
apt_need() { # apt_need COMMAND PACKAGE: install PACKAGE when COMMAND is missing
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$apt_updated" = 0 ]; then apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
}

step "tools: wasm32 target, wasm-bindgen-cli, binaryen (npm), brotli, node"
rustup target list --installed | grep -qx wasm32-unknown-unknown \
  || rustup target add wasm32-unknown-unknown
# The CLI must be exactly the version the crate pins, or the glue does not match the module.
bindgen_version=$(sed -n 's/^wasm-bindgen = "=\(.*\)"$/\1/p' wasm/Cargo.toml)
[ -n "$bindgen_version" ] || { echo "wasm/Cargo.toml does not pin wasm-bindgen" >&2; exit 1; }
if [ "$(wasm-bindgen --version 2>/dev/null | cut -d' ' -f2)" != "$bindgen_version" ]; then
  cargo install --locked wasm-bindgen-cli --version "=$bindgen_version"
fi
# npm tools, pinned, in target/wasm/tools: wasm-opt from binaryen's own npm build (Debian
# bookworm's binaryen 108 rewrites wasm-bindgen's externref table as an anyref table, which
# engines then refuse to grow: RangeError at init); playwright-core to drive Debian's
# chromium; jsqr and pngjs, an independent QR decoder for what the holder page draws;
# @noble/ed25519 (with @noble/hashes in the browser), the JavaScript verifier the benchmark
# compares with.
tools="$out/tools"
tool_packages="binaryen@132.0.0 playwright-core@1.65.1 jsqr@1.4.0 pngjs@7.0.0 @noble/ed25519@3.2.0 @noble/hashes@2.4.0"
if [ "$(cat "$tools/installed" 2>/dev/null)" != "$tool_packages" ]; then
  rm -rf "$tools" && mkdir -p "$tools"
  # shellcheck disable=SC2086 # one word a package
  (cd "$tools" && npm init -y >/dev/null \
    && npm install --silent --no-audit --no-fund $tool_packages)
  echo "$tool_packages" > "$tools/installed"
fi
export QRSEAL_TOOLS="$tools/node_modules"
wasm_opt=(node "$tools/node_modules/binaryen/bin/wasm-opt")
apt_need brotli brotli
apt_need chromium chromium
# A Chinese font (1.6 MB), or the zh-CN screenshots show boxes where the text is.
if ! fc-list :lang=zh 2>/dev/null | grep -q .; then
  if [ "$apt_updated" = 0 ]; then apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei >/dev/null
fi
command -v node >/dev/null && command -v npm >/dev/null \
  || { apt_need node nodejs; apt_need npm npm; }

# One codegen unit, LTO and abort-on-panic keep the module small (a panic would be a bug
# either way: every failure is an error value).
export CARGO_PROFILE_RELEASE_LTO=fat CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1
export CARGO_PROFILE_RELEASE_PANIC=abort
build_module() { # build_module NAME CARGO_FEATURE_ARGS...: target/wasm/NAME/ with glue and .wasm
  local name=$1; shift
  # sha2's compact SHA-256/SHA-512 rounds (its own cfg): 16 KB less code than the unrolled
  # ones, no measurable change in verify time (hashing is about 1 % of it). The flags apply
  # to this build only, not to the native builds below.
  RUSTFLAGS='--cfg sha2_backend_soft="compact"' \
    cargo build --locked -q -p qrseal-wasm --release --target wasm32-unknown-unknown "$@"
  rm -rf "$out/$name" && mkdir -p "$out/$name"
  wasm-bindgen --target web --omit-default-module-path --out-dir "$out/$name" \
    target/wasm32-unknown-unknown/release/qrseal_wasm.wasm
  # Mini-programs instantiate through their own WebAssembly object, then need
  # wasm-bindgen's imports and its finishing step, which the web glue keeps private.
  grep -q '^function __wbg_get_imports' "$out/$name/qrseal_wasm.js"
  grep -q '^function __wbg_finalize_init' "$out/$name/qrseal_wasm.js"
  printf '\nexport { __wbg_get_imports, __wbg_finalize_init };\n' >> "$out/$name/qrseal_wasm.js"
  # The features rustc's wasm32 target enables by default (bulk memory, sign extension,
  # non-trapping float-to-int, multivalue, reference types) must be allowed explicitly.
  # --converge repeats -Oz while it still shrinks the module; the producers and
  # target-features sections are metadata no engine reads.
  "${wasm_opt[@]}" -Oz --converge --strip-producers --strip-target-features \
    --enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int \
    --enable-mutable-globals --enable-multivalue --enable-reference-types \
    -o "$out/$name/qrseal_wasm_bg.wasm" "$out/$name/qrseal_wasm_bg.wasm"
  brotli -f -q 11 -o "$out/$name/qrseal_wasm_bg.wasm.br" "$out/$name/qrseal_wasm_bg.wasm"
}

step "build: full module (verify, trust lists, render, frame decoding) and verify-only module"
build_module full
build_module verify-only --no-default-features

step "package: package.json, glue, .d.ts, .wasm, .wasm.br, README; npm pack"
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
pkg="$out/pkg"
rm -rf "$pkg" && mkdir -p "$pkg"
cp "$out/full"/qrseal_wasm.js "$out/full"/qrseal_wasm.d.ts "$out/full"/qrseal_wasm_bg.wasm \
  "$out/full"/qrseal_wasm_bg.wasm.d.ts "$out/full"/qrseal_wasm_bg.wasm.br "$pkg/"
cp wasm/js/node.js wasm/js/node.d.ts wasm/js/miniprogram.js wasm/js/miniprogram.d.ts \
  wasm/js/textcodec.js wasm/README.md "$pkg/"
sed "s/@VERSION@/$version/" wasm/js/package.json > "$pkg/package.json"
(cd "$out" && npm pack --silent "$pkg" >/dev/null)
tarball="$out/qrseal-wasm-$version.tgz"
test -f "$tarball"

size() { stat -c %s "$1"; }
{
  echo "full .wasm: $(size "$out/full/qrseal_wasm_bg.wasm") bytes, brotli $(size "$out/full/qrseal_wasm_bg.wasm.br") bytes"
  echo "verify-only .wasm: $(size "$out/verify-only/qrseal_wasm_bg.wasm") bytes, brotli $(size "$out/verify-only/qrseal_wasm_bg.wasm.br") bytes"
  echo "package tarball: $(size "$tarball") bytes"
} | tee "$out/sizes.txt"

[ "$what" = build ] && exit 0

# A user's view: the tarball installed into an empty project, nothing else.
step "install the tarball into an empty folder"
user=$(mktemp -d)
trap 'rm -rf "$user"' EXIT
(cd "$user" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund "$tarball")

if [ "$what" = bench ]; then
  step "bench"
  QRSEAL_USER_DIR="$user" QRSEAL_ROOT="$root" node wasm/bench/bench-node.mjs | tee -a "$out/sizes.txt"
  QRSEAL_USER_DIR="$user" QRSEAL_ROOT="$root" node wasm/bench/bench-chromium.mjs | tee -a "$out/sizes.txt"
  exit 0
fi

step "fixtures: an issuer key and tokens issued now by the qrseal CLI"
cargo build --locked -q -p qrseal-cli
qrseal="$root/target/debug/qrseal"
fixtures="$out/fixtures"
rm -rf "$fixtures" && mkdir -p "$fixtures"
ago() { date -u -d "$1" +%Y-%m-%dT%H:%M:%SZ; }
"$qrseal" keygen --dir "$fixtures/keys" >/dev/null
"$qrseal" root-keygen --dir "$fixtures/root" >/dev/null
"$qrseal" trust-list --root "$fixtures/root" --add-issuer "$fixtures/keys" \
  --out "$fixtures/trust.qstl" --now "$(ago '-4 days')" >/dev/null
issue() { "$qrseal" issue --keys "$fixtures/keys" "$@"; }
issue --id 110101199003078888 --colour green --display '张*明 ****8888' > "$fixtures/green.txt"
# The stub service's second answer: issued a day ahead, past the holder page's fast-forwarded clock.
issue --id 110101199003078888 --colour green --now "$(ago '+1 day')" > "$fixtures/green2.txt"
issue --id 110101199003078888 --colour green --now "$(ago '-3 days')" > "$fixtures/expired.txt"
issue --id 11010119800101001X --colour green --now "$(ago '-1 hour')" > "$fixtures/revoked.txt"
"$qrseal" revoke --keys "$fixtures/keys" --revocations "$fixtures/rev" --id 11010119800101001X \
  >/dev/null
"$qrseal" publish-revocations --keys "$fixtures/keys" --revocations "$fixtures/rev" >/dev/null
export QRSEAL_FIXTURES="$fixtures"

step "Node and headless Chromium: every test vector, five-line use, mini-program shim, pages"
# One test file at a time: the Chromium tests start browsers, and CI has two cores.
QRSEAL_USER_DIR="$user" QRSEAL_ROOT="$root" node --test --test-concurrency=1 wasm/tests/
echo "screenshots: $out/test-output/"

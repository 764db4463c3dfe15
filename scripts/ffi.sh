#!/usr/bin/env bash
# The C library (ffi/, crate qrseal-ffi): build, header check, install, C tests, ARM, sizes.
#
#   scripts/ffi.sh header                 regenerate ffi/include/qrseal.h (pinned cbindgen)
#   scripts/ffi.sh check-header           fail if the committed header is not what cbindgen writes
#   scripts/ffi.sh install PREFIX [TARGET]
#                                         build (release) and install into PREFIX:
#                                         include/qrseal.h, lib/libqrseal.a, lib/libqrseal.so.1
#                                         (+ libqrseal.so), lib/pkgconfig/qrseal.pc;
#                                         FFI_FEATURES=frame adds qrseal_decode_frame
#   scripts/ffi.sh test                   everything CI runs: header check; the C tests plain,
#                                         under ASan+UBSan and under valgrind; the example;
#                                         the C tests for aarch64 and armv7 under qemu-user with
#                                         verdicts identical to the host's; sizes
#   scripts/ffi.sh sizes                  stripped library sizes per target, and the static
#                                         library's contribution to a minimal C program
#
# Installs what it needs when missing: Debian packages (cross gcc, libc6-dev-*-cross,
# qemu-user, valgrind, pkg-config), the rustup targets, and cbindgen at the pinned version.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

CBINDGEN_VERSION=0.29.4
ABI_VERSION=1
TARGETS_ARM="aarch64-unknown-linux-gnu armv7-unknown-linux-gnueabihf"
# Builds of the library use their own target directory and a size-minded release profile
# (LTO, one codegen unit), so they neither rebuild nor are rebuilt by the workspace's
# ordinary release builds. Panics stay `unwind`: every entry point catches them.
FFI_TARGET_DIR=${FFI_TARGET_DIR:-$ROOT/target/ffi}
WORK=${FFI_WORK:-$ROOT/target/ffi-work}
export CARGO_PROFILE_RELEASE_LTO=true CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CARGO_TARGET_ARMV7_UNKNOWN_LINUX_GNUEABIHF_LINKER=arm-linux-gnueabihf-gcc
CFLAGS_STRICT="-std=c99 -Wall -Wextra -Werror -pedantic"
# What a Rust static library needs from the system on Linux (rustc --print
# native-static-libs), for qrseal.pc's Libs.private.
NATIVE_LIBS="-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc"

step() { printf '\n--> ffi: %s\n' "$*"; }

gnu_triple() {
  case $1 in
    aarch64-unknown-linux-gnu) echo aarch64-linux-gnu ;;
    armv7-unknown-linux-gnueabihf) echo arm-linux-gnueabihf ;;
    *) echo "" ;;
  esac
}

ensure_tools() {
  local need=()
  command -v pkg-config >/dev/null || need+=(pkg-config)
  command -v valgrind >/dev/null || need+=(valgrind)
  command -v qemu-aarch64 >/dev/null || need+=(qemu-user)
  command -v aarch64-linux-gnu-gcc >/dev/null || need+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
  command -v arm-linux-gnueabihf-gcc >/dev/null || need+=(gcc-arm-linux-gnueabihf libc6-dev-armhf-cross)
  if ((${#need[@]})); then
    step "apt-get install ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
  local installed
  installed=$(rustup target list --installed)
  for t in $TARGETS_ARM; do
    grep -qx "$t" <<<"$installed" || rustup target add "$t"
  done
  if [[ $(cbindgen --version 2>/dev/null) != "cbindgen $CBINDGEN_VERSION" ]]; then
    step "cargo install cbindgen $CBINDGEN_VERSION"
    cargo install --locked cbindgen --version "$CBINDGEN_VERSION"
  fi
}

header_to() { cbindgen --quiet --config ffi/cbindgen.toml --crate qrseal-ffi --output "$1" ffi; }

check_header() {
  step "header: ffi/include/qrseal.h is what cbindgen $CBINDGEN_VERSION generates"
  mkdir -p "$WORK"
  header_to "$WORK/qrseal.h"
  if ! diff -u ffi/include/qrseal.h "$WORK/qrseal.h"; then
    echo "ffi/include/qrseal.h is stale: run scripts/ffi.sh header and commit it" >&2
    exit 1
  fi
}

# build [TARGET]: the release libraries; prints their directory.
build() {
  local args=(build --release --locked -p qrseal-ffi --target-dir "$FFI_TARGET_DIR")
  [[ -z ${FFI_FEATURES:-} ]] || args+=(--features "$FFI_FEATURES")
  local dir=$FFI_TARGET_DIR/release
  if [[ -n ${1:-} ]]; then
    args+=(--target "$1")
    dir=$FFI_TARGET_DIR/$1/release
  fi
  cargo "${args[@]}" >&2
  echo "$dir"
}

# install PREFIX [TARGET]
install_prefix() {
  local prefix=$1 target=${2:-} dir
  dir=$(build "$target")
  mkdir -p "$prefix/include" "$prefix/lib/pkgconfig"
  cp ffi/include/qrseal.h "$prefix/include/"
  cp "$dir/libqrseal_ffi.a" "$prefix/lib/libqrseal.a"
  # Copied to a temporary name and renamed, so a running program never sees half a library.
  cp "$dir/libqrseal_ffi.so" "$prefix/lib/.libqrseal.so.$ABI_VERSION.tmp"
  mv -f "$prefix/lib/.libqrseal.so.$ABI_VERSION.tmp" "$prefix/lib/libqrseal.so.$ABI_VERSION"
  ln -sfn "libqrseal.so.$ABI_VERSION" "$prefix/lib/libqrseal.so"
  local version
  version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
  cat >"$prefix/lib/pkgconfig/qrseal.pc" <<PC
prefix=$prefix
includedir=\${prefix}/include
libdir=\${prefix}/lib

Name: qrseal
Description: Offline verification of qrseal health-status QR tokens
Version: $version
Cflags: -I\${includedir}$([[ ${FFI_FEATURES:-} != *frame* ]] || echo " -DQRSEAL_FEATURE_FRAME")
Libs: -L\${libdir} -lqrseal
Libs.private: $NATIVE_LIBS
PC
  echo "installed qrseal $version (ABI $ABI_VERSION${target:+, $target}) into $prefix" >&2
}

# The C tests, linked statically (for cross targets: no library path to set under qemu).
# cc_static CC PREFIX OUT EXTRA_FLAGS...
cc_static() {
  local cc=$1 prefix=$2 out=$3
  shift 3
  "$cc" $CFLAGS_STRICT "$@" -I"$prefix/include" -o "$out" ffi/tests/c/qrseal_test.c \
    "$prefix/lib/libqrseal.a" -lpthread -ldl -lm
}

run_tests() {
  ensure_tools
  check_header
  local host=$WORK/host vectors=testvectors/c/vectors.txt
  step "install into a fresh prefix"
  rm -rf "$host"
  install_prefix "$host"
  export PKG_CONFIG_PATH=$host/lib/pkgconfig

  step "C tests, plain (shared library, pkg-config)"
  # shellcheck disable=SC2046
  cc $CFLAGS_STRICT -o "$WORK/test-plain" ffi/tests/c/qrseal_test.c $(pkg-config --cflags --libs qrseal) -lpthread
  readelf -d "$WORK/test-plain" | grep "libqrseal.so.$ABI_VERSION" >/dev/null ||
    { echo "test program does not need libqrseal.so.$ABI_VERSION" >&2; exit 1; }
  LD_LIBRARY_PATH=$host/lib "$WORK/test-plain" "$vectors" >"$WORK/verdicts-host.txt"

  step "C tests under AddressSanitizer + UndefinedBehaviorSanitizer"
  cc_static cc "$host" "$WORK/test-asan" -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
  nm "$WORK/test-asan" | grep __asan_init >/dev/null || { echo "ASan is not linked in" >&2; exit 1; }
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$WORK/test-asan" "$vectors" >"$WORK/verdicts-asan.txt"
  cmp "$WORK/verdicts-host.txt" "$WORK/verdicts-asan.txt"

  step "C tests under valgrind memcheck (0 errors, 0 leaks)"
  LD_LIBRARY_PATH=$host/lib valgrind --quiet --error-exitcode=99 --leak-check=full \
    --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
    "$WORK/test-plain" "$vectors" >"$WORK/verdicts-valgrind.txt"
  cmp "$WORK/verdicts-host.txt" "$WORK/verdicts-valgrind.txt"

  step "examples/c-scanner, built with pkg-config against the prefix"
  # shellcheck disable=SC2046
  cc $CFLAGS_STRICT -o "$WORK/c-scanner" examples/c-scanner/scanner.c $(pkg-config --cflags --libs qrseal)
  example_run

  for target in $TARGETS_ARM; do
    local gnu prefix=$WORK/$target
    gnu=$(gnu_triple "$target")
    step "$target: cross build, C tests under qemu-user"
    rm -rf "$prefix"
    install_prefix "$prefix" "$target"
    cc_static "$gnu-gcc" "$prefix" "$WORK/test-$target"
    "qemu-${gnu%%-*}" -L "/usr/$gnu" "$WORK/test-$target" "$vectors" >"$WORK/verdicts-$target.txt"
    cmp "$WORK/verdicts-host.txt" "$WORK/verdicts-$target.txt"
    echo "$target: $(wc -l <"$WORK/verdicts-$target.txt") verdicts identical to the host's"
  done
  sizes
}

# Scans a valid, a tampered and an expired code (from the test vectors) with the example.
example_run() {
  local dir=$WORK/example
  mkdir -p "$dir"
  python3 - "$dir" <<'PY'
import base64, json, sys
d = sys.argv[1]
t = json.load(open("testvectors/tokens.json"))
key = next(k for k in t["keys"] if k["name"] == "issuer")["public_key_hex"]
spki = bytes.fromhex("302a300506032b6570032100" + key)
with open(d + "/issuer.pub", "w") as f:
    f.write("-----BEGIN PUBLIC KEY-----\n" + base64.b64encode(spki).decode() + "\n-----END PUBLIC KEY-----\n")
case = {c["name"]: c for c in t["cases"]}
good = case["valid-hint-chinese-16-bytes"]["qr_text"]
bad = good[:-2] + ("0" if good[-2] != "0" else "1") + good[-1]
with open(d + "/scans.txt", "w", newline="") as f:
    f.write(good + "\r\n" + bad + "\r\n" + case["policy-default-denies-yellow"]["qr_text"] + "\n")
print(case["valid-hint-chinese-16-bytes"]["now_unix"], file=open(d + "/now", "w"))
PY
  QRSEAL_NOW=$(cat "$dir/now") LD_LIBRARY_PATH=$WORK/host/lib \
    "$WORK/c-scanner" "$dir/issuer.pub" <"$dir/scans.txt" >"$dir/out.txt"
  cat "$dir/out.txt"
  printf '%s\n' "ADMIT green 张*明 ****1234" "REJECT bad_signature The code's signature is not valid: it is forged or damaged." \
    "DENY yellow colour" | diff -u - "$dir/out.txt"
  example_run_root
  example_run_journal
}

# Collection mode: two admitted holders fill a tube of two, a third waits for the next tube;
# a second run continues the same journal; the pending batch is printed for upload.
example_run_journal() {
  local dir=$WORK/example-journal qrseal=$PWD/target/debug/qrseal
  rm -rf "$dir" && mkdir -p "$dir"
  (
    cd "$dir"
    "$qrseal" keygen --dir keys >/dev/null
    for i in 1 2 3; do
      echo "1101011990000000${i}X" >id.txt
      "$qrseal" issue --keys keys --id-file id.txt --colour green >>scans.txt
    done
    run() { LD_LIBRARY_PATH=$WORK/host/lib "$WORK/c-scanner" --journal site.qsj --site site-1 \
      --device gate-1 --tube-size 2 keys/issuer.pub; }
    { echo TUBE:T-1; sed -n 1p scans.txt; } | run >out.txt
    { sed -n 2,3p scans.txt; echo TUBE:T-1; } | run >>out.txt
  )
  cat "$dir/out.txt"
  sed -E 's/[0-9a-f]{32}-/ID-/g; s/"(subject|kid)":"[0-9a-f]+"/"\1":H/g; s/_at":[0-9]+/_at":T/g' \
    "$dir/out.txt" | diff -u - <(printf '%s\n' "TUBE T-1 1" "ADMIT green " "TUBED 1 0" \
    "ADMIT green " "TUBED 1 1" "SEALED 1" "ADMIT green " \
    "ERROR tube_reused This tube was already used." "POST /v1/samples ID-1" \
    '{"batch":"ID-1","site":"site-1","device":"gate-1","tube":"T-1","opened_at":T,"sealed_at":T,"samples":[{"subject":H,"kid":H,"colour":"green","scanned_at":T},{"subject":H,"kid":H,"colour":"green","scanned_at":T}]}')
}

# The same example pinning a root key: a trust list and a revocation list made by the
# qrseal command, one holder admitted and one revoked.
example_run_root() {
  local dir=$WORK/example-root qrseal=$PWD/target/debug/qrseal
  cargo build -q -p qrseal-cli
  rm -rf "$dir" && mkdir -p "$dir"
  (
    cd "$dir"
    "$qrseal" keygen --dir keys >/dev/null
    "$qrseal" root-keygen --dir root >/dev/null
    "$qrseal" trust-list --root root --add-issuer keys --out trust.qstl >/dev/null
    echo 11010119900307888X >kept.txt
    echo 110101199003071234 >revoked.txt
    "$qrseal" issue --keys keys --id-file kept.txt --colour green >scans.txt
    "$qrseal" issue --keys keys --id-file revoked.txt --colour green >>scans.txt
    "$qrseal" revoke --keys keys --revocations rev --id-file revoked.txt >/dev/null
    "$qrseal" publish-revocations --keys keys --revocations rev >/dev/null
    LD_LIBRARY_PATH=$WORK/host/lib "$WORK/c-scanner" --root root/root.pub trust.qstl \
      rev/full.qsrl <scans.txt >out.txt
  )
  cat "$dir/out.txt"
  printf '%s\n' "ADMIT green " "REJECT revoked The code has been revoked." | diff -u - "$dir/out.txt"
}

sizes() {
  step "sizes (release, LTO, stripped)"
  local host=$WORK/host
  [[ -d $host ]] || install_prefix "$host"
  printf '%-32s %12s %12s\n' target libqrseal.so libqrseal.a
  for target in host $TARGETS_ARM; do
    local prefix=$WORK/$target strip=strip
    [[ $target == host ]] || strip="$(gnu_triple "$target")-strip"
    [[ -d $prefix ]] || install_prefix "$prefix" "$([[ $target == host ]] || echo "$target")"
    cp "$prefix/lib/libqrseal.so.$ABI_VERSION" "$WORK/so.stripped"
    cp "$prefix/lib/libqrseal.a" "$WORK/a.stripped"
    "$strip" --strip-all "$WORK/so.stripped"
    "$strip" --strip-debug "$WORK/a.stripped"
    printf '%-32s %12s %12s\n' "$target" "$(stat -c %s "$WORK/so.stripped")" "$(stat -c %s "$WORK/a.stripped")"
  done
  cc -Os -DBASELINE -o "$WORK/minimal-baseline" ffi/tests/c/minimal.c
  cc -Os -I"$host/include" -Wl,--gc-sections -o "$WORK/minimal" ffi/tests/c/minimal.c \
    "$host/lib/libqrseal.a" -lpthread -ldl -lm
  strip "$WORK/minimal-baseline" "$WORK/minimal"
  local base with
  base=$(stat -c %s "$WORK/minimal-baseline")
  with=$(stat -c %s "$WORK/minimal")
  echo "minimal C program (x86_64, static libqrseal.a, stripped): $with bytes; without the library: $base; the library adds $((with - base)) bytes"
}

case ${1:-} in
  header) ensure_tools; header_to ffi/include/qrseal.h ;;
  check-header) ensure_tools; check_header ;;
  install) [[ -n ${2:-} ]] || { echo "usage: $0 install PREFIX [TARGET]" >&2; exit 2; }
    prefix=$2; [[ $prefix == /* ]] || prefix=$PWD/$prefix
    install_prefix "$prefix" "${3:-}" ;;
  test) run_tests ;;
  sizes) ensure_tools; sizes ;;
  *) sed -n "2,20p" "$0"; exit 2 ;;
esac

#!/usr/bin/env bash
# ctest `package`: builds the Debian package with CPack and checks what it holds; in CI (or with
# XINYU_PACKAGE_INSTALL=1, as root) also installs it, starts the installed server once
# (/healthz, models found) and removes it. Must never leave the package installed.
set -euo pipefail
build_dir=$(cd "${1:?usage: package_test.sh BUILD_DIR}" && pwd)
out=$(mktemp -d /tmp/xinyu-package.XXXXXX)
cleanup() {
  [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null || true
  if [ -n "${installed:-}" ]; then
    dpkg --purge xinyu >/dev/null 2>&1 || echo "package_test: could not remove xinyu" >&2
  fi
  rm -rf "$out"
}
trap cleanup EXIT
fail() { echo "package_test: FAIL: $*" >&2; exit 1; }

(cd "$build_dir" && cpack -G DEB -B "$out" >"$out/cpack.log" 2>&1) || { cat "$out/cpack.log"; fail "cpack"; }
deb=$(ls "$out"/xinyu_*.deb) || fail "no .deb written"
echo "package_test: built $(basename "$deb") ($(du -h "$deb" | cut -f1))"

contents=$(dpkg-deb -c "$deb")
for f in ./usr/bin/xinyu-server ./usr/share/xinyu/models/safety.bin ./usr/share/xinyu/models/emotion.json \
  ./etc/xinyu/xinyu.json ./lib/systemd/system/xinyu.service ./usr/share/doc/xinyu/crisis-protocol.md; do
  grep -q " $f\$" <<<"$contents" || fail "$f missing from the package"
done
if grep -Eq '/(tests?|bench)/|xinyu_.*_tests|mock-llm' <<<"$contents"; then
  fail "tests or benchmarks in the package"
fi
control=$(dpkg-deb -I "$deb")
grep -q '^ Depends: .*librocksdb' <<<"$control" || fail "Depends lacks librocksdb (shlibdeps)"
# (grep -q on a pipe would exit at the first match and, under pipefail, fail the writer with
# SIGPIPE: lists are captured first)
control_files=$(dpkg-deb --ctrl-tarfile "$deb" | tar -t)
grep -q conffiles <<<"$control_files" || fail "no conffiles"
version=$(dpkg-deb -f "$deb" Version)
grep -q . <<<"$version" || fail "no version"
mkdir -p "$out/unit" && dpkg-deb -x "$deb" "$out/unit"
# the unit as systemd reads it (without a running systemd, verify still parses it; complaints
# about the machine itself, such as missing units in a container, are not the unit's fault)
if command -v systemd-analyze >/dev/null; then
  if ! systemd-analyze verify --root="$out/unit" /lib/systemd/system/xinyu.service \
    2>"$out/verify.log"; then
    grep -v -E "Failed to (open|load)|ignoring|not found|No such file|Unit .* not found|Assertion" \
      "$out/verify.log" >"$out/verify.rest" || true
    if [ -s "$out/verify.rest" ]; then
      cat "$out/verify.log"
      fail "systemd-analyze verify"
    fi
  fi
fi
# the packaged binary is stripped but runs: --version
grep -q "xinyu-server" <<<"$("$out/unit/usr/bin/xinyu-server" --version)" || fail "--version"

if [ "${CI:-}" != "true" ] && [ "${XINYU_PACKAGE_INSTALL:-}" != "1" ]; then
  echo "package_test: ok (contents; set CI=true or XINYU_PACKAGE_INSTALL=1 to install it too)"
  exit 0
fi
[ "$(id -u)" -eq 0 ] || fail "installing needs root"
dpkg -s xinyu >/dev/null 2>&1 && fail "xinyu is already installed here; not touching it"
installed=1
apt-get install -y -q --no-install-recommends "$deb" >"$out/install.log" 2>&1 ||
  { cat "$out/install.log"; fail "apt-get install"; }
# started as the unit would start it (no systemd in CI containers): the installed config, a
# state directory, a free port
state="$out/state"
XINYU_STORAGE_PATH="$state" XINYU_SERVER_PORT=0 /usr/bin/xinyu-server --config /etc/xinyu/xinyu.json \
  >"$out/server.out" 2>"$out/server.err" &
pid=$!
for _ in $(seq 1 200); do
  port=$(sed -n 's/.*listening on http:\/\/[^:]*:\([0-9]*\).*/\1/p' "$out/server.out")
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "${port:-}" ] || { cat "$out/server.err"; fail "the installed server did not start"; }
grep -q ok <<<"$(curl -fsS "http://127.0.0.1:$port/healthz")" || fail "/healthz"
grep -q model_missing "$out/server.err" && fail "the installed server did not find its models"
kill -TERM "$pid" && wait "$pid" || fail "the installed server did not exit cleanly"
pid=
dpkg --purge xinyu >/dev/null || fail "dpkg --purge"
installed=
[ ! -e /usr/bin/xinyu-server ] || fail "/usr/bin/xinyu-server left after purge"
echo "package_test: ok (built, installed, served /healthz, removed)"

#!/usr/bin/env bash
# The Debian package and `cmake --install` (cmake/install.cmake, packaging/):
# cpack builds the .deb from the build tree; its control fields; its
# dependencies (every shared library the binary needs comes from a package
# it depends on, as dpkg-shlibdeps computed them); its files, conffiles,
# maintainer scripts and systemd unit. Unpacked into a scratch root with
# dpkg-deb -x, its picket prints --help, runs the demo, loads and tests the
# installed rule pack. `cmake --install --prefix DIR` installs the binary,
# the docs and the rule pack, and nothing under /etc.
set -uo pipefail
: "${PICKET:?set PICKET to the picket binary}"
: "${PICKET_BUILD:?set PICKET_BUILD to the build directory}"
for tool in cpack dpkg-deb dpkg-shlibdeps objdump ldd; do
  if ! command -v "$tool" >/dev/null; then echo "skipped: no $tool"; exit 0; fi
done
pass=0; fail=0
check() {  # check NAME EXPECTED ACTUAL
  if [ "$2" == "$3" ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL $1: expected [$2] got [$3]"; fi
}
has() {  # has NAME PATTERN TEXT: TEXT has a line matching PATTERN (grep -E)
  if printf '%s\n' "$3" | grep -Eq -- "$2"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL $1: no line matching [$2]"; fi
}
has_line() {  # has_line NAME LINE TEXT: TEXT has exactly this line
  if printf '%s\n' "$3" | grep -Fxq -- "$2"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL $1: no line [$2]"; fi
}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# --- build the package --------------------------------------------------------
if ! cpack --config "$PICKET_BUILD/CPackConfig.cmake" -G DEB -B "$tmp/pkg" >"$tmp/cpack.log" 2>&1; then
  cat "$tmp/cpack.log"; echo "FAIL cpack"; exit 1
fi
debs=("$tmp"/pkg/*.deb)
check "one .deb" 1 "${#debs[@]}"
deb=${debs[0]}
version=$("$PICKET" --version | awk '{print $2}')
arch=$(dpkg --print-architecture)
check "file name" "picket_${version}_${arch}.deb" "$(basename "$deb")"

# --- control fields -----------------------------------------------------------
check "Package" picket "$(dpkg-deb -f "$deb" Package)"
check "Version" "$version" "$(dpkg-deb -f "$deb" Version)"
check "Architecture" "$arch" "$(dpkg-deb -f "$deb" Architecture)"
check "Section" admin "$(dpkg-deb -f "$deb" Section)"
has "Maintainer" '.+<.+@.+>' "$(dpkg-deb -f "$deb" Maintainer)"
has "Description" 'detection' "$(dpkg-deb -f "$deb" Description)"
depends=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/^ *//; s/ .*//; s/:.*//')
has_line "Depends adduser (postinst)" adduser "$depends"
has "Depends versioned by shlibdeps" '\(>= ' "$(dpkg-deb -f "$deb" Depends)"
# Every library the binary links (NEEDED) is shipped by a package in Depends.
needed=$(objdump -p "$PICKET" | awk '/NEEDED/ {print $2}')
check "binary needs libraries" 1 "$([ -n "$needed" ] && echo 1 || echo 0)"
for lib in $needed; do
  path=$(ldd "$PICKET" | awk -v l="$lib" '$1 == l {print $3}')
  pkg=""
  for p in "$path" "$(realpath "$path" 2>/dev/null)" "/usr$path" "${path#/usr}"; do
    [ -n "$p" ] || continue
    pkg=$(dpkg -S "$p" 2>/dev/null | head -1 | cut -d: -f1) && [ -n "$pkg" ] && break
  done
  if [ -z "$pkg" ]; then fail=$((fail+1)); echo "FAIL no package ships $lib ($path)"; continue; fi
  has_line "Depends has $pkg (for $lib)" "$pkg" "$depends"
done

# --- files --------------------------------------------------------------------
contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in ./usr/bin/picket ./lib/systemd/system/picket.service ./etc/default/picket \
         ./usr/share/doc/picket/README.md ./usr/share/doc/picket/serve.md \
         ./usr/share/doc/picket/semantics.md; do
  has_line "contains $f" "$f" "$contents"
done
check "rule pack" 26 "$(printf '%s\n' "$contents" | grep -c '^./usr/share/picket/rules/macos/.*\.toml$')"
check "emulation manifests" 26 "$(printf '%s\n' "$contents" | grep -c '^./usr/share/picket/emulations/.*/manifest.json$')"
check "no work notes" 0 "$(printf '%s\n' "$contents" | grep -c -- '-status\.md$')"
check "no python in the package" 0 "$(printf '%s\n' "$contents" | grep -c '\.py$')"
check "binary mode" "-rwxr-xr-x" "$(dpkg-deb -c "$deb" | awk '$6 == "./usr/bin/picket" {print $1}')"

mkdir -p "$tmp/control"; dpkg-deb -e "$deb" "$tmp/control"
check "conffiles" "/etc/default/picket" "$(cat "$tmp/control/conffiles")"
for script in postinst prerm postrm; do
  check "$script executable" 1 "$([ -x "$tmp/control/$script" ] && echo 1 || echo 0)"
  sh -n "$tmp/control/$script"; check "$script parses" 0 $?
done
has "postinst creates the system user" 'adduser --system --group' "$(cat "$tmp/control/postinst")"
has "postinst creates the state dir" 'install -d -o picket -g picket -m 0750 /var/lib/picket' "$(cat "$tmp/control/postinst")"
has "postrm purges state" 'rm -rf /var/lib/picket' "$(cat "$tmp/control/postrm")"

# --- unpacked: the unit, the defaults, the binary --------------------------------
root="$tmp/root"; dpkg-deb -x "$deb" "$root"
unit=$(cat "$root/lib/systemd/system/picket.service")
has "unit ExecStart" '^ExecStart=/usr/bin/picket serve --state-dir /var/lib/picket \$PICKET_SERVE_OPTS$' "$unit"
for directive in 'User=picket' 'EnvironmentFile=-/etc/default/picket' 'StateDirectory=picket' \
                 'NoNewPrivileges=yes' 'ProtectSystem=strict' 'ProtectHome=yes' \
                 'PrivateTmp=yes' 'ReadWritePaths=/var/lib/picket' 'CapabilityBoundingSet=$' \
                 'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' 'SystemCallFilter=@system-service' \
                 'RestartPreventExitStatus=2' 'WantedBy=multi-user.target'; do
  has "unit $directive" "^$directive" "$unit"
done
if command -v systemd-analyze >/dev/null; then
  # Verify the unit's syntax; the binary is not installed here, so name it.
  sed "s|/usr/bin/picket|$root/usr/bin/picket|" "$root/lib/systemd/system/picket.service" > "$tmp/picket.service"
  out=$(systemd-analyze verify "$tmp/picket.service" 2>&1 | grep -v -e 'Failed to put bus name' -e 'ignoring: Read-only' || true)
  check "systemd-analyze verify" "" "$(printf '%s\n' "$out" | grep -i 'picket.service' | grep -vi 'not executable' || true)"
  # systemd's own exposure score of the confinement (0 = locked down, 10 = none).
  exposure=$(systemd-analyze security --offline=yes "$tmp/picket.service" 2>/dev/null |
             sed -n 's/.*Overall exposure level for picket.service: \([0-9.]*\).*/\1/p')
  if [ -n "$exposure" ]; then
    check "exposure level at most 2.0 (got $exposure)" 1 "$(awk -v e="$exposure" 'BEGIN {print (e <= 2.0) ? 1 : 0}')"
  fi
fi
has "defaults listen on localhost" '^PICKET_SERVE_OPTS="--listen 127.0.0.1:9200"$' "$(cat "$root/etc/default/picket")"

"$root/usr/bin/picket" --help >"$tmp/help" 2>&1; check "installed --help" 0 $?
has "help lists serve" '^  serve ' "$(cat "$tmp/help")"
"$root/usr/bin/picket" run --demo --format ndjson >"$tmp/alerts" 2>"$tmp/demo.err"; check "installed demo" 0 $?
check "demo alerts are Kibana-shaped" 0 "$(grep -vc '"kibana.alert.rule.rule_id"' "$tmp/alerts")"
has "demo wrote alerts" '^[1-9][0-9]*$' "$(wc -l < "$tmp/alerts")"
"$root/usr/bin/picket" rules "$root/usr/share/picket/rules" >/dev/null 2>&1; check "installed rule pack loads" 0 $?
"$root/usr/bin/picket" test "$root/usr/share/picket/rules/macos" --require-coverage >"$tmp/test.out" 2>&1
check "installed rule pack passes its emulations" 0 $?

# --- cmake --install ------------------------------------------------------------
cmake --install "$PICKET_BUILD" --prefix "$tmp/prefix" >"$tmp/install.log" 2>&1; check "cmake --install" 0 $?
for f in bin/picket share/doc/picket/README.md share/doc/picket/engine.md share/picket/rules/macos/execution_python_shell_spawn_first_occurrence.toml; do
  check "installed $f" 1 "$([ -e "$tmp/prefix/$f" ] && echo 1 || echo 0)"
done
check "no /etc from a plain install" 0 "$(find "$tmp/prefix" -path '*etc*' | wc -l)"
"$tmp/prefix/bin/picket" --version >/dev/null; check "installed binary runs" 0 $?

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

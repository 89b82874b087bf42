#!/usr/bin/env bash
# Installs dependencies, builds picket and runs its main job: the bundled
# macOS Python/pickle rules over the bundled demo telemetry (embedded in the
# binary; no server, no configuration), printing the alerts for people.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target picket
./build/picket run --demo --format text

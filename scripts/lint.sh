#!/usr/bin/env bash
# Static checks: every C++ file formatted by the repository's .clang-format, and .clang-tidy's
# checks on the torch-free sources. scripts/lint.sh [BUILD_DIR]: BUILD_DIR holds the compile
# database of a torch-free build (default build-nodeps-asan, made by scripts/test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-nodeps-asan}

echo "== format (clang-format --dry-run) =="
mapfile -t files < <(git ls-files '*.cc' '*.h')
if ! clang-format --dry-run --Werror "${files[@]}" 2>/tmp/lptrain-format.$$; then
  head -40 /tmp/lptrain-format.$$ >&2
  echo "lint: files are not formatted; run: clang-format -i \$(git ls-files '*.cc' '*.h')" >&2
  rm -f /tmp/lptrain-format.$$
  exit 1
fi
rm -f /tmp/lptrain-format.$$

echo "== clang-tidy (torch-free sources) =="
[ -f "$build/compile_commands.json" ] || { echo "lint: no $build/compile_commands.json" >&2; exit 1; }
# The project's own sources that the database compiles (tests excluded: GoogleTest's macros).
mapfile -t sources < <(/usr/bin/python3 - "$build/compile_commands.json" "$PWD" <<'PY'
import json, os, sys
root = sys.argv[2] + "/"
seen = set()
for entry in json.load(open(sys.argv[1])):
    path = os.path.normpath(os.path.join(entry["directory"], entry["file"]))
    if path.startswith(root) and not path.startswith(root + "tests/") and path not in seen:
        seen.add(path)
        print(path)
PY
)
printf '%s\n' "${sources[@]}" | xargs -P "$(nproc)" -n 4 clang-tidy -p "$build" --quiet \
  --extra-arg=-Wno-unknown-warning-option 2>/dev/null
echo "lint: ok (${#files[@]} files formatted, ${#sources[@]} sources checked)"

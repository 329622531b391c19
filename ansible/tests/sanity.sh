#!/usr/bin/env bash
# The ansible-test sanity tests that run offline (those needing no
# requirements venv: the others bootstrap pip from the network).
set -euo pipefail
cd "$(dirname "$0")/../ansible_collections/rewire/kvm"
tests=(action-plugin-docs compile empty-init future-import-boilerplate ignores line-endings
  metaclass-boilerplate no-assert no-basestring no-dict-iteritems no-get-exception
  no-illegal-filenames no-main-display no-smart-quotes no-unicode-literals replace-urlopen
  shebang symlinks use-argspec-type-path use-compat-six)
args=()
for t in "${tests[@]}"; do args+=(--test "$t"); done
log=$(mktemp)
trap 'rm -f "$log"; rm -rf tests/output; rmdir tests 2>/dev/null || true' EXIT
python=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if ! ansible-test sanity --python "$python" --local "${args[@]}" >"$log" 2>&1; then
  cat "$log"; echo "ansible-test sanity: FAILED"; exit 1
fi
echo "ansible-test sanity: ${#tests[@]} offline tests passed"

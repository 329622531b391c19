#!/usr/bin/env bash
# make test-ansible: the rewire.kvm playbook tests against the lab host,
# holding the lab lock the other lab users share.
set -euo pipefail
cd "$(dirname "$0")"
command -v ansible-playbook >/dev/null || { echo "test-ansible: ansible-playbook missing (Debian: ansible-core; .ci/install-deps installs it)"; exit 1; }
bash sanity.sh
exec flock /tmp/rewire-lab.lock python3 -u test_playbooks.py "$@"

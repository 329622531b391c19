# -*- coding: utf-8 -*-
# Shared by the rewire.kvm modules: how to call the rewire binary on the
# host and read what it says. rewire prints data as JSON with --json and
# its errors as one line on stderr ("rewire: ..."); nothing here parses
# human output beyond that one line.
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

# Options every module takes.
COMMON_ARGS = dict(
    state_dir=dict(type='path'),
    libvirt_uri=dict(type='str'),
    binary=dict(type='path'),
    work_dir=dict(type='path', default='/run/rewire-ansible'),
)


class Rewire(object):
    """The rewire binary on the target host."""

    def __init__(self, module):
        self.module = module
        p = module.params
        self.bin = p.get('binary') or module.get_bin_path('rewire', required=True)
        self.state_dir = p.get('state_dir')
        self.libvirt_uri = p.get('libvirt_uri')
        self.work_dir = p.get('work_dir')

    def target_flags(self, uri=True):
        """--state-dir and --uri, as given."""
        f = []
        if self.state_dir:
            f += ['--state-dir', self.state_dir]
        if uri and self.libvirt_uri:
            f += ['--uri', self.libvirt_uri]
        return f

    def run(self, args, data=None):
        """Runs rewire with args; returns (rc, stdout, stderr)."""
        return self.module.run_command([self.bin] + args, data=data, cwd='/')

    def json(self, args):
        """Runs rewire with args (which ask for --json); returns (rc, data, stderr)."""
        rc, out, err = self.run(args)
        data = None
        if out.strip():
            try:
                data = json.loads(out)
            except ValueError:
                self.module.fail_json(msg='rewire printed no JSON: %s' % one_line(err or out), rc=rc)
        return rc, data, err

    def transaction(self, tx_id):
        """`rewire journal show ID --json`: the transaction's summary, or fails the task."""
        rc, data, err = self.json(['journal', 'show', '--json'] + self.target_flags(uri=False) + [tx_id])
        if rc != 0 or data is None:
            self.module.fail_json(msg=one_line(err) or 'rewire journal show %s failed' % tx_id, rc=rc)
        return data

    def transactions(self):
        """`rewire journal list --json`."""
        rc, data, err = self.json(['journal', 'list', '--json'] + self.target_flags(uri=False))
        if rc != 0:
            self.module.fail_json(msg=one_line(err), rc=rc)
        return data or []

    def ensure_work_dir(self):
        """The directory the modules keep recipes and run outputs in (root only)."""
        d = self.work_dir
        if not os.path.isdir(d):
            os.makedirs(d, 0o700)
        st = os.lstat(d)
        if st.st_uid != os.geteuid() or st.st_mode & 0o077:
            self.module.fail_json(msg='work_dir %s must be a directory of this user with mode 0700' % d)
        return d

    def output_path(self, tx_id):
        """Where the module kept the JSON a pending run prints as it ends."""
        return os.path.join(self.work_dir, tx_id + '.json')


def one_line(text):
    """rewire's one-line error: the last line that starts with 'rewire', else the last line."""
    lines = [line.strip() for line in (text or '').splitlines() if line.strip()]
    for line in reversed(lines):
        if line.startswith('rewire'):
            return line
    return lines[-1] if lines else ''


def descs(steps):
    """The numbered changes as the run prints them."""
    return ['%d %s' % (s.get('seq', 0), s.get('desc', '')) for s in steps or []]

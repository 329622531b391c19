#!/usr/bin/python
# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: recipe
short_description: Run a rewire recipe on a KVM host, confirm-or-revert armed
description:
  - Runs a rewire Lua recipe on the target host in one transaction with
    C(rewire run --json). Any error or failed check rolls every change back
    and the task fails with rewire's one-line error; the host is left as it was.
  - In check mode it runs C(rewire plan --json) instead, which runs the recipe
    on a throw-away replica of the host and touches nothing; with C(--diff) the
    plan's numbered changes and their firewall and domain XML diffs are the diff.
  - When the change may cut the path of an admin session (the SSH connection
    Ansible itself runs over), rewire arms confirm-or-revert by itself, as
    C(rewire run) does; I(confirm) arms it for any change. The task then
    returns as soon as the transaction is pending, with its id; the host's
    guardian rolls it back at the deadline unless the M(rewire.kvm.confirm)
    module, run over a new connection after M(ansible.builtin.wait_for_connection),
    confirms it first. A change that cut Ansible's connection makes this task
    (or the wait) unreachable, the confirm never arrives, and the host reverts
    by itself.
  - Every change is journaled on the host; M(rewire.kvm.rollback) undoes a
    committed one later.
version_added: "0.1.0"
author:
  - rewire developers
options:
  src:
    description:
      - A recipe on the controller, copied to the host (searched in the
        playbook's C(files/) like M(ansible.builtin.copy)'s I(src)).
      - The copy is kept in I(work_dir)/recipes, so the journal names a file that exists.
      - Mutually exclusive with I(path).
    type: path
  path:
    description:
      - A recipe already on the host. Mutually exclusive with I(src).
    type: path
  args:
    description: Arguments for the recipe (its C(arg) table).
    type: list
    elements: str
    default: []
  allow:
    description:
      - Capabilities the recipe may use if its header asks for them
        (C(rewire run --allow)).
    type: list
    elements: str
    choices: [exec, files, net]
    default: []
  confirm:
    description:
      - Keep the change only if confirmed within this time (a Go duration,
        e.g. C(90s), C(2m)), for any change.
      - Unset, rewire arms confirm-or-revert (2 minutes) by itself when the
        change touched the link, address or route an admin session runs over,
        as C(rewire run) does.
    type: str
  timeout:
    description: End the recipe and its checks, and roll back, if they run longer (e.g. C(30s)).
    type: str
  persist:
    description: After the recipe, write its result in each device's manager's own files (C(rewire run --persist)).
    type: bool
    default: false
  state_dir:
    description: rewire's journal and lock directory on the host (default C($REWIRE_STATE_DIR) or C(/var/lib/rewire)).
    type: path
  libvirt_uri:
    description: The libvirt URI (default C($LIBVIRT_DEFAULT_URI), else C(qemu:///system)).
    type: str
  binary:
    description: The rewire binary on the host (default C(rewire) on C($PATH)).
    type: path
  work_dir:
    description:
      - Where the module keeps copied recipes and the output of pending runs
        on the host (created with mode 0700).
    type: path
    default: /run/rewire-ansible
notes:
  - Check mode and diff mode are supported; check mode never changes the host.
  - The run itself continues on the host, detached from the SSH session, while it
    is pending; a dropped connection does not end it, its guardian does at the deadline.
  - With Ansible's default ControlPersist, run the C(reset_connection) meta task before
    the wait, so that the confirm travels over a new connection and not over the
    old multiplexed one.
seealso:
  - module: rewire.kvm.confirm
  - module: rewire.kvm.rollback
requirements:
  - rewire on the target host
'''

EXAMPLES = r'''
- name: Check mode shows the plan and changes nothing
  rewire.kvm.recipe:
    src: nat-to-bridge.lua
  check_mode: true
  diff: true

- name: Rolling migration, each host confirmed over a new connection
  hosts: kvm
  serial: 1
  any_errors_fatal: true
  tasks:
    - name: Apply, confirm-or-revert armed for 90 seconds
      rewire.kvm.recipe:
        src: nat-to-bridge.lua
        confirm: 90s
      register: applied
    - name: A new connection, not the multiplexed old one
      ansible.builtin.meta: reset_connection
    - name: The host must answer a new login before its deadline
      ansible.builtin.wait_for_connection:
        timeout: 45
    - name: Keep it
      rewire.kvm.confirm:
        transaction: "{{ applied.transaction }}"
'''

RETURN = r'''
changed:
  description: Whether the recipe changed (or, in check mode, would change) the host.
  returned: always
  type: bool
transaction:
  description: The transaction id in the host's journal (C(rewire journal show ID)).
  returned: when the run made changes
  type: str
  sample: 20261201-085918.455587-727c
state:
  description: Where the transaction ended up; C(pending) waits for M(rewire.kvm.confirm).
  returned: when the run made changes
  type: str
  sample: pending
deadline:
  description: When the host's guardian rolls a pending transaction back.
  returned: when state is pending
  type: str
changes:
  description: The numbered changes, as the run journals them.
  returned: always
  type: list
  elements: str
  sample: ["1 create bridge br0 stp off forward_delay 0", "2 set link eth0 master br0 up"]
steps:
  description: The journal's steps (seq, kind, object, desc, done, undone).
  returned: always
  type: list
  elements: dict
checks:
  description:
    - The recipe's checks and their results. A pending transaction passed
      them all (a failed check rolls back before it is pending); their list
      comes with M(rewire.kvm.confirm)'s result then.
  returned: when the run ended
  type: list
  elements: dict
plan:
  description: In check mode, C(rewire plan --json) (steps with firewall and xml diffs, checks, guard).
  returned: in check mode
  type: dict
confirm_or_revert:
  description: Whether the change was (or, in check mode, would be) kept only if confirmed.
  returned: always
  type: bool
msg:
  description: rewire's one-line error when the task failed.
  returned: on failure
  type: str
'''

import hashlib
import json
import os
import shutil
import subprocess
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.rewire.kvm.plugins.module_utils.rewire import COMMON_ARGS, Rewire, descs, one_line

# How often a starting run is looked at until it is pending or done.
POLL = 0.2


def run_flags(p):
    f = []
    if p['allow']:
        f += ['--allow', ','.join(p['allow'])]
    if p['confirm']:
        f += ['--confirm', p['confirm']]
    if p['timeout']:
        f += ['--timeout', p['timeout']]
    return f


def prepared(steps):
    """The plan as diff mode shows it: numbered changes, their diffs indented."""
    lines = []
    for s in steps:
        lines.append('%3d  %s' % (s.get('seq', 0), s.get('desc', '')))
        for d in (s.get('firewall'), s.get('xml')):
            for line in (d or '').splitlines():
                lines.append('       ' + line)
    return '\n'.join(lines) + '\n' if lines else 'no changes\n'


def recipe_path(module, rw):
    """The recipe on the host: path as given, or src's copy kept in work_dir."""
    p = module.params
    if p['path']:
        if not os.path.isfile(p['path']):
            module.fail_json(msg='recipe %s: no such file on the host' % p['path'])
        return p['path']
    # The action plugin put src in Ansible's temporary directory, which goes
    # when the task ends: keep a copy the journal can name.
    src = p['src']
    with open(src, 'rb') as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:12]
    d = os.path.join(rw.ensure_work_dir(), 'recipes')
    if not os.path.isdir(d):
        os.makedirs(d, 0o700)
    dst = os.path.join(d, '%s-%s' % (digest, os.path.basename(src)))
    shutil.copyfile(src, dst)
    return dst


def check_mode(module, rw, path):
    p = module.params
    cmd = ['plan', '--json'] + rw.target_flags() + run_flags(p) + [path] + p['args']
    rc, plan, err = rw.json(cmd)
    if plan is None:
        module.fail_json(msg=one_line(err) or 'rewire plan failed', rc=rc)
    steps = plan.get('steps') or []
    guard = plan.get('guard') or {}
    res = dict(changed=bool(steps), plan=plan, steps=steps, changes=descs(steps),
               confirm_or_revert=bool(guard.get('confirm_or_revert')))
    if module._diff:
        res['diff'] = dict(prepared=prepared(steps))
    if rc != 0 or plan.get('error'):
        module.fail_json(msg=plan.get('error') or one_line(err), rc=rc, **res)
    module.exit_json(**res)


def apply(module, rw, path):
    """Starts `rewire run --json` detached from this SSH session and waits
    until its transaction is pending (the task returns, the run waits on the
    host for rewire.kvm.confirm) or the run ended (committed or rolled back)."""
    p = module.params
    work = rw.ensure_work_dir()
    cmd = [rw.bin, 'run', '--json'] + rw.target_flags() + run_flags(p)
    if p['persist']:
        cmd.append('--persist')
    cmd += [path] + p['args']
    stamp = '%d-%d' % (os.getpid(), int(time.time() * 1000))
    out_path = os.path.join(work, 'run-%s.json' % stamp)
    log_path = os.path.join(work, 'run-%s.log' % stamp)
    with open(out_path, 'wb') as out, open(log_path, 'wb') as log, open(os.devnull, 'rb') as null:
        proc = subprocess.Popen(cmd, stdin=null, stdout=out, stderr=log, cwd='/',
                                close_fds=True, start_new_session=True)
    while True:
        ended = proc.poll() is not None
        pending = [t for t in rw.transactions() if t.get('pid') == proc.pid and t.get('state') == 'pending']
        if pending:
            return pending_result(module, rw, pending[-1], out_path, log_path)
        if ended:
            return ended_result(module, proc.returncode, out_path, log_path)
        time.sleep(POLL)


def pending_result(module, rw, summary, out_path, log_path):
    tx_id = summary['id']
    # confirm finds the run's final JSON by the transaction's id.
    os.rename(out_path, rw.output_path(tx_id))
    os.rename(log_path, os.path.join(rw.work_dir, tx_id + '.log'))
    full = rw.transaction(tx_id)
    steps = full.get('steps') or []
    res = dict(changed=True, transaction=tx_id, state='pending', deadline=full.get('deadline'),
               steps=steps, changes=descs(steps), confirm_or_revert=True)
    if module._diff:
        res['diff'] = dict(prepared=prepared(steps))
    module.exit_json(**res)


def ended_result(module, rc, out_path, log_path):
    with open(out_path) as f:
        text = f.read()
    with open(log_path) as f:
        log = f.read()
    os.unlink(out_path)
    os.unlink(log_path)
    try:
        res = json.loads(text) if text.strip() else {}
    except ValueError:
        res = {}
    steps = res.get('steps') or []
    out = dict(changed=bool(steps) and res.get('state') == 'committed', steps=steps, changes=descs(steps),
               checks=res.get('checks') or [], confirm_or_revert=False)
    if res.get('transaction'):
        out['transaction'] = res['transaction']
    if res.get('state'):
        out['state'] = res['state']
    if module._diff:
        out['diff'] = dict(prepared=prepared(steps))
    if rc != 0:
        module.fail_json(msg=res.get('error') or one_line(log) or 'rewire run exited %d' % rc, rc=rc, stderr=log, **out)
    module.exit_json(**out)


def main():
    spec = dict(
        src=dict(type='path'),
        path=dict(type='path'),
        args=dict(type='list', elements='str', default=[]),
        allow=dict(type='list', elements='str', default=[], choices=['exec', 'files', 'net']),
        confirm=dict(type='str'),
        timeout=dict(type='str'),
        persist=dict(type='bool', default=False),
    )
    spec.update(COMMON_ARGS)
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True,
                           mutually_exclusive=[('src', 'path')], required_one_of=[('src', 'path')])
    rw = Rewire(module)
    path = recipe_path(module, rw) if not module.check_mode or module.params['path'] else module.params['src']
    if module.check_mode:
        check_mode(module, rw, path)
    apply(module, rw, path)


if __name__ == '__main__':
    main()

#!/usr/bin/python
# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: confirm
short_description: Keep a pending rewire transaction before the host reverts it
description:
  - Confirms a transaction that M(rewire.kvm.recipe) left pending
    (C(rewire confirm ID)), so its changes stay.
  - Run it over a new connection, after the C(reset_connection) meta task and
    M(ansible.builtin.wait_for_connection); that this task reaches the host at
    all is what proves the change left the host reachable. If the change cut
    the path, the confirm never arrives and the host's guardian rolls the
    change back at its deadline by itself.
  - A transaction that was already rolled back (not confirmed in time, or by
    M(rewire.kvm.rollback)) fails the task, which stops a rolling play at the
    first host that reverted. One already committed is left as it is.
version_added: "0.1.0"
author:
  - rewire developers
options:
  transaction:
    description: The transaction id (the recipe task's C(transaction)), or C(last) for the newest.
    type: str
    default: last
  wait:
    description: Seconds to wait for the run on the host to report its final result after the confirm.
    type: int
    default: 30
  state_dir:
    description: rewire's journal directory on the host.
    type: path
  libvirt_uri:
    description: Unused; accepted so that one set of module defaults fits every rewire.kvm module.
    type: str
  binary:
    description: The rewire binary on the host (default C(rewire) on C($PATH)).
    type: path
  work_dir:
    description: Where M(rewire.kvm.recipe) kept the pending run's output.
    type: path
    default: /run/rewire-ansible
seealso:
  - module: rewire.kvm.recipe
  - module: rewire.kvm.rollback
'''

EXAMPLES = r'''
- ansible.builtin.meta: reset_connection
- ansible.builtin.wait_for_connection:
    timeout: 45
- rewire.kvm.confirm:
    transaction: "{{ applied.transaction }}"
'''

RETURN = r'''
transaction:
  description: The transaction confirmed.
  returned: always
  type: str
state:
  description: Its state in the journal after the task (C(committed) when kept).
  returned: always
  type: str
steps:
  description: The journal's steps of the transaction.
  returned: always
  type: list
  elements: dict
changes:
  description: The numbered changes.
  returned: always
  type: list
  elements: str
checks:
  description: The recipe's checks and their results, from the run's final report.
  returned: when the run reported within I(wait)
  type: list
  elements: dict
'''

import json
import os
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.rewire.kvm.plugins.module_utils.rewire import COMMON_ARGS, Rewire, descs, one_line


def final_report(rw, tx_id, wait):
    """The JSON the pending run prints once it ends (it ends on the confirm)."""
    path = rw.output_path(tx_id)
    until = time.time() + wait
    while True:
        try:
            with open(path) as f:
                text = f.read()
            if text.endswith('\n'):
                return json.loads(text)
        except (IOError, OSError, ValueError):
            pass
        if time.time() > until:
            return None
        time.sleep(0.2)


def main():
    spec = dict(transaction=dict(type='str', default='last'), wait=dict(type='int', default=30))
    spec.update(COMMON_ARGS)
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    rw = Rewire(module)
    tx = rw.transaction(module.params['transaction'])
    tx_id, state = tx['id'], tx.get('state')
    steps = tx.get('steps') or []
    res = dict(transaction=tx_id, state=state, steps=steps, changes=descs(steps))
    if state == 'committed':
        module.exit_json(changed=False, msg='transaction %s is committed already' % tx_id, **res)
    if state != 'pending':
        module.fail_json(msg='transaction %s is %s: the host reverted it (not confirmed in time, or rolled back)' % (tx_id, state), **res)
    if module.check_mode:
        module.exit_json(changed=True, **res)
    rc, out, err = rw.run(['confirm'] + rw.target_flags(uri=False) + [tx_id])
    if rc != 0:
        module.fail_json(msg=one_line(err) or 'rewire confirm %s failed' % tx_id, rc=rc, **res)
    tx = rw.transaction(tx_id)
    res.update(state=tx.get('state'), steps=tx.get('steps') or [], changes=descs(tx.get('steps')))
    report = final_report(rw, tx_id, module.params['wait'])
    if report is not None:
        res['checks'] = report.get('checks') or []
        for p in (rw.output_path(tx_id), os.path.join(rw.work_dir, tx_id + '.log')):
            if os.path.exists(p):
                os.unlink(p)
    module.exit_json(changed=True, **res)


if __name__ == '__main__':
    main()

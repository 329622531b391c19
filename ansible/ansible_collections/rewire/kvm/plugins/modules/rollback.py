#!/usr/bin/python
# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: rollback
short_description: Undo a rewire transaction on a KVM host
description:
  - Undoes a transaction (C(rewire rollback ID)), a committed one step by step,
    refusing when the host drifted since (each object judged against the last
    change the transaction made to it) unless I(force); a pending one at once,
    through its guardian.
  - A transaction already rolled back is left as it is (not changed).
version_added: "0.1.0"
author:
  - rewire developers
options:
  transaction:
    description: The transaction id, or C(last) for the newest.
    type: str
    required: true
  force:
    description: Undo even if the host drifted since the transaction.
    type: bool
    default: false
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
    description: Unused by this module.
    type: path
    default: /run/rewire-ansible
seealso:
  - module: rewire.kvm.recipe
  - module: rewire.kvm.confirm
'''

EXAMPLES = r'''
- rewire.kvm.rollback:
    transaction: "{{ applied.transaction }}"
'''

RETURN = r'''
transaction:
  description: The transaction.
  returned: always
  type: str
state:
  description: Its state in the journal after the task (C(rolled-back) when undone).
  returned: always
  type: str
changes:
  description: The numbered changes it had made.
  returned: always
  type: list
  elements: str
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.rewire.kvm.plugins.module_utils.rewire import COMMON_ARGS, Rewire, descs, one_line


def main():
    spec = dict(transaction=dict(type='str', required=True), force=dict(type='bool', default=False))
    spec.update(COMMON_ARGS)
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    rw = Rewire(module)
    tx = rw.transaction(module.params['transaction'])
    tx_id = tx['id']
    res = dict(transaction=tx_id, state=tx.get('state'), changes=descs(tx.get('steps')))
    if tx.get('state') == 'rolled-back':
        module.exit_json(changed=False, **res)
    if module.check_mode:
        module.exit_json(changed=True, **res)
    cmd = ['rollback'] + rw.target_flags(uri=False)
    if module.params['force']:
        cmd.append('--force')
    rc, out, err = rw.run(cmd + [tx_id])
    if rc != 0:
        module.fail_json(msg=one_line(err) or 'rewire rollback %s failed' % tx_id, rc=rc, **res)
    res['state'] = rw.transaction(tx_id).get('state')
    module.exit_json(changed=True, **res)


if __name__ == '__main__':
    main()

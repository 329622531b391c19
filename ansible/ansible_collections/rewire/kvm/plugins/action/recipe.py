# -*- coding: utf-8 -*-
# The controller side of rewire.kvm.recipe: a recipe given as src is found
# on the controller (files/ of the playbook or role, as copy's src is) and
# transferred to the host; the module then runs it from there.
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible.errors import AnsibleError, AnsibleActionFail, AnsibleConnectionFailure
from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):

    TRANSFERS_FILES = True

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        args = self._task.args.copy()
        src = args.get('src')
        try:
            if src is not None:
                if args.get('path'):
                    raise AnsibleActionFail('recipe: give src (on the controller) or path (on the host), not both')
                try:
                    local = self._find_needle('files', src)
                except AnsibleError as e:
                    raise AnsibleActionFail('recipe: %s' % e)
                remote = self._connection._shell.join_path(self._connection._shell.tmpdir, os.path.basename(local))
                self._transfer_file(local, remote)
                self._fixup_perms2((self._connection._shell.tmpdir, remote))
                args['src'] = remote
            try:
                res = self._execute_module(module_name='rewire.kvm.recipe', module_args=args, task_vars=task_vars)
            except AnsibleConnectionFailure as e:
                res = dict(rc=255, msg=str(e))
            if res.get('rc') == 255 and 'transaction' not in res:
                # The module's answer never came back: the connection was
                # lost while the recipe ran, most likely cut by the change.
                # Unreachable, not failed, so that a play can go on to wait
                # for a new connection (ignore_unreachable) and confirm.
                res = dict(unreachable=True, changed=False,
                           msg='the connection was lost while the recipe ran (%s); if the change cut it, no confirm '
                               'arrives and the host rolls it back by itself at its deadline' % res.get('msg', '').strip())
            result.update(res)
        except AnsibleActionFail as e:
            result.update(e.result)
        finally:
            try:
                self._remove_tmp_path(self._connection._shell.tmpdir)
            except AnsibleConnectionFailure:
                # A host cut off keeps Ansible's temporary directory; forget
                # it, or the task's cleanup tries again and fails the task.
                self._connection._shell.tmpdir = None
        return result

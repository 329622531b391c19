# -*- coding: utf-8 -*-
# Records every task result as one JSON line in $REWIRE_ANSIBLE_RECORD, so
# the playbook tests assert on what Ansible itself reported.
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'record'
    CALLBACK_NEEDS_ENABLED = True

    def _write(self, status, result):
        line = dict(time=time.time(), status=status, host=result._host.get_name(),
                    task=result._task.get_name(), result=result._result)
        with open(os.environ['REWIRE_ANSIBLE_RECORD'], 'a') as f:
            f.write(json.dumps(line, default=str) + '\n')

    def v2_runner_on_ok(self, result):
        self._write('ok', result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._write('failed', result)

    def v2_runner_on_unreachable(self, result):
        self._write('unreachable', result)

    def v2_runner_on_skipped(self, result):
        self._write('skipped', result)

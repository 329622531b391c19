#!/usr/bin/env python3
"""Playbook tests of the rewire.kvm collection with real ansible-core over
real SSH: the controller runs here, the target is the lab host
(`rewire lab up`), reached at 10.0.0.111 from inside the lab's LAN
namespace (ssh's ProxyCommand runs `busybox nc` there); an sshd of the
test's own runs inside the lab host's namespace. Nothing of this machine's
network is touched. Run under flock /tmp/rewire-lab.lock (make test-ansible).

Four runs of examples/rolling.yml, the example playbook itself:
  check mode shows the plan and changes nothing; apply + confirm keeps it
  (then rewire.kvm.rollback undoes it); a recipe that cuts SSH is never
  confirmed and the host is back as it was within the deadline (the play
  stops at that host); a bad recipe fails with rewire's one line and leaves
  the host as it was.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BIN = os.environ.get('REWIRE_BIN', os.path.join(ROOT, 'bin', 'rewire'))
PLAYBOOK = os.path.join(ROOT, 'ansible', 'examples', 'rolling.yml')
LAB, LAN, HOST = 'rewire-lab', 'rewire-lan', '10.0.0.111'
CONFIRM = 20      # seconds a change waits for its confirm in these runs
RECONNECT = 8     # wait_for_connection's timeout: shorter than CONFIRM
failures = []


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, **kw)


def expect(ok, what):
    print(('  ok: ' if ok else '  FAIL: ') + what)
    if not ok:
        failures.append(what)
    return ok


def snapshot():
    """The lab host's links (not the bridges' STP timers, which run by themselves), addresses, routes of every table, firewall and the sysctl the cut recipe sets."""
    parts = []
    for cmd in (['ip', '-n', LAB, '-o', 'link', 'show'], ['ip', '-n', LAB, '-o', 'addr', 'show'],
                ['ip', '-n', LAB, 'route', 'show', 'table', 'all'],
                ['ip', 'netns', 'exec', LAB, 'iptables-save'],
                ['ip', 'netns', 'exec', LAB, 'sysctl', '-n', 'net.ipv4.conf.eth0.promote_secondaries']):
        out = run(cmd).stdout
        lines = [l for l in out.splitlines() if not l.startswith('#')]
        if 'iptables-save' in cmd:  # packet counters move on their own
            lines = [l.split(' [')[0] if l.startswith(':') else l for l in lines]
        parts.append('\n'.join(lines))
    return '\n'.join(parts)


def same_host(before, what):
    """Expects the lab host's snapshot to equal before, showing the difference if not."""
    now = snapshot()
    if not expect(now == before, what):
        import difflib
        print('\n'.join(difflib.unified_diff(before.splitlines(), now.splitlines(), 'before', 'after', lineterm='')))


def journal(state_dir, since=()):
    """The transactions in state_dir, but those whose ids are in since."""
    out = run([BIN, 'journal', 'list', '--json', '--state-dir', state_dir]).stdout
    return [t for t in ((json.loads(out) if out.strip() else None) or []) if t['id'] not in since]


def known_ids(fx):
    """The ids journaled so far, on both inventory names."""
    return set(t['id'] for h in ('lab1', 'lab2') for t in journal(os.path.join(fx.dir, 'state-' + h)))


def stamp(iso):
    """An RFC 3339 time from the journal (nanoseconds, Z) as a Unix time."""
    import datetime
    day, _, frac = iso.rstrip('Z').partition('.')
    return datetime.datetime.fromisoformat(day + '.' + (frac + '000000')[:6] + '+00:00').timestamp()


class Fixture(object):
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix='rewire-ansible-test-')
        self.sshd = None

    def up(self):
        if json.loads(run([BIN, 'lab', 'status', '--json']).stdout or '{}').get('up'):
            print('SKIP: a lab is already up (not this test\'s to use or remove)')
            sys.exit(0)
        r = run([BIN, 'lab', 'up'])
        if r.returncode != 0:
            sys.exit('rewire lab up failed:\n' + r.stdout)
        self.uri = json.loads(run([BIN, 'lab', 'status', '--json']).stdout)['libvirt_uri']
        self.settle()
        self.start_sshd()
        self.write_config()

    def settle(self):
        """Waits (bounded) until the freshly booted lab stops changing by
        itself: the guests' taps up, virbr0 with carrier."""
        last, steady = None, 0
        for _ in range(120):
            now = snapshot()
            steady = steady + 1 if now == last else 0
            if steady >= 4 and 'virbr0: <BROADCAST,MULTICAST,UP,LOWER_UP>' in now:
                return
            last = now
            time.sleep(0.5)
        print('  note: the lab did not settle within 60s')

    def start_sshd(self):
        d = self.dir
        for k in ('hostkey', 'userkey'):
            subprocess.check_call(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', os.path.join(d, k)])
        shutil.copy(os.path.join(d, 'userkey.pub'), os.path.join(d, 'authorized_keys'))
        with open(os.path.join(d, 'sshd_config'), 'w') as f:
            f.write('Port 22\nListenAddress %s\nHostKey %s/hostkey\nAuthorizedKeysFile %s/authorized_keys\n'
                    'PidFile %s/sshd.pid\nStrictModes no\nUsePAM no\nPasswordAuthentication no\n'
                    'KbdInteractiveAuthentication no\nPermitRootLogin yes\nSubsystem sftp /usr/lib/openssh/sftp-server\n' % (HOST, d, d, d))
        os.makedirs('/run/sshd', exist_ok=True)
        self.sshd_log = open(os.path.join(d, 'sshd.log'), 'w')
        self.sshd = subprocess.Popen(['ip', 'netns', 'exec', LAB, '/usr/sbin/sshd', '-D', '-e', '-f',
                                      os.path.join(d, 'sshd_config')], stdout=self.sshd_log, stderr=self.sshd_log)
        for _ in range(100):
            if self.login_works():
                return
            time.sleep(0.1)
        sys.exit('sshd in the lab host never accepted a login')

    def ssh(self, remote, timeout=5):
        return run(['ip', 'netns', 'exec', LAN, 'ssh', '-i', os.path.join(self.dir, 'userkey'), '-o', 'BatchMode=yes',
                    '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR',
                    '-o', 'ConnectTimeout=%d' % timeout, 'root@' + HOST, remote])

    def login_works(self):
        r = self.ssh('echo ready', timeout=2)
        return r.returncode == 0 and r.stdout.strip() == 'ready'

    def write_config(self):
        d = self.dir
        with open(os.path.join(d, 'ansible.cfg'), 'w') as f:
            f.write('[defaults]\ncollections_path = %s\ncallback_plugins = %s\ncallbacks_enabled = record\n'
                    'host_key_checking = False\nretry_files_enabled = False\ninterpreter_python = /usr/bin/python3\n'
                    '[ssh_connection]\ncontrol_path_dir = %s/cp\n'
                    'ssh_args = -o ControlMaster=auto -o ControlPersist=60s -o ServerAliveInterval=1 -o ServerAliveCountMax=3 -o ConnectTimeout=3\n'
                    % (os.path.join(ROOT, 'ansible'), os.path.join(HERE, 'callback_plugins'), d))
        # Two inventory names for the lab host, each with a journal of its
        # own: serial: 1 rolls through them, and must stop at the first
        # that reverted.
        proxy = '-o ProxyCommand="ip netns exec %s busybox nc %%h %%p" -o UserKnownHostsFile=/dev/null' % LAN
        with open(os.path.join(d, 'inventory'), 'w') as f:
            f.write('[kvm]\n')
            for name in ('lab1', 'lab2'):
                os.makedirs(os.path.join(d, 'state-' + name), mode=0o700)
                f.write("%s ansible_host=%s ansible_user=root ansible_ssh_private_key_file=%s/userkey "
                        "ansible_ssh_common_args='%s' rewire_binary=%s rewire_state_dir=%s/state-%s "
                        "rewire_libvirt_uri='%s' rewire_work_dir=%s/work-%s recipe_args='[\"br%s\"]'\n"
                        % (name, HOST, d, proxy, BIN, d, name, self.uri, d, name, name))

    def playbook(self, name, extra, *flags):
        """Runs the example playbook; returns (rc, output, recorded task results)."""
        record = os.path.join(self.dir, name + '.jsonl')
        env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(self.dir, 'ansible.cfg'), REWIRE_ANSIBLE_RECORD=record,
                   ANSIBLE_NOCOLOR='1', ANSIBLE_FORCE_COLOR='0')
        cmd = ['ansible-playbook', '-i', os.path.join(self.dir, 'inventory'), PLAYBOOK,
               '-e', json.dumps(dict(extra, confirm='%ds' % CONFIRM, reconnect_timeout=RECONNECT))] + list(flags)
        r = run(cmd, env=env, cwd=self.dir)
        results = []
        if os.path.exists(record):
            with open(record) as f:
                results = [json.loads(l) for l in f]
        print('---- ansible-playbook %s (rc %d)\n%s' % (' '.join(flags) or '', r.returncode, r.stdout.rstrip()))
        return r.returncode, r.stdout, results

    def down(self):
        if self.sshd:
            self.sshd.terminate()
            self.sshd.wait()
        run([BIN, 'lab', 'down'])
        shutil.rmtree(self.dir, ignore_errors=True)


def task(results, host, name):
    """The recorded result of the task on host whose name starts with name, or None."""
    for r in results:
        if r['host'] == host and r['task'].startswith(name):
            return r
    return None


def test_check_mode(fx):
    print('== check mode: the plan, nothing changed')
    before = snapshot()
    rc, out, res = fx.playbook('check', dict(recipe=os.path.join(HERE, 'recipes', 'bridge.lua')), '--check', '--diff')
    expect(rc == 0, 'ansible-playbook --check --diff succeeds')
    for host in ('lab1', 'lab2'):
        t = task(res, host, 'Apply the recipe')
        r = t['result'] if t else {}
        expect(t and t['status'] == 'ok' and r.get('changed'), '%s: the recipe task reports changed' % host)
        expect('create bridge br%s' % host in r.get('diff', [{}])[0].get('prepared', '')
               if isinstance(r.get('diff'), list) else 'create bridge br%s' % host in (r.get('diff') or {}).get('prepared', ''),
               '%s: the diff is the plan\'s numbered change "create bridge br%s"' % (host, host))
        expect(r.get('plan', {}).get('guard', {}).get('confirm_or_revert') is True,
               '%s: the plan says confirm-or-revert would be armed (--confirm)' % host)
        expect(not journal(os.path.join(fx.dir, 'state-' + host)), '%s: no transaction journaled' % host)
        c = task(res, host, 'Keep the change')
        expect(c and c['status'] == 'skipped', '%s: no confirm in check mode' % host)
    expect('+  1  create bridge brlab1' in out or 'create bridge brlab1' in out, 'the diff is shown by --diff')
    same_host(before, 'the lab host is exactly as it was')


def test_apply_confirm(fx):
    print('== apply + confirm keeps it; rollback undoes it')
    before, seen = snapshot(), known_ids(fx)
    rc, out, res = fx.playbook('apply', dict(recipe=os.path.join(HERE, 'recipes', 'bridge.lua')))
    expect(rc == 0, 'ansible-playbook succeeds')
    ids = {}
    for host in ('lab1', 'lab2'):
        a = task(res, host, 'Apply the recipe')
        r = a['result'] if a else {}
        expect(a and a['status'] == 'ok' and r.get('changed') and r.get('state') == 'pending' and r.get('transaction'),
               '%s: applied, pending, transaction %s' % (host, r.get('transaction')))
        expect(r.get('changes') == ['1 create bridge br%s stp off forward_delay 0' % host] or
               (r.get('changes') or [''])[0].startswith('1 create bridge br%s' % host), '%s: its changes: %s' % (host, r.get('changes')))
        c = task(res, host, 'Keep the change')
        cr = c['result'] if c else {}
        expect(c and c['status'] == 'ok' and cr.get('changed') and cr.get('state') == 'committed',
               '%s: confirmed over a new connection: %s' % (host, cr.get('state')))
        expect('checks' in cr, '%s: the confirm returns the run\'s checks: %s' % (host, cr.get('checks')))
        j = journal(os.path.join(fx.dir, 'state-' + host), seen)
        expect(len(j) == 1 and j[0]['state'] == 'committed', '%s: journal: committed' % host)
        expect(run(['ip', '-n', LAB, 'link', 'show', 'br' + host]).returncode == 0, '%s: br%s is on the lab host' % (host, host))
        ids[host] = r.get('transaction')
    # rewire.kvm.rollback, ad hoc, twice: the second changes nothing.
    for attempt in (1, 2):
        for host in ('lab1', 'lab2'):
            env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(fx.dir, 'ansible.cfg'),
                       REWIRE_ANSIBLE_RECORD=os.path.join(fx.dir, 'rollback.jsonl'))
            r = run(['ansible', host, '-i', os.path.join(fx.dir, 'inventory'), '-m', 'rewire.kvm.rollback', '-a',
                     json.dumps(dict(transaction=ids[host], binary=BIN, state_dir=os.path.join(fx.dir, 'state-' + host)))], env=env)
            print(r.stdout.rstrip())
            want = 'CHANGED' if attempt == 1 else 'SUCCESS'
            expect(r.returncode == 0 and ('%s | %s' % (host, want)) in r.stdout and '"state": "rolled-back"' in r.stdout,
                   '%s: rewire.kvm.rollback %s (%s)' % (host, 'undoes it' if attempt == 1 else 'again: unchanged', want))
    same_host(before, 'after the rollbacks the lab host is exactly as it was')


def test_cut_reverts(fx):
    print('== a recipe that cuts SSH: never confirmed, the host reverts by itself')
    before, seen = snapshot(), known_ids(fx)
    start = time.time()
    rc, out, res = fx.playbook('cut', dict(recipe=os.path.join(HERE, 'recipes', 'cut.lua')))
    ended = time.time()
    expect(rc != 0, 'ansible-playbook fails')
    a = task(res, 'lab1', 'Apply the recipe')
    expect(a and a['status'] == 'unreachable', 'lab1: the recipe task: %s: %s' % (a and a['status'], a and a['result'].get('msg')))
    w = task(res, 'lab1', 'A new connection')
    # The play ends there: the wait fails to connect, or (the dead
    # multiplexed connection failing reset_connection) never runs.
    expect(w is None or w['status'] == 'failed', 'lab1: no new connection: wait_for_connection %s' %
           (w and 'failed: %s' % w['result'].get('msg') or 'never ran'))
    c = task(res, 'lab1', 'Keep the change')
    expect(c is None, 'lab1: no confirm reached the host')
    expect(not [r for r in res if r['host'] == 'lab2'], 'lab2: untouched, the play stopped at lab1')
    expect(not journal(os.path.join(fx.dir, 'state-lab2'), seen), 'lab2: no transaction journaled')
    # The host reverts at its deadline; bounded wait for a new login and the old state.
    back = None
    while time.time() < start + CONFIRM + 60:
        if fx.login_works() and snapshot() == before:
            back = time.time()
            break
        time.sleep(0.25)
    j = journal(os.path.join(fx.dir, 'state-lab1'), seen)
    if j:  # a late confirm finds it reverted: the task fails, naming it
        env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(fx.dir, 'ansible.cfg'),
                   REWIRE_ANSIBLE_RECORD=os.path.join(fx.dir, 'late.jsonl'))
        r = run(['ansible', 'lab1', '-i', os.path.join(fx.dir, 'inventory'), '-m', 'rewire.kvm.confirm', '-a',
                 json.dumps(dict(transaction=j[0]['id'], binary=BIN, state_dir=os.path.join(fx.dir, 'state-lab1')))], env=env)
        print(r.stdout.rstrip())
        expect(r.returncode != 0 and 'lab1 | FAILED' in r.stdout and 'the host reverted it' in r.stdout,
               'lab1: a late rewire.kvm.confirm fails: the host reverted it')
    expect(back is not None, 'the lab host answers a new login and is exactly as it was')
    expect(len(j) == 1 and j[0]['state'] == 'rolled-back', 'lab1: journal: %s' % [t['state'] for t in j])
    if back and j:
        made = stamp(j[0]['started'])
        print('  figure: the cutting change began %.1fs into the playbook; the playbook gave up %.1fs after it; '
              'the host answered a new login, exactly as before, %.1fs after the change (confirm deadline %ds)' %
              (made - start, ended - made, back - made, CONFIRM))


def test_bad_recipe(fx):
    print('== a bad recipe: failed with rewire\'s one line, host unchanged')
    before, seen = snapshot(), known_ids(fx)
    rc, out, res = fx.playbook('bad', dict(recipe=os.path.join(HERE, 'recipes', 'bad.lua')))
    expect(rc != 0, 'ansible-playbook fails')
    a = task(res, 'lab1', 'Apply the recipe')
    msg = a['result'].get('msg', '') if a else ''
    expect(a and a['status'] == 'failed' and 'nosuchdev0' in msg and '\n' not in msg, 'lab1: failed: %s' % msg)
    expect(a and a['result'].get('state') == 'rolled-back', 'lab1: the transaction rolled back')
    expect(not [r for r in res if r['host'] == 'lab2'], 'lab2: untouched, the play stopped at lab1')
    expect(not journal(os.path.join(fx.dir, 'state-lab2'), seen), 'lab2: no transaction journaled')
    same_host(before, 'the lab host is exactly as it was')


def test_docs():
    print('== ansible-doc shows every module')
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, 'ansible'))
    for m in ('recipe', 'confirm', 'rollback'):
        r = run(['ansible-doc', 'rewire.kvm.' + m], env=env)
        expect(r.returncode == 0 and 'OPTIONS' in r.stdout and 'EXAMPLES' in r.stdout and 'RETURN VALUES' in r.stdout,
               'ansible-doc rewire.kvm.%s' % m)


def main():
    if not os.access(BIN, os.X_OK):
        sys.exit('no %s (make build)' % BIN)
    test_docs()
    fx = Fixture()
    try:
        fx.up()
        only = sys.argv[1:]
        for t in (test_check_mode, test_apply_confirm, test_cut_reverts, test_bad_recipe):
            if not only or t.__name__ in only:
                t(fx)
    finally:
        if failures and fx.sshd:
            with open(os.path.join(fx.dir, 'sshd.log')) as f:
                print('---- sshd log\n' + f.read())
        fx.down()
    if failures:
        print('%d FAILED:\n  %s' % (len(failures), '\n  '.join(failures)))
        sys.exit(1)
    print('test-ansible: ok')


if __name__ == '__main__':
    main()

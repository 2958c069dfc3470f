import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstMatch } from '../../src/rules/match.js';
import { parseRules, type Rule } from '../../src/rules/parse.js';
import { appendRuleText, checkedAppend, chooseMatcher, escapeRegExp, proposeRule, RULES_HEADER, serviceOf, tomlString, uniqueName } from '../../src/rules/save.js';

const WHEN = new Date('2026-12-01T23:00:00Z');

function rulesOf(text: string): Rule[] {
  const r = parseRules(text);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.rules;
}

describe('tomlString and escapeRegExp', () => {
  it('escapes what TOML basic strings forbid raw', () => {
    expect(tomlString('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(tomlString('x\ny\tz\u001b[31m\u007f')).toBe('"x\\ny\\tz\\u001B[31m\\u007F"');
    expect(tomlString('é ✓')).toBe('"é ✓"');
  });

  it('any string goes through TOML and back unchanged', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const r = parseRules(`[[rule]]\nname = ${tomlString(`n${s}`)}\ncomm = "x"\nadj = 1\n`);
        expect(r.ok).toBe(true);
        if (r.ok) expect(r.rules[0]!.name).toBe(`n${s}`);
      }),
    );
  });

  it('an escaped, anchored regex matches exactly its text', () => {
    expect(escapeRegExp('a.b*(c)[d]{2}|e+f?^$\\')).toBe('a\\.b\\*\\(c\\)\\[d\\]\\{2\\}\\|e\\+f\\?\\^\\$\\\\');
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (s, other) => {
        const re = new RegExp(`^${escapeRegExp(s)}$`);
        expect(re.test(s)).toBe(true);
        if (other !== s) expect(re.test(other)).toBe(false);
      }),
    );
  });
});

describe('chooseMatcher', () => {
  const t = { pid: 10, comm: 'worker', cmdline: 'worker --queue a', adj: 300 };
  it('matches on comm when no other running process has it', () => {
    expect(chooseMatcher(t, ['bash', 'worker', 'sshd'])).toEqual({ matcher: 'comm', sameComm: 1 });
  });
  it('matches on the command line when several running processes share the comm', () => {
    expect(chooseMatcher(t, ['worker', 'bash', 'worker'])).toEqual({ matcher: 'cmdline', sameComm: 2 });
  });
  it('keeps comm when the process has no command line to tell it apart', () => {
    expect(chooseMatcher({ ...t, cmdline: '' }, ['worker', 'worker']).matcher).toBe('comm');
    expect(chooseMatcher({ ...t, cmdline: null }, ['worker', 'worker']).matcher).toBe('comm');
  });
});

describe('proposeRule', () => {
  it('writes a comm rule that parses back and matches the process', () => {
    const p = proposeRule({ pid: 42, comm: 'bar.d', cmdline: '/usr/bin/bar.d -x', adj: 500 }, ['bar.d', 'bash'], [], WHEN);
    expect(p.text).toBe(
      '# Saved by the oomtop TUI on 2026-12-01T23:00:00.000Z from PID 42 (bar.d).\n[[rule]]\nname = "bar.d adj 500"\ncomm = "^bar\\\\.d$"\nadj = 500\n',
    );
    const [rule] = rulesOf(p.text);
    expect(rule!.comm!.test('bar.d')).toBe(true);
    expect(rule!.comm!.test('barxd')).toBe(false);
    expect(rule!.adj).toBe(500);
  });

  it('writes a cmdline rule when the comm is shared, matching this command line only', () => {
    const target = { pid: 7, comm: 'python3', cmdline: 'python3 /srv/app (1).py --port=80', adj: -100 };
    const p = proposeRule(target, ['python3', 'python3', 'sh'], [], WHEN);
    expect(p.matcher).toBe('cmdline');
    expect(p.text).toContain('2 running processes share the comm');
    const rules = rulesOf(p.text);
    expect(firstMatch(rules, { pid: 7, comm: 'python3', cmdline: target.cmdline })?.name).toBe('python3 adj -100');
    expect(firstMatch(rules, { pid: 8, comm: 'python3', cmdline: 'python3 /srv/other.py' })).toBeNull();
    expect(firstMatch(rules, { pid: 9, comm: 'python3', cmdline: `${target.cmdline} --more` })).toBeNull();
  });

  it('a hostile comm (escape sequence, newline, quotes) stays one comment line and a valid rule', () => {
    const comm = 'x\u001b[2J\n[[rule]]"';
    const p = proposeRule({ pid: 3, comm, cmdline: null, adj: 10 }, [comm], [], WHEN);
    const lines = p.text.split('\n');
    expect(lines[0]).toMatch(/^# Saved by .*\(x\?\[2J\?\[\[rule\]\]"\)\.$/);
    const rules = rulesOf(p.text);
    expect(rules).toHaveLength(1);
    expect(rules[0]!.comm!.test(comm)).toBe(true);
  });

  it('names the rule apart from the rules the file has', () => {
    expect(uniqueName('a adj 1', new Set(['a adj 1', 'a adj 1 (2)']))).toBe('a adj 1 (3)');
    const existing = rulesOf('[[rule]]\nname = "sleep adj 100"\ncomm = "x"\nadj = 1\n');
    expect(proposeRule({ pid: 1, comm: 'sleep', cmdline: 'sleep 9', adj: 100 }, ['sleep'], existing, WHEN).name).toBe('sleep adj 100 (2)');
  });
});

describe('appending to a file', () => {
  const block = proposeRule({ pid: 5, comm: 'job', cmdline: 'job', adj: 700 }, ['job'], [], WHEN);

  it('a missing or empty file gets the header comment first', () => {
    const text = appendRuleText(null, block.text);
    expect(text.startsWith(RULES_HEADER)).toBe(true);
    expect(rulesOf(text).map((r) => r.name)).toEqual(['job adj 700']);
    expect(appendRuleText('', block.text)).toBe(text);
  });

  it('keeps the text of the file, comments and order, and adds the rule last', () => {
    const old = '# my comment\n[[rule]]\nname = "first"\ncomm = "^a$" # inline\nadj = 1\n# trailing comment';
    const r = checkedAppend(old, block);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.text.startsWith(`${old}\n\n`)).toBe(true);
    expect(r.rules.map((x) => x.name)).toEqual(['first', 'job adj 700']);
    // Already blank-line terminated: no extra blank line.
    expect(appendRuleText('a = 1\n\n', 'B')).toBe('a = 1\n\nB');
    expect(appendRuleText('a = 1\n', 'B')).toBe('a = 1\n\nB');
  });

  it('refuses to append to a file that does not parse, saying where', () => {
    const r = checkedAppend('[[rule]]\nname = "x"\nadj = 5000\ncomm = "a"\n', block);
    expect(r).toEqual({ ok: false, message: expect.stringMatching(/^the file would not parse: line 3: .*out of range/) });
  });

  it('refuses when the new rule would not be the one written (an open multi-line string swallows it)', () => {
    const r = checkedAppend('x = """\nopen', block);
    expect(r.ok).toBe(false);
  });
});

describe('serviceOf', () => {
  it('reads the unit from the unified line (cgroup v2, systemd)', () => {
    expect(serviceOf('0::/system.slice/nginx.service\n')).toBe('nginx.service');
    expect(serviceOf('0::/system.slice/getty.slice/getty@tty1.service\n')).toBe('getty@tty1.service');
  });
  it('reads the v1 name=systemd line when the unified one says nothing', () => {
    expect(serviceOf('12:memory:/system.slice/cron.service\n1:name=systemd:/system.slice/cron.service\n0::/\n')).toBe('cron.service');
  });
  it('is null outside a service: a scope, a user session, no systemd', () => {
    expect(serviceOf('0::/user.slice/user-0.slice/session-3.scope\n')).toBeNull();
    expect(serviceOf('0::/user.slice/user-1000.slice/user@1000.service/app.slice/x.scope\n')).toBeNull();
    expect(serviceOf('0::/system.slice/docker-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope\n')).toBeNull();
    expect(serviceOf('11:memory:/oomtop-test\n0::/\n')).toBeNull();
    expect(serviceOf('')).toBeNull();
  });
});

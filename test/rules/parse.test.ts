import { describe, expect, it } from 'vitest';
import { firstMatch, matchRule, unitOf, type ProcessFacts } from '../../src/rules/match.js';
import { formatProblems, globToRegExp, locate, parseRules, type Rule } from '../../src/rules/parse.js';

const ISSUE_EXAMPLE = `[[rule]]
name = "batch jobs go first"
comm = "^bar_rule_target$"
adj = 700

[[rule]]
name = "keep the database"
cmdline = "postgres: .*checkpointer"
adj = -900
`;

function ok(text: string): Rule[] {
  const r = parseRules(text);
  if (!r.ok) throw new Error(formatProblems('t.toml', r.problems).join('\n'));
  return r.rules;
}
function problems(text: string): string[] {
  const r = parseRules(text);
  expect(r.ok).toBe(false);
  return r.ok ? [] : formatProblems('/etc/oomtop/rules.toml', r.problems);
}

describe('parseRules', () => {
  it('reads the example of issue 14 as written', () => {
    const rules = ok(ISSUE_EXAMPLE);
    expect(rules.map((r) => [r.name, r.line, r.adj, r.written])).toEqual([
      ['batch jobs go first', 1, 700, [['comm', '^bar_rule_target$']]],
      ['keep the database', 6, -900, [['cmdline', 'postgres: .*checkpointer']]],
    ]);
  });

  it('an empty file (or only comments) is no rules', () => {
    expect(ok('')).toEqual([]);
    expect(ok('# nothing yet\n')).toEqual([]);
  });

  it('every matcher, and user as a number', () => {
    const [r] = ok(`[[rule]]
name = "all"
comm = "^a"
cmdline = "b"
exe = "/usr/**/bin/x*"
user = 1000
cgroup = "^/system.slice"
unit = "nginx"
container = "web"
adj = 0
`);
    expect(r!.user).toBe('1000');
    expect(r!.unit).toBe('nginx.service');
    expect(r!.container).toBe('web');
    expect(r!.exe!.re.test('/usr/local/bin/xterm')).toBe(true);
  });

  it('bad files: each problem with its line', () => {
    const text = `# comment
top = 1

[[rule]]
name = "a"
comm = "("
adj = 1001

[[rule]]
name = "a"
colour = "red"
adj = -5

[[rule]]
name = "no matcher"
adj = 5

[[rule]]
comm = "x"
adj = 1.5

[[rule]]
name = "wrong types"
cmdline = 7
adj = "high"
exe = "/bin/[x"
`;
    expect(problems(text)).toEqual([
      '/etc/oomtop/rules.toml:2: unknown key "top" (the file holds [[rule]] tables only)',
      expect.stringMatching(/^\/etc\/oomtop\/rules\.toml:6: rule "a": comm is not a valid regular expression: /),
      '/etc/oomtop/rules.toml:7: rule "a": adj 1001 is out of range (-1000..1000)',
      '/etc/oomtop/rules.toml:10: rule "a": duplicate name (first used at line 5)',
      '/etc/oomtop/rules.toml:11: rule "a": unknown key "colour" (known: name, comm, cmdline, exe, user, cgroup, unit, container, adj)',
      '/etc/oomtop/rules.toml:14: rule "no matcher": has no matcher (comm, cmdline, exe, user, cgroup, unit, container): it would match every process',
      '/etc/oomtop/rules.toml:18: rule 4: needs a name (a non-empty string)',
      '/etc/oomtop/rules.toml:20: rule 4: adj 1.5 is not a whole number',
      '/etc/oomtop/rules.toml:24: rule "wrong types": cmdline is a number, not a string',
      '/etc/oomtop/rules.toml:25: rule "wrong types": adj is a string, not a whole number',
      '/etc/oomtop/rules.toml:26: rule "wrong types": exe is not a valid glob: unclosed "[" in the glob',
    ]);
  });

  it('a matcher longer than 4096 characters is a problem of its line, not seconds of regex compiling (npm run fuzz)', () => {
    const r = parseRules(`[[rule]]\nname = "g"\nexe = "${')'.repeat(70_000)}"\nadj = 1\n`);
    expect(r).toEqual({ ok: false, problems: [{ line: 3, message: 'rule "g": exe is 70000 characters long (at most 4096)' }] });
  });

  it('a TOML syntax error: its line from smol-toml', () => {
    expect(problems('[[rule]]\nname = "x"\nadj = \n')).toEqual(['/etc/oomtop/rules.toml:3: not valid TOML: invalid value']);
    expect(problems('[[rule]]\nname = "x"\nname = "y"\n')[0]).toMatch(/^\/etc\/oomtop\/rules\.toml:3: not valid TOML: /);
  });

  it('[rule] instead of [[rule]], a missing adj', () => {
    expect(problems('\n[rule]\nname = "x"\ncomm = "y"\nadj = 1\n')).toEqual(['/etc/oomtop/rules.toml:2: write each rule as [[rule]] (an array of tables), not [rule]']);
    expect(problems('[[rule]]\nname = "x"\ncomm = "y"\n')).toEqual(['/etc/oomtop/rules.toml:1: rule "x": needs adj (a whole number from -1000 to 1000)']);
  });

  it('lines stay right past multi-line strings, quoted keys and inline tables', () => {
    const text = `[[rule]]
name = """
not = a key
"""
"comm" = 'x'
adj = 1
[[rule]]
name = 'b'
comm = "y"
bad = { a = 1 }
adj = 2
`;
    expect(locate(text).rules.map((r) => [r.line, [...r.keys]])).toEqual([
      [1, [['name', 2], ['comm', 5], ['adj', 6]]],
      [7, [['name', 8], ['comm', 9], ['bad', 10], ['adj', 11]]],
    ]);
    expect(problems(text)).toEqual([expect.stringMatching(/^\/etc\/oomtop\/rules\.toml:10: rule "b": unknown key "bad"/)]);
  });

  it('hostile names stay sanitized in messages', () => {
    const text = `[[rule]]
name = "evil\\u001b[2J\\nline"
"\\u001b]0;x\\u0007" = 1
comm = "x"
adj = 1
`;
    const [p] = problems(text);
    expect(p).toBe('/etc/oomtop/rules.toml:3: rule "evil\\x1b[2J\\nline": unknown key "\\x1b]0;x\\x07" (known: name, comm, cmdline, exe, user, cgroup, unit, container, adj)');
    expect(p).not.toMatch(/[\u0000-\u001f]/);
    expect(formatProblems('/tmp/a\nb.toml', [{ line: 1, message: 'm' }])).toEqual(['/tmp/a\\nb.toml:1: m']);
  });
});

describe('globToRegExp', () => {
  it('* and ? within a segment, ** across, classes', () => {
    expect(globToRegExp('/usr/bin/*').test('/usr/bin/python3')).toBe(true);
    expect(globToRegExp('/usr/bin/*').test('/usr/bin/x/y')).toBe(false);
    expect(globToRegExp('/opt/**/java').test('/opt/jdk/17/bin/java')).toBe(true);
    expect(globToRegExp('/bin/?s').test('/bin/ls')).toBe(true);
    expect(globToRegExp('/bin/[!l]s').test('/bin/ls')).toBe(false);
    expect(globToRegExp('/a.b+(c)').test('/a.b+(c)')).toBe(true);
    expect(globToRegExp('/a.b').test('/axb')).toBe(false);
  });
});

describe('matchRule / firstMatch', () => {
  const rules = ok(`${ISSUE_EXAMPLE}
[[rule]]
name = "web in its unit"
unit = "nginx.service"
user = "www-data"
adj = -100

[[rule]]
name = "container"
container = "0123456789ab"
adj = 300

[[rule]]
name = "by name"
container = "redis"
exe = "/usr/**"
adj = 200
`);
  const f = (over: Partial<ProcessFacts>): ProcessFacts => ({ pid: 10, comm: 'x', ...over });

  it('the example: comm anchored, cmdline searched', () => {
    expect(firstMatch(rules, f({ comm: 'bar_rule_target' }))?.name).toBe('batch jobs go first');
    expect(firstMatch(rules, f({ comm: 'bar_rule_target2' }))).toBeNull();
    expect(firstMatch(rules, f({ comm: 'postgres', cmdline: 'postgres: 16/main: checkpointer ' }))?.name).toBe('keep the database');
  });

  it('first match wins', () => {
    const both = ok('[[rule]]\nname = "one"\ncomm = "a"\nadj = 1\n[[rule]]\nname = "two"\ncomm = "ab"\nadj = 2\n');
    expect(firstMatch(both, f({ comm: 'ab' }))?.name).toBe('one');
  });

  it('all matchers must hold; an unknown fact never matches', () => {
    const web = rules[2]!;
    expect(matchRule(web, f({ cgroup: '/system.slice/nginx.service', user: 'www-data', uid: 33 }))).toBe(true);
    expect(matchRule(web, f({ cgroup: '/system.slice/nginx.service', user: 'root', uid: 0 }))).toBe(false);
    expect(matchRule(web, f({ cgroup: null, user: 'www-data' }))).toBe(false);
    expect(matchRule(web, f({ user: 'www-data' }))).toBe(false);
    expect(matchRule(rules[1]!, f({ comm: 'postgres' }))).toBe(false);
  });

  it('containers by id prefix or name', () => {
    const id = '0123456789ab'.padEnd(64, 'c');
    expect(firstMatch(rules, f({ container: { id, name: null } }))?.name).toBe('container');
    expect(firstMatch(rules, f({ container: { id: 'f'.repeat(64), name: 'redis' }, exe: '/usr/bin/redis-server' }))?.name).toBe('by name');
    expect(firstMatch(rules, f({ container: { id: 'f'.repeat(64), name: 'redis' }, exe: null }))).toBeNull();
    expect(firstMatch(rules, f({ container: null }))).toBeNull();
  });

  it('user by uid', () => {
    const [r] = ok('[[rule]]\nname = "u"\nuser = "1000"\nadj = 1\n');
    expect(matchRule(r!, f({ uid: 1000, user: 'alice' }))).toBe(true);
    expect(matchRule(r!, f({ uid: 10000, user: '1000' }))).toBe(false);
  });

  it('hostile comms are matched as the kernel gives them', () => {
    const [r] = ok('[[rule]]\nname = "h"\ncomm = "^a\\\\)b\\n"\nadj = 1\n');
    expect(matchRule(r!, f({ comm: 'a)b\n' }))).toBe(true);
  });

  it('unitOf: the deepest service or scope', () => {
    expect(unitOf('/system.slice/nginx.service')).toBe('nginx.service');
    expect(unitOf('/user.slice/user-1000.slice/user@1000.service/app.slice/foo.scope')).toBe('foo.scope');
    expect(unitOf('/docker/abc')).toBeNull();
  });
});

describe('contrib/rules.toml', () => {
  it('is valid and holds the example of issue 14', async () => {
    const { readFileSync } = await import('node:fs');
    const rules = ok(readFileSync(new URL('../../contrib/rules.toml', import.meta.url), 'utf8'));
    expect(rules.map((r) => r.name)).toEqual(['batch jobs go first', 'keep the database']);
  });
});

describe('parseRulesArgs', () => {
  it('PATH or --rules, the default, and the errors', async () => {
    const { parseRulesArgs } = await import('../../src/cli/rules.js');
    expect(parseRulesArgs(['check'])).toMatchObject({ command: 'check', path: '/etc/oomtop/rules.toml' });
    expect(parseRulesArgs(['apply', 'x.toml', '--watch', '--interval', '0.5', '--json'])).toMatchObject({ command: 'apply', path: 'x.toml', watch: true, intervalMs: 500, json: true });
    expect(parseRulesArgs(['apply', '--rules', 'y.toml'])).toMatchObject({ path: 'y.toml', watch: false, intervalMs: 1000 });
    const err = (argv: string[]) => {
      try {
        parseRulesArgs(argv);
      } catch (e) {
        return (e as Error).message;
      }
      return 'accepted';
    };
    expect(err(['fix'])).toBe('rules: unknown command "fix" (commands: check, apply)');
    expect(err(['apply', 'a', 'b'])).toBe('rules apply: one PATH at most (got 2)');
    expect(err(['apply', 'a', '--rules', 'b'])).toBe('rules apply: PATH and --rules both given');
    expect(err(['apply', '--interval', '1'])).toBe('rules apply: --interval needs --watch');
    expect(err(['apply', '--watch', '--interval', '-1'])).toBe('--interval: -1 is out of range (0.05..3600 s)');
    expect(err(['check', '--watch'])).toBe('rules check: --watch is for rules apply');
    expect(err(['apply', '--read-only'])).toMatch(/Unknown option '--read-only'/);
  });
});

// The extension manifest and grammars: contributed commands are the ones the
// client registers, files referenced exist, the TextMate grammars parse and
// their patterns match what they are meant to highlight.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from './harness';

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const grammar = (f: string): Record<string, unknown> => JSON.parse(fs.readFileSync(path.join(ROOT, 'syntaxes', f), 'utf8'));

/** Oniguruma patterns used here are JS-compatible; collect every match/begin/end with its scope. */
function patterns(g: unknown, out: { re: RegExp; name: string }[] = []): { re: RegExp; name: string }[] {
  if (Array.isArray(g)) { for (const x of g) patterns(x, out); return out; }
  if (g && typeof g === 'object') {
    const o = g as Record<string, unknown>;
    // the scope: the pattern's name, else the names of its captures
    const scope = String(o.name ?? JSON.stringify(o.captures ?? o.beginCaptures ?? ''));
    for (const k of ['match', 'begin', 'end']) if (typeof o[k] === 'string') out.push({ re: new RegExp(o[k] as string), name: `${k} ${scope}` });
    for (const v of Object.values(o)) if (typeof v === 'object') patterns(v, out);
  }
  return out;
}

describe('extension manifest and grammars', () => {
  it('contributes the commands the client registers, and activates on C and .lockorder', () => {
    const client = fs.readdirSync(path.join(ROOT, 'client', 'src')).map((f) => fs.readFileSync(path.join(ROOT, 'client', 'src', f), 'utf8')).join('\n');
    const ids = (pkg.contributes.commands as { command: string; title: string; category: string }[]).map((c) => c.command);
    assert.deepStrictEqual(ids, ['lockorder.simulateAtCursor', 'lockorder.showGraph', 'lockorder.restartServer']);
    for (const id of ids) assert.ok(client.includes(`registerCommand('${id}'`), `client registers ${id}`);
    const titles = (pkg.contributes.commands as { title: string; category: string }[]).map((c) => `${c.category}: ${c.title}`);
    assert.ok(titles.includes('Lock Order: Simulate Function at Cursor'));
    assert.ok(titles.includes('Lock Order: Show Lock Order Graph'));
    assert.ok(pkg.activationEvents.includes('onLanguage:c'));
    assert.strictEqual(pkg.main, './dist/client.js');
    for (const f of [pkg.icon, 'LICENSE', 'CHANGELOG.md', 'README.md', ...pkg.contributes.grammars.map((g: { path: string }) => g.path), pkg.contributes.languages[0].configuration]) {
      assert.ok(fs.existsSync(path.join(ROOT, f)), `${f} exists`);
    }
    assert.ok(pkg.keywords.includes('lockdep') && pkg.keywords.includes('deadlock') && pkg.keywords.includes('linux kernel'));
  });

  it('every lockorder.* setting has a default the server understands', async () => {
    const { parseSettings, DEFAULT_SETTINGS } = await import('../../server/src/lsp/settings');
    const props = pkg.contributes.configuration.properties as Record<string, { default: unknown }>;
    const nested: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(props)) if (k !== 'lockorder.trace.server') nested[k.slice('lockorder.'.length)] = v.default;
    assert.deepStrictEqual(parseSettings(nested), DEFAULT_SETTINGS);
    const s = parseSettings({ inlayHints: { enabled: false }, severity: { 'lock-leak': 'error', bogus: 'nope' }, budget: { steps: -5 } });
    assert.strictEqual(s.inlayHints.enabled, false);
    assert.deepStrictEqual(s.severity, { 'lock-leak': 'error' });
    assert.strictEqual(s.budget.steps, 1000);
    assert.deepStrictEqual(parseSettings(null), DEFAULT_SETTINGS);
  });

  it('the C injection grammar highlights lockorder: directives and context annotations', () => {
    const g = grammar('lockorder-c-injection.tmLanguage.json');
    assert.strictEqual(g.scopeName, 'lockorder.c.injection');
    const ps = patterns(g);
    const hit = (text: string, scope: RegExp): boolean => ps.some((p) => scope.test(p.name) && p.re.test(text));
    assert.ok(hit('/* lockorder: inode.i_rwsem -> fuse_inode.i_mmap_sem */', /^begin .*keyword\.control\.directive\.lockorder/));
    assert.ok(hit('inode.i_rwsem -> fuse_inode.i_mmap_sem', /keyword\.operator\.order/));
    for (const a of ['__acquires(x)', '__releases(x)', '__must_hold(&inode->i_rwsem)', '__must_not_hold(x)', '__guarded_by(lock)', '__cond_acquires(0, x)', '__acquires_shared(x)']) {
      assert.ok(hit(a, /lock-annotation/), `annotation ${a} matches`);
    }
    assert.ok(hit('lockdep_assert_held(&inode->i_rwsem);', /lock-assertion/));
    assert.ok(!hit('my__acquires_count', /lock-annotation/), 'no match inside identifiers');
  });

  it('the .lockorder grammar covers every directive of the README format', () => {
    const g = grammar('lockorder.tmLanguage.json');
    assert.strictEqual(g.scopeName, 'source.lockorder');
    const ps = patterns(g);
    // every line of the README's .lockorder example (the block that starts "# project lock functions")
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const block = /```\n(# project lock functions\n[\s\S]*?)```/.exec(readme);
    assert.ok(block, 'the README shows the .lockorder format');
    const lines = block[1].split('\n').filter((l) => l.trim() !== '');
    const directives = new Set(lines.filter((l) => !l.startsWith('#')).map((l) => l.split(/\s+/)[0]));
    for (const d of ['lock', 'order', 'may-fault', 'may-sleep', 'no-fault', 'per-fs-class', 'lock-wrapper', 'glock-origin', 'keeps-parity']) assert.ok(directives.has(d), `the README example shows ${d}`);
    for (const l of lines) assert.ok(ps.some((p) => p.re.test(l) && !/invalid/.test(p.name)), l);
    assert.ok(ps.some((p) => /invalid\.illegal\.directive/.test(p.name) && p.re.test('bogus line')));
    for (const l of ['per-fs-class x', 'lock-wrapper a b', 'glock-origin a b', 'keeps-parity f arg=1']) assert.ok(!ps.some((p) => /invalid\.illegal\.directive/.test(p.name) && p.re.test(l)), l);
    assert.strictEqual(pkg.contributes.languages[0].filenames[0], '.lockorder');
  });
});

/**
 * The README tells the truth: every transcript (a block starting with `$ npx netforge ...`)
 * is what the command prints now, run here on the current build (only the `time` figure may
 * differ); every example file it names exists; every relative link stays inside the
 * repository and resolves (the published README has no ../shared/...).
 * Transcripts whose command carries a `#` comment (another setting, e.g. an app without
 * onnxruntime-node) are checked by the test of that setting instead.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { BIN } from '../helpers/cli.js';

const repo = resolve(import.meta.dirname, '../..');
const readme = readFileSync(join(repo, 'README.md'), 'utf8');

interface Transcript {
  readonly args: string[];
  readonly expected: string;
}

/**
 * Fenced blocks (plain or ```sh) whose first line is `$ npx netforge ...` (and no `#`
 * comment). ```console blocks are sessions of several steps in one folder, run in order by
 * their own sections' tests (test/helpers/readme.ts).
 */
function transcripts(md: string): Transcript[] {
  const out: Transcript[] = [];
  for (const m of md.matchAll(/```(?:sh)?\n\$ npx netforge ([^\n]*)\n([\s\S]*?)```/g)) {
    if (m[1]!.includes('#')) continue;
    out.push({ args: m[1]!.trim().split(/\s+/), expected: m[2]! });
  }
  return out;
}

/** The one figure that is not the same twice. */
const normalize = (s: string): string => s.replace(/^( {2}time {5})[\d.]+ s$/m, '$1<t> s').trimEnd();

// the examples beside the outputs, so paths print as the README shows them and nothing is written into the repository
const dir = mkdtempSync(join(tmpdir(), 'netforge-readme-'));
cpSync(join(repo, 'examples'), join(dir, 'examples'), { recursive: true });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('README', () => {
  const all = transcripts(readme);
  test('has the transcripts this test runs', () => {
    expect(all.map((t) => t.args.slice(0, 2).join(' '))).toEqual(expect.arrayContaining(['compile resnet50', 'summary resnet50', 'compile examples/broken/typo.ts', 'compile examples/my-resnet.ts']));
  });
  test.each(all.map((t) => [t.args.join(' '), t] as const))('$ npx netforge %s prints what the README shows', (_, t) => {
    const r = spawnSync(process.execPath, [BIN, ...t.args], { cwd: dir, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } });
    expect(normalize(r.stdout + r.stderr)).toBe(normalize(t.expected));
  });
  test('every example file it names exists', () => {
    const named = [...new Set([...readme.matchAll(/\bexamples\/[\w./-]+\.ts\b/g)].map((m) => m[0]))];
    expect(named.length).toBeGreaterThan(5);
    expect(named.filter((f) => !existsSync(join(repo, f)))).toEqual([]);
  });
  test('every link into the repository stays inside it and points at something there (web links to other projects aside)', () => {
    const targets = [...readme.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1]!).filter((t) => !/^https:\/\//.test(t));
    expect(targets.length).toBeGreaterThan(5);
    expect(targets.filter((t) => /^[a-z]+:|^\/|(^|\/)\.\.\//.test(t) || !existsSync(join(repo, t.split('#')[0]!)))).toEqual([]);
  });
});

/** A small, strict command-line parser: declared flags only; mistakes are usage errors (exit 2). */
import { NetforgeError } from '../errors.js';
import { closest } from '../didYouMean.js';
import { maxOf } from '../maxOf.js';

export type FlagType = 'string' | 'int' | 'number' | 'bool' | 'list';

export interface FlagSpec {
  readonly name: string;
  readonly type: FlagType;
  readonly alias?: string;
  readonly help: string;
  /** May be given more than once (values collected; type must be 'string' or 'list'). */
  readonly repeat?: boolean;
}

export interface Parsed {
  readonly positionals: readonly string[];
  readonly flags: ReadonlyMap<string, string | number | boolean | readonly string[]>;
}

export function usageError(message: string, hint?: string): NetforgeError {
  return new NetforgeError({ code: 'E_USAGE', message, ...(hint !== undefined ? { hint } : {}), exitCode: 2 });
}

export function parseArgs(command: string, argv: readonly string[], specs: readonly FlagSpec[]): Parsed {
  const byName = new Map<string, FlagSpec>();
  for (const s of specs) {
    byName.set(s.name, s);
    if (s.alias) byName.set(s.alias, s);
  }
  const positionals: string[] = [];
  const flags = new Map<string, string | number | boolean | readonly string[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    let [key, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    let spec = byName.get(key!);
    let negated = false;
    if (!spec && key!.startsWith('--no-') && byName.get(`--${key!.slice(5)}`)?.type === 'bool') {
      spec = byName.get(`--${key!.slice(5)}`);
      negated = true;
    }
    if (!spec) {
      const guess = closest(key!, [...byName.keys()]);
      throw usageError(`unknown option ${key} for '${command}'`, guess ? `did you mean ${guess}? (netforge ${command} --help lists the options)` : `netforge ${command} --help lists the options`);
    }
    const id = spec.name.replace(/^--/, '');
    if (spec.type === 'bool') {
      if (inline !== undefined && inline !== 'true' && inline !== 'false') throw usageError(`${spec.name} takes no value (got ${inline})`);
      flags.set(id, negated ? false : inline !== 'false');
      continue;
    }
    if (inline === undefined) {
      inline = argv[++i];
      if (inline === undefined) throw usageError(`${spec.name} needs a value`, spec.help);
    }
    key = spec.name;
    let v: string | number | readonly string[] = inline;
    if (spec.type === 'int' || spec.type === 'number') {
      const n = Number(inline);
      // Integers in decimal digits only (`1e3`, `0x10`, ` 5` are typos more often than intent), and exact.
      const bad = spec.type === 'int' ? !/^[+-]?\d+$/.test(inline) || !Number.isSafeInteger(n) : inline.trim() === '' || !Number.isFinite(n);
      if (bad) {
        throw usageError(`${spec.name} expects ${spec.type === 'int' ? 'an integer (decimal digits)' : 'a number'}, got '${inline}'`, spec.help);
      }
      v = n;
    } else if (spec.type === 'list') {
      v = inline.split(',').map((s) => s.trim()).filter((s) => s !== '');
    }
    if (spec.repeat) {
      const prev = (flags.get(id) as readonly string[] | undefined) ?? [];
      flags.set(id, [...prev, ...(Array.isArray(v) ? v : [String(v)])]);
    } else {
      // `-o a.onnx -o b.onnx` would silently write only one of them
      if (flags.has(id)) throw usageError(`${spec.name}${spec.alias ? ` (${spec.alias})` : ''} is given more than once (${JSON.stringify(String(flags.get(id)))} and ${JSON.stringify(inline)})`, `give ${spec.name} once`);
      flags.set(id, v);
    }
  }
  return { positionals, flags };
}

/**
 * Whether `argv` asks for help: `--help` or `-h` where a flag may stand, not as the value of a
 * flag (`-o --help` names a file) and not after `--` (which ends the options).
 */
export function wantsHelp(argv: readonly string[], specs: readonly FlagSpec[]): boolean {
  const takesValue = new Set<string>();
  for (const s of specs) {
    if (s.type === 'bool') continue;
    takesValue.add(s.name);
    if (s.alias) takesValue.add(s.alias);
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
    if (takesValue.has(a)) i++; // its value, whatever it looks like
  }
  return false;
}

export function flagHelp(specs: readonly FlagSpec[]): string {
  const rows = specs.map((s) => {
    const arg = s.type === 'bool' ? '' : s.type === 'list' ? ' A,B,..' : s.type === 'string' ? ' VALUE' : ' N';
    return [`${s.alias ? `${s.alias}, ` : '    '}${s.name}${arg}`, s.help] as const;
  });
  const w = maxOf(rows.map(([a]) => a.length));
  return rows.map(([a, h]) => `  ${a.padEnd(w)}  ${h}`).join('\n');
}

/** Typed getters. */
export const get = {
  str: (p: Parsed, k: string): string | undefined => p.flags.get(k) as string | undefined,
  num: (p: Parsed, k: string): number | undefined => p.flags.get(k) as number | undefined,
  bool: (p: Parsed, k: string): boolean | undefined => p.flags.get(k) as boolean | undefined,
  list: (p: Parsed, k: string): readonly string[] | undefined => p.flags.get(k) as readonly string[] | undefined,
};

/** A CLI command: its flags, help text and implementation. One file per command in ./commands. */
import type { FlagSpec } from './args.js';

export interface CliIO {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
  /** Colors and progress bars only on a TTY. */
  readonly isTTY: boolean;
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly flags: readonly FlagSpec[];
  /** Returns the exit code. Throws NetforgeError for user errors. */
  readonly run: (argv: readonly string[], io: CliIO) => Promise<number>;
}

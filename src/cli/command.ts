/** A CLI command: its flags, help text and implementation. One file per command in ./commands. */
import type { FlagSpec } from './args.js';

export interface CliIO {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
  /** stderr is a terminal: progress bars redraw in place. */
  readonly isTTY: boolean;
  /** Tables may use colors: stdout is a terminal and NO_COLOR is not set (https://no-color.org). */
  readonly color?: boolean;
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly flags: readonly FlagSpec[];
  /** Returns the exit code. Throws NetforgeError for user errors. */
  readonly run: (argv: readonly string[], io: CliIO) => Promise<number>;
}

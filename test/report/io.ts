/** Run a CLI command in-process with captured output. */
import type { CliIO, Command } from '../../src/cli/command.js';

export interface Captured {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

export async function runCommand(cmd: Command, argv: readonly string[], isTTY = false): Promise<Captured> {
  let out = '';
  let err = '';
  const io: CliIO = {
    out: (s) => (out += s.endsWith('\n') ? s : `${s}\n`),
    err: (s) => (err += s.endsWith('\n') ? s : `${s}\n`),
    isTTY,
    color: isTTY,
  };
  const code = await cmd.run(argv, io);
  return { code, out, err };
}

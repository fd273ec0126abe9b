/** The netforge command line: dispatch, help, and the error boundary (no stack traces for user errors). */
import type { CliIO, Command } from './command.js';
import { flagHelp, wantsHelp } from './args.js';
import { writeSync } from 'node:fs';
import { NetforgeError, formatError, isNetforgeError } from '../errors.js';
import { NETFORGE_VERSION } from '../version.js';
import { COMMANDS } from './commands/index.js';
import { blameFlag } from './flagBlame.js';
import { displayPath, frameFromDisk } from '../modelFile/codeFrame.js';
import { describeThrown } from '../modelFile/thrown.js';

async function help(): Promise<string> {
  const commands = await Promise.all(COMMANDS.map((c) => c.load()));
  const w = Math.max(...commands.map((c) => c.name.length));
  return [
    `netforge ${NETFORGE_VERSION}: a compiler for convolutional network architectures (typed DSL -> verified IR -> ONNX)`,
    '',
    'usage: netforge <command> [options]',
    '',
    ...commands.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
    '',
    'netforge <command> --help shows a command\'s options. Models: a zoo name (resnet50, resnext50_32x4d, cifar_resnet56, ...) or a .ts file.',
  ].join('\n');
}

export function commandHelp(c: Command): string {
  return `${c.usage}\n\n${c.summary}\n\noptions:\n${flagHelp(c.flags)}`;
}

export async function main(argv: readonly string[], io: CliIO = defaultIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(await help());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    io.out(NETFORGE_VERSION);
    return 0;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    io.err(`error[E_USAGE]: unknown command '${name}'\n  help: commands are ${COMMANDS.map((c) => c.name).join(', ')}`);
    return 2;
  }
  const cmd = await entry.load();
  if (wantsHelp(rest, cmd.flags)) {
    io.out(commandHelp(cmd));
    return 0;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    if (isNetforgeError(e)) {
      const shown = blameFlag(e);
      io.err(formatError(shown, { frame: frameFromDisk, displayPath }));
      return shown.exitCode;
    }
    io.err(`netforge: internal error (this is a bug in netforge, please report it):\n${e instanceof Error ? (e.stack ?? e.message) : `thrown value: ${describeThrown(e)}`}`);
    return 70;
  }
}

export function defaultIO(env: NodeJS.ProcessEnv = process.env): CliIO {
  return {
    out: (s) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`),
    err: (s) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`),
    isTTY: Boolean(process.stderr.isTTY),
    color: wantsColor(Boolean(process.stdout.isTTY), env),
  };
}

/** Colors on a terminal unless NO_COLOR is set to anything but the empty string (no-color.org). */
export function wantsColor(stdoutIsTTY: boolean, env: NodeJS.ProcessEnv): boolean {
  return stdoutIsTTY && (env['NO_COLOR'] ?? '') === '';
}

/**
 * `netforge summary resnet152 --json | head -1`: the reader closes the pipe early. That is
 * the reader's choice, not a netforge error: stop quietly, instead of Node's unhandled EPIPE
 * trace, with the status a process killed by SIGPIPE reports (141, as `yes | head` does), so
 * `set -o pipefail` scripts still see that the output was cut short.
 */
export const SIGPIPE_STATUS = 128 + 13;

/**
 * What a failed write to stdout or stderr does: a closed pipe ends quietly with 141 (above);
 * any other stdout failure (`netforge summary resnet18 > /dev/full`: ENOSPC) is reported on
 * stderr as E_OUTPUT_IO and ends with status 1, since the output is incomplete. A failing
 * stderr cannot report anything: its messages are lost and the command's own status stands.
 */
export function exitQuietlyOnClosedPipe(
  stream: NodeJS.WriteStream,
  exit: (code: number) => void = (c) => process.exit(c),
  report: (text: string) => void = (t) => {
    try {
      writeSync(2, t);
    } catch {
      // stderr is gone too
    }
  },
): void {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') return exit(SIGPIPE_STATUS);
    if (stream === process.stderr) return;
    const err = new NetforgeError({
      code: 'E_OUTPUT_IO',
      message: `cannot write to standard output: ${e.message.split(',')[0] ?? e.message}`,
      hint: 'what was printed is incomplete; send the output where it can be written (a file on a filesystem with space, a pipe)',
    });
    report(`${formatError(err)}\n`);
    exit(1);
  });
}

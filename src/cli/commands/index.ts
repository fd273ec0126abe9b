/** Every CLI command, in the order `netforge --help` lists them. */
import type { Command } from '../command.js';
import { compileCommand } from './compile.js';
import { summaryCommand } from './summary.js';
import { runCommand } from './run.js';

export const COMMANDS: readonly Command[] = [compileCommand, summaryCommand, runCommand];

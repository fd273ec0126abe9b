/** Every CLI command, in the order `netforge --help` lists them. */
import type { Command } from '../command.js';
import { compileCommand } from './compile.js';
import { summaryCommand } from './summary.js';
import { runCommand } from './run.js';
import { reportCommand } from './report.js';
import { benchCommand } from './bench.js';
import { doctorCommand } from './doctor.js';
import { weightsCommand } from './weights.js';

export const COMMANDS: readonly Command[] = [compileCommand, summaryCommand, reportCommand, runCommand, benchCommand, doctorCommand, weightsCommand];

/**
 * Progress on stderr (downloads; calibration samples with countUnits): a bar redrawn in
 * place on a terminal, and a plain line per 10% otherwise (CI logs and pipes must not fill
 * up with carriage returns). With an unknown size (no Content-Length) a line per
 * PLAIN_STEP_BYTES instead.
 */

export interface ProgressSink {
  /** Raw text, no newline added. */
  readonly write: (s: string) => void;
  readonly isTTY: boolean;
}

export interface Progress {
  /** `received` is the total so far, not a delta. */
  readonly update: (received: number) => void;
  /** The transfer completed. */
  readonly done: () => void;
  /** The transfer failed: end the bar's line so the error starts on a fresh one. */
  readonly fail: () => void;
}

const MIB = 1024 * 1024;
export const BAR_WIDTH = 24;
/** A terminal is redrawn at most this often. */
export const REDRAW_MS = 100;
export const PLAIN_STEP_BYTES = 16 * MIB;

const mib = (b: number): string => (b / MIB).toFixed(1);

/** What is counted: bytes of a download (the default), or items such as calibration samples. */
export interface ProgressUnits {
  /** The plain lines' verb: `downloading` (empty when the label says it). */
  readonly verb: string;
  /** `37.2 MiB` alone, or `37.2/97.8 MiB` with the total. */
  readonly amount: (done: number, total?: number) => string;
  /** Per second: `12.4 MiB/s`. */
  readonly rate: (perSecond: number) => string;
  /** Without a total, a plain line every this many. */
  readonly step: number;
}

export const BYTE_UNITS: ProgressUnits = {
  verb: 'downloading',
  amount: (done, total) => (total === undefined ? `${mib(done)} MiB` : `${mib(done)}/${mib(total)} MiB`),
  rate: (r) => `${mib(r)} MiB/s`,
  step: PLAIN_STEP_BYTES,
};

/** Counting items (the label says what is done: `calibrating resnet50: 40% (26/64 samples)`, `5.1 samples/s`). */
export function countUnits(noun: string): ProgressUnits {
  return {
    verb: '',
    amount: (done, total) => (total === undefined ? `${done} ${noun}` : `${done}/${total} ${noun}`),
    rate: (r) => `${r.toFixed(1)} ${noun}/s`,
    step: 100,
  };
}

/** One frame of the bar: `resnet50-0676ba61.pth [#########---------------]  38%  37.2/97.8 MiB  12.4 MiB/s`. */
export function renderBar(label: string, received: number, total: number | undefined, elapsedMs: number, units: ProgressUnits = BYTE_UNITS): string {
  const rate = elapsedMs > 0 ? `  ${units.rate((received / elapsedMs) * 1000)}` : '';
  if (total === undefined || total <= 0) return `${label}  ${units.amount(received)}${rate}`;
  const frac = Math.min(1, received / total);
  const filled = Math.floor(frac * BAR_WIDTH);
  const pct = `${Math.floor(frac * 100)}%`.padStart(4);
  return `${label} [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${pct}  ${units.amount(received, total)}${rate}`;
}

/** The plain line for a completed step: `downloading resnet50-0676ba61.pth: 40% (39.1/97.8 MiB)`. */
export function renderLine(label: string, received: number, total: number | undefined, units: ProgressUnits = BYTE_UNITS): string {
  const what = units.verb === '' ? label : `${units.verb} ${label}`;
  if (total === undefined || total <= 0) return `${what}: ${units.amount(received)}`;
  return `${what}: ${Math.floor(Math.min(1, received / total) * 100)}% (${units.amount(received, total)})`;
}

export function createProgress(label: string, total: number | undefined, sink: ProgressSink, now: () => number = Date.now, units: ProgressUnits = BYTE_UNITS): Progress {
  const t0 = now();
  let lastDraw = -Infinity;
  let lastStep = 0;
  let received = 0;
  let finished = false;
  const known = total !== undefined && total > 0;
  const step = (r: number): number => (known ? Math.floor((Math.min(r, total) / total) * 10) : Math.floor(r / units.step));
  const draw = (): void => sink.write(`\r${renderBar(label, received, total, now() - t0, units)}\x1b[K`);

  if (!sink.isTTY) sink.write(`${renderLine(label, 0, total, units)}\n`);
  return {
    update(r) {
      if (finished) return;
      received = r;
      if (sink.isTTY) {
        const t = now();
        if (t - lastDraw >= REDRAW_MS) {
          lastDraw = t;
          draw();
        }
        return;
      }
      const s = step(r);
      if (s > lastStep) {
        lastStep = s;
        sink.write(`${renderLine(label, r, total, units)}\n`);
      }
    },
    done() {
      if (finished) return;
      finished = true;
      if (sink.isTTY) {
        draw();
        sink.write('\n');
      } else if (!known || step(received) < 10) {
        // The last line always says where it ended.
        sink.write(`${renderLine(label, received, total, units)}\n`);
      }
    },
    fail() {
      if (finished) return;
      finished = true;
      if (sink.isTTY && lastDraw > -Infinity) sink.write('\n');
    },
  };
}

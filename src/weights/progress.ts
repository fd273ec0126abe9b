/**
 * Download progress on stderr: a bar redrawn in place on a terminal, and a plain line per
 * 10% otherwise (CI logs and pipes must not fill up with carriage returns). With an
 * unknown size (no Content-Length) a line per PLAIN_STEP_BYTES instead.
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

/** One frame of the bar: `resnet50-0676ba61.pth [#########---------------]  38%  37.2/97.8 MiB  12.4 MiB/s`. */
export function renderBar(label: string, received: number, total: number | undefined, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? `  ${mib((received / elapsedMs) * 1000)} MiB/s` : '';
  if (total === undefined || total <= 0) return `${label}  ${mib(received)} MiB${rate}`;
  const frac = Math.min(1, received / total);
  const filled = Math.floor(frac * BAR_WIDTH);
  const pct = `${Math.floor(frac * 100)}%`.padStart(4);
  return `${label} [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${pct}  ${mib(received)}/${mib(total)} MiB${rate}`;
}

/** The plain line for a completed step: `downloading resnet50-0676ba61.pth: 40% (39.1/97.8 MiB)`. */
export function renderLine(label: string, received: number, total: number | undefined): string {
  if (total === undefined || total <= 0) return `downloading ${label}: ${mib(received)} MiB`;
  return `downloading ${label}: ${Math.floor(Math.min(1, received / total) * 100)}% (${mib(received)}/${mib(total)} MiB)`;
}

export function createProgress(label: string, total: number | undefined, sink: ProgressSink, now: () => number = Date.now): Progress {
  const t0 = now();
  let lastDraw = -Infinity;
  let lastStep = 0;
  let received = 0;
  let finished = false;
  const known = total !== undefined && total > 0;
  const step = (r: number): number => (known ? Math.floor((Math.min(r, total) / total) * 10) : Math.floor(r / PLAIN_STEP_BYTES));
  const draw = (): void => sink.write(`\r${renderBar(label, received, total, now() - t0)}\x1b[K`);

  if (!sink.isTTY) sink.write(`${renderLine(label, 0, total)}\n`);
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
        sink.write(`${renderLine(label, r, total)}\n`);
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
        sink.write(`${renderLine(label, received, total)}\n`);
      }
    },
    fail() {
      if (finished) return;
      finished = true;
      if (sink.isTTY && lastDraw > -Infinity) sink.write('\n');
    },
  };
}

import { describe, expect, test } from 'vitest';
import { TERMINATING_SIGNALS, guardSignals, onTerminatingSignal } from './signalGuard.js';

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('guardSignals', () => {
  test('a signal during the guard removes the listed temp files; with another listener present it does not kill', async () => {
    const removed: string[] = [];
    const other = (): void => {}; // the program's own handler: the guard must leave the decision to it
    process.on('SIGINT', other);
    try {
      const before = process.listenerCount('SIGINT');
      const release = guardSignals(() => ['/tmp/a.tmp', '/tmp/b.tmp'], (p) => removed.push(p));
      expect(process.listenerCount('SIGINT')).toBe(before + 1);
      process.emit('SIGINT', 'SIGINT');
      expect(removed).toEqual(['/tmp/a.tmp', '/tmp/b.tmp']);
      expect(process.listenerCount('SIGINT')).toBe(before); // the guard removed itself
      release();
    } finally {
      process.removeListener('SIGINT', other);
    }
  });
  test('released, the guard stays one loop turn (for a signal that arrived during the write), then goes', async () => {
    const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    const release = guardSignals(() => [], () => {});
    release();
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual([before[0]! + 1, before[1]! + 1]);
    await turn();
    await turn();
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual(before);
  });
  test('covers Ctrl-C, SIGTERM, a closed terminal (SIGHUP) and SIGQUIT', () => {
    const before = TERMINATING_SIGNALS.map((sig) => process.listenerCount(sig));
    const removed: string[] = [];
    const release = onTerminatingSignal(() => removed.push('temp'));
    expect(TERMINATING_SIGNALS).toEqual(['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT']);
    expect(TERMINATING_SIGNALS.map((sig) => process.listenerCount(sig))).toEqual(before.map((n) => n + 1));
    const other = (): void => {}; // keeps the process alive in the test
    process.on('SIGHUP', other);
    try {
      process.emit('SIGHUP', 'SIGHUP');
    } finally {
      process.removeListener('SIGHUP', other);
    }
    expect(removed).toEqual(['temp']);
    expect(TERMINATING_SIGNALS.map((sig) => process.listenerCount(sig))).toEqual(before);
    release();
  });
});

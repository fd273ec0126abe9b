/**
 * Ctrl-C (SIGINT) or SIGTERM while netforge writes an output. The write is synchronous, so
 * JavaScript cannot run until it returns: a handler registered for the write makes the
 * signal wait for it instead of killing the process halfway (which left a hidden,
 * full-size temp file). The guard stays registered for one more turn of the event loop
 * after the write, in which a pending signal is delivered: the handler removes whatever
 * temp files are still listed, then the process dies of that signal as it would have,
 * unless the program handles the signal itself (a library caller with its own SIGINT
 * handler keeps control).
 */

/** Register the guard; `temps()` lists the temp files to remove. Returns the release (deferred by one loop turn). */
export function guardSignals(temps: () => readonly string[], unlink: (path: string) => void): () => void {
  const onSignal = (sig: NodeJS.Signals): void => {
    for (const t of temps()) unlink(t);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    // A signal that arrived during the synchronous write is delivered when the event loop
    // next polls for I/O. One setImmediate can run before that poll (the write may end in a
    // poll callback, and the check phase comes next); two span a whole loop turn, poll included.
    setImmediate(() =>
      setImmediate(() => {
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
      }),
    );
  };
}

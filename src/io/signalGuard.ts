/**
 * Signals that end netforge while it has temp files (an output being written, a download, a
 * transpiled model module). The write is synchronous, so JavaScript cannot run until it
 * returns: a handler registered for the write makes the signal wait for it instead of killing
 * the process halfway (which left a hidden, full-size temp file). The guard stays registered
 * for one more turn of the event loop after the write, in which a pending signal is
 * delivered: the handler removes whatever temp files are still listed, then the process dies
 * of that signal as it would have, unless the program handles the signal itself (a library
 * caller with its own SIGINT handler keeps control).
 */

/**
 * Ctrl-C, kill's default, a closed terminal, Ctrl-\: the signals that end a process by
 * default and that a program may catch. SIGKILL cannot be caught (the next write removes what
 * it leaves, see removeStaleTemps).
 */
export const TERMINATING_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];

/** Cleanups of everything in progress; one listener per signal serves them all. */
const cleanups = new Set<() => void>();

function onSignal(sig: NodeJS.Signals): void {
  const all = [...cleanups];
  cleanups.clear();
  listen(false);
  for (const c of all) c();
  if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
}

let listening = false;
function listen(on: boolean): void {
  if (on === listening) return;
  listening = on;
  for (const s of TERMINATING_SIGNALS) {
    if (on) process.on(s, onSignal);
    else process.removeListener(s, onSignal);
  }
}

/**
 * Until the returned function is called: on any of TERMINATING_SIGNALS, run `cleanup`, then
 * die of that signal unless another listener handles it. Returns the release (immediate).
 */
export function onTerminatingSignal(cleanup: () => void): () => void {
  const own = (): void => cleanup();
  cleanups.add(own);
  listen(true);
  return () => {
    cleanups.delete(own);
    if (cleanups.size === 0) listen(false);
  };
}

/** Register the guard; `temps()` lists the temp files to remove. Returns the release (deferred by one loop turn). */
export function guardSignals(temps: () => readonly string[], unlink: (path: string) => void): () => void {
  const release = onTerminatingSignal(() => {
    for (const t of temps()) unlink(t);
  });
  return () => {
    // A signal that arrived during the synchronous write is delivered when the event loop
    // next polls for I/O. One setImmediate can run before that poll (the write may end in a
    // poll callback, and the check phase comes next); two span a whole loop turn, poll included.
    setImmediate(() => setImmediate(release));
  };
}

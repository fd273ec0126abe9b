/** The NetforgeError a call throws (tests assert its code and site, not its prose). */
import { NetforgeError } from '../../src/errors.js';

export function errorOf(f: () => unknown): NetforgeError {
  try {
    f();
  } catch (e) {
    if (e instanceof NetforgeError) return e;
    throw e;
  }
  throw new Error('expected a NetforgeError');
}

/** The NetforgeError a promise rejects with; it must carry `code` and a hint. */
export async function rejectionOf(p: Promise<unknown>, code: string): Promise<NetforgeError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof NetforgeError)) throw new Error(`expected a NetforgeError ${code}, got ${e === undefined ? 'success' : String((e as Error).stack ?? e)}`);
  if (e.code !== code) throw new Error(`expected ${code}, got ${e.code}: ${e.message}`);
  if (!e.hint) throw new Error(`${code} has no hint`);
  return e;
}

/** The NetforgeError a call throws (tests assert its code and site, not its prose). */
import { NetforgeError } from '../../src/errors.js';

export function errorOf(f: () => unknown): NetforgeError {
  return thrown(NetforgeError, f);
}

/** The error of class `type` a call throws (anything else thrown is rethrown). */
export function thrown<E extends Error>(type: abstract new (...args: never[]) => E, f: () => unknown): E {
  try {
    f();
  } catch (e) {
    if (e instanceof type) return e;
    throw e;
  }
  throw new Error(`expected a ${type.name}`);
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

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

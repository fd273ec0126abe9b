/**
 * Names netforge makes beside a file the user named: temp files (`.name.<pid>.<id>.tmp`),
 * lock files (`.name.lock`), external data (`name.<hash>.data`), transpiled model modules.
 * A file name may be at most NAME_MAX (255) bytes on Linux filesystems, so a legal 250-byte
 * output name plus a suffix would not be: the user's name is then shortened, deterministically
 * (a prefix of it, `~`, and 8 hex digits of its sha1), so the same name always maps to the
 * same sibling and stale siblings can still be recognised.
 */
import { createHash } from 'node:crypto';

/** Linux NAME_MAX, in bytes. */
export const NAME_MAX = 255;

/**
 * `name` itself when `reserve` more bytes still fit in NAME_MAX, else a shortened form that
 * leaves room for them. `reserve` counts what the caller adds around it (dots, suffixes).
 */
export function fitName(name: string, reserve: number): string {
  const room = NAME_MAX - reserve;
  if (Buffer.byteLength(name, 'utf8') <= room) return name;
  const tag = `~${createHash('sha1').update(name).digest('hex').slice(0, 8)}`;
  let keep = '';
  let bytes = 0;
  // whole characters only (a code point is never split across the cut)
  for (const ch of name) {
    const b = Buffer.byteLength(ch, 'utf8');
    if (bytes + b > room - tag.length) break;
    keep += ch;
    bytes += b;
  }
  return keep + tag;
}

/** `prefix + name + suffix`, with `name` shortened (fitName) so the result fits NAME_MAX. */
export function siblingName(name: string, prefix: string, suffix: string): string {
  return prefix + fitName(name, Buffer.byteLength(prefix + suffix, 'utf8')) + suffix;
}

/**
 * A small source map (v3) reader: enough to map a position in a transpiled model file
 * back to the user's TypeScript. Only `mappings` with one source are needed here
 * (transpileModule emits one file per source), but every segment form is decoded.
 *
 * Rules (https://sourcemaps.info/spec.html, "mappings"):
 * 1. Lines are separated by `;`, segments by `,`; each segment is 1, 4 or 5 base64-VLQ fields.
 * 2. The generated column resets at every line; the other fields are deltas across the whole map.
 * 3. A position maps through the last segment on its line at or before its column.
 */

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Map([...B64].map((c, i) => [c, i]));

/** One decoded segment, all 0-based. */
export interface MappingSegment {
  readonly genCol: number;
  readonly source: number;
  readonly line: number;
  readonly col: number;
}

/** Decode one VLQ-encoded segment into its fields. */
export function decodeVlq(segment: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const c of segment) {
    const digit = B64_INDEX.get(c);
    if (digit === undefined) throw new Error(`internal: bad base64 digit ${JSON.stringify(c)} in source map`);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
    } else {
      // the lowest bit is the sign
      out.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  if (shift !== 0) throw new Error('internal: truncated VLQ in source map');
  return out;
}

/** `mappings` -> per generated line (0-based), its segments sorted by generated column. */
export function decodeMappings(mappings: string): MappingSegment[][] {
  const lines: MappingSegment[][] = [];
  let source = 0;
  let line = 0;
  let col = 0;
  for (const text of mappings.split(';')) {
    const segs: MappingSegment[] = [];
    let genCol = 0;
    for (const s of text.split(',')) {
      if (s === '') continue;
      const f = decodeVlq(s);
      genCol += f[0]!;
      if (f.length >= 4) {
        source += f[1]!;
        line += f[2]!;
        col += f[3]!;
        segs.push({ genCol, source, line, col });
      }
    }
    segs.sort((a, b) => a.genCol - b.genCol);
    lines.push(segs);
  }
  return lines;
}

export interface OriginalPosition {
  readonly source: string;
  /** 1-based, as V8 and editors count. */
  readonly line: number;
  /** 1-based. */
  readonly col: number;
}

export interface SourceMapV3 {
  readonly version: number;
  readonly sources: readonly string[];
  readonly mappings: string;
}

/** A lookup function for one map: generated (1-based line, 1-based col) -> original, or undefined. */
export function sourceMapLookup(map: SourceMapV3): (line: number, col: number) => OriginalPosition | undefined {
  if (map.version !== 3) throw new Error(`internal: source map version ${map.version} is not 3`);
  const lines = decodeMappings(map.mappings);
  return (line, col) => {
    const segs = lines[line - 1];
    if (!segs || segs.length === 0) return undefined;
    const c = col - 1;
    let best: MappingSegment | undefined;
    for (const s of segs) {
      if (s.genCol > c) break;
      best = s;
    }
    // before the first segment: the line's first mapping is the best guess (indentation)
    best ??= segs[0]!;
    const source = map.sources[best.source];
    if (source === undefined) return undefined;
    return { source, line: best.line + 1, col: best.col + 1 };
  };
}

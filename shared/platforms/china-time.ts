/**
 * Both vendors read times on the wall clock of China (UTC+8, no daylight saving), whatever the zone of
 * the host that sends them. These helpers never consult the host's zone.
 */
const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000;

interface ChinaParts {
  readonly year: string;
  readonly month: string;
  readonly day: string;
  readonly hour: string;
  readonly minute: string;
  readonly second: string;
}

function chinaParts(instant: Date): ChinaParts {
  const shifted = new Date(instant.getTime() + CHINA_OFFSET_MS);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return {
    year: pad(shifted.getUTCFullYear(), 4),
    month: pad(shifted.getUTCMonth() + 1),
    day: pad(shifted.getUTCDate()),
    hour: pad(shifted.getUTCHours()),
    minute: pad(shifted.getUTCMinutes()),
    second: pad(shifted.getUTCSeconds()),
  };
}

/** `yyyyMMddHHmmss` in UTC+8, as Cloopen's `sig` and `Authorization` want it. */
export function chinaCompactTimestamp(instant: Date): string {
  const p = chinaParts(instant);
  return `${p.year}${p.month}${p.day}${p.hour}${p.minute}${p.second}`;
}

/** `yyyy-MM-dd HH:mm:ss` in UTC+8, as both vendors print dates. */
export function chinaDateTime(instant: Date): string {
  const p = chinaParts(instant);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

const CHINA_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;
const CHINA_COMPACT = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/;

function fromFields(match: RegExpExecArray | null): Date | undefined {
  if (!match) return undefined;
  const [y, mo, d, h, mi, s] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const utc = Date.UTC(y, mo - 1, d, h, mi, s) - CHINA_OFFSET_MS;
  const date = new Date(utc);
  // Reject 2023-02-30 and friends instead of letting Date roll them over.
  return chinaParts(date).day === String(d).padStart(2, '0') ? date : undefined;
}

/** Parses `yyyy-MM-dd HH:mm:ss` read as UTC+8; `undefined` when the text is not such a time. */
export function parseChinaDateTime(text: string): Date | undefined {
  return fromFields(CHINA_DATE_TIME.exec(text));
}

/** Parses `yyyyMMddHHmmss` read as UTC+8; `undefined` when the text is not such a time. */
export function parseChinaCompactTimestamp(text: string): Date | undefined {
  return fromFields(CHINA_COMPACT.exec(text));
}

/** ISO 8601 with the +08:00 offset, so operators see the vendor's own wall-clock time. */
export function toChinaIso(instant: Date): string {
  return `${chinaDateTime(instant).replace(' ', 'T')}+08:00`;
}

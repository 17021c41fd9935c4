/**
 * Splits a byte stream into records — NDJSON lines, or CSV records (RFC 4180: a quoted field may
 * hold commas, doubled quotes and newlines) — keeping each record's byte offset and line number,
 * so an import can stop anywhere and resume exactly where its cursor says.
 */
export interface RawRecord {
  /** 1-based physical line where the record starts. */
  readonly line: number;
  readonly offset: number;
  /** Byte offset just after the record (and its newline). */
  readonly end: number;
  /** Lines the record spans (a quoted CSV field may contain newlines). */
  readonly lines: number;
  readonly text: string;
}

const NL = 0x0a;
const QUOTE = 0x22;

export async function* readRecords(
  chunks: AsyncIterable<Buffer>,
  options: { readonly csv: boolean; readonly offset: number; readonly line: number },
): AsyncGenerator<RawRecord> {
  let buf: Buffer = Buffer.alloc(0);
  let bufOffset = options.offset; // stream offset of buf[0]
  let line = options.line + 1;
  let inQuotes = false;
  let scan = 0; // next byte of buf to scan
  let newlines = 0; // newlines inside the current record so far
  for await (const chunk of chunks) {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf.subarray(0), chunk]);
    let start = 0;
    for (; scan < buf.length; scan++) {
      const b = buf[scan];
      if (options.csv && b === QUOTE) inQuotes = !inQuotes;
      else if (b === NL) {
        if (inQuotes) {
          newlines++;
          continue;
        }
        const text = buf.subarray(start, scan).toString('utf8').replace(/\r$/, '');
        const record = {
          line,
          offset: bufOffset + start,
          end: bufOffset + scan + 1,
          lines: newlines + 1,
          text,
        };
        line += newlines + 1;
        newlines = 0;
        start = scan + 1;
        if (text.trim() !== '') yield record;
      }
    }
    buf = buf.subarray(start);
    bufOffset += start;
    scan -= start;
  }
  const text = buf.toString('utf8').replace(/\r$/, '');
  if (text.trim() !== '')
    yield { line, offset: bufOffset, end: bufOffset + buf.length, lines: newlines + 1, text };
}

/** The fields of one CSV record (RFC 4180 quoting). */
export function csvFields(text: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else field += c;
  }
  fields.push(field);
  return fields;
}

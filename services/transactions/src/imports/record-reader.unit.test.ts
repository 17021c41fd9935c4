import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { csvFields, readRecords } from './record-reader.js';

async function all(chunks: Buffer[], csv: boolean, offset = 0, line = 0) {
  const out = [];
  async function* gen() {
    for (const c of chunks) yield await Promise.resolve(c);
  }
  for await (const r of readRecords(gen(), { csv, offset, line })) out.push(r);
  return out;
}

describe('record reader', () => {
  it('splits CSV records at newlines outside quotes, with offsets and line numbers', async () => {
    const text = 'a,b\n"x\ny",2\n\nz,"q""uote"\r\nlast,1';
    const records = await all([Buffer.from(text)], true);
    expect(records.map((r) => [r.line, r.text])).toEqual([
      [1, 'a,b'],
      [2, '"x\ny",2'],
      [5, 'z,"q""uote"'],
      [6, 'last,1'],
    ]);
    expect(csvFields('z,"q""uote",,"a,b"')).toEqual(['z', 'q"uote', '', 'a,b']);
    // resuming from a record's end yields the rest, with the same numbers
    const second = records[1];
    const rest = await all([Buffer.from(text).subarray(second?.end ?? 0)], true, second?.end, 3);
    expect(rest.map((r) => [r.line, r.offset])).toEqual(
      records.slice(2).map((r) => [r.line, r.offset]),
    );
  });

  it('gives the same records however the bytes are chunked, multi-byte characters included (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: fc.constantFrom('a', 'é', '王', ',', '"', '\n', '1') }), {
          maxLength: 20,
        }),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 10 }),
        async (lines, cuts) => {
          const bytes = Buffer.from(lines.join('\n'));
          const chunks: Buffer[] = [];
          let at = 0;
          for (let i = 0; at < bytes.length; i++) {
            const n = cuts[i % cuts.length] ?? 1;
            chunks.push(bytes.subarray(at, at + n));
            at += n;
          }
          for (const csv of [true, false])
            expect(await all(chunks, csv)).toEqual(await all([bytes], csv));
        },
      ),
    );
  });
});

import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { MessageProducer } from '@maison/messaging';
import {
  ConflictError,
  PayloadTooLargeError,
  ValidationError,
  type FieldError,
  type Logger,
} from '@maison/service-kit';
import type { SqlDatabase } from '@maison/sql';
import { CORRELATION_HEADER } from '../api/ingest.consumer.js';
import { prepareRecord, type PrepareContext } from '../ingest/prepare.js';
import {
  cellOf,
  groupKey,
  parseHeader,
  recordOf,
  rowOf,
  type CsvHeader,
  type CsvRow,
} from './csv-mapping.js';
import { csvFields, readRecords, type RawRecord } from './record-reader.js';

export type ImportFormat = 'csv' | 'ndjson';

export interface ImportRejection {
  readonly line: number;
  readonly errors: readonly (FieldError & { line?: number; column?: string })[];
}

export interface ImportStatus {
  readonly importId: string;
  readonly format: ImportFormat;
  readonly status: 'receiving' | 'queued' | 'processing' | 'completed' | 'failed';
  readonly bytesTotal: number;
  readonly bytesProcessed: number;
  readonly linesProcessed: number;
  readonly accepted: number;
  readonly rejected: number;
  /** Share of the file processed, 0..1. */
  readonly progress: number;
  readonly error: string | null;
  readonly createdAt: string;
  readonly completedAt: string | null;
}

export interface ImportServiceOptions {
  readonly database: SqlDatabase;
  readonly schema: string;
  readonly producer: MessageProducer;
  readonly topic: string;
  readonly prepare: PrepareContext;
  readonly logger: Logger;
  readonly maxBytes: number;
  readonly chunkBytes?: number;
  /** Records per produced batch and per persisted cursor step. */
  readonly batchRecords?: number;
  readonly leaseMs?: number;
  readonly pollMs?: number;
}

interface ImportRow {
  import_id: string;
  format: ImportFormat;
  source_system: string | null;
  status: ImportStatus['status'];
  bytes_total: string;
  cursor_offset: string;
  cursor_line: number;
  accepted: number;
  rejected: number;
  header: string | null;
  error: string | null;
  created_at: Date | string;
  completed_at: Date | string | null;
}

const iso = (d: Date | string | null): string | null =>
  d === null ? null : new Date(d).toISOString();

/**
 * Backfill imports: the uploaded file is kept in the database (chunked), then a worker validates it
 * record by record with the one ingest schema and produces the valid records to the ingest topic.
 * After each batch is acknowledged by Kafka, the cursor (byte offset, line), the counts and the
 * batch's rejections commit together — a kill resumes from the cursor: nothing is lost, and what
 * is produced twice dedupes on its deterministic event id.
 */
export class ImportService {
  readonly #o: ImportServiceOptions;
  readonly #s: string;
  readonly #owner = randomUUID();
  #stopped = true;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(options: ImportServiceOptions) {
    this.#o = options;
    this.#s = options.schema;
  }

  /** Stores the body and queues the import; 400 for a CSV header it cannot read. */
  async create(
    body: Readable,
    format: ImportFormat,
    sourceSystem: string | null,
    createdBy: string,
  ): Promise<ImportStatus> {
    const id = randomUUID();
    const s = this.#s;
    await this.#o.database.query(
      `INSERT INTO ${s}.imports (import_id, format, source_system, status, created_by) VALUES ($1, $2, $3, 'receiving', $4)`,
      [id, format, sourceSystem, createdBy],
    );
    const chunkBytes = this.#o.chunkBytes ?? 1 << 20;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let total = 0;
    let chunkNo = 0;
    let chunkStart = 0;
    let header: string | null = null;
    let headerEnd = 0;
    const flush = async () => {
      if (pendingBytes === 0) return;
      const data = Buffer.concat(pending);
      await this.#o.database.query(
        `INSERT INTO ${s}.import_chunks (import_id, chunk_no, start_offset, data) VALUES ($1, $2, $3, $4)`,
        [id, chunkNo, chunkStart, data],
      );
      await this.#o.database.query(
        `UPDATE ${s}.imports SET updated_at = now(), chunks = $2 WHERE import_id = $1`,
        [id, chunkNo + 1],
      );
      chunkNo++;
      chunkStart += data.length;
      pending = [];
      pendingBytes = 0;
    };
    try {
      for await (const piece of body as AsyncIterable<Buffer>) {
        total += piece.length;
        if (total > this.#o.maxBytes)
          throw new PayloadTooLargeError(`An import may be at most ${this.#o.maxBytes} bytes.`);
        pending.push(piece);
        pendingBytes += piece.length;
        if (format === 'csv' && header === null) {
          const head = Buffer.concat(pending);
          const nl = head.indexOf(0x0a);
          if (nl >= 0) {
            header = head
              .subarray(0, nl)
              .toString('utf8')
              .replace(/^\uFEFF/, '')
              .replace(/\r$/, '');
            headerEnd = nl + 1;
            const parsed = parseHeader(csvFields(header), sourceSystem !== null);
            if (!parsed.ok)
              throw new ValidationError('The CSV header is invalid.', [
                { pointer: '/header', detail: parsed.detail },
              ]);
          }
        }
        if (pendingBytes >= chunkBytes) await flush();
      }
      await flush();
      if (total === 0)
        throw new ValidationError('The import is empty.', [
          { pointer: '', detail: 'must not be empty' },
        ]);
      if (format === 'csv' && header === null)
        throw new ValidationError('The CSV has no data rows.', [
          { pointer: '/header', detail: 'must be followed by rows' },
        ]);
    } catch (err) {
      await this.#o.database.query(`DELETE FROM ${s}.imports WHERE import_id = $1`, [id]);
      throw err;
    }
    await this.#o.database.query(
      `UPDATE ${s}.imports SET status = 'queued', bytes_total = $2, header = $3, cursor_offset = $4,
              cursor_line = $5, updated_at = now() WHERE import_id = $1`,
      [id, total, header, headerEnd, header === null ? 0 : 1],
    );
    this.#wake?.();
    const status = await this.status(id);
    if (!status) throw new ConflictError('The import disappeared.');
    return status;
  }

  async status(id: string): Promise<ImportStatus | undefined> {
    const rows = await this.#o.database.query<ImportRow>(
      `SELECT * FROM ${this.#s}.imports WHERE import_id = $1`,
      [id],
    );
    const r = rows[0];
    if (!r) return undefined;
    const total = Number(r.bytes_total);
    const done = r.status === 'completed' ? total : Number(r.cursor_offset);
    return {
      importId: r.import_id,
      format: r.format,
      status: r.status,
      bytesTotal: total,
      bytesProcessed: done,
      linesProcessed: r.cursor_line,
      accepted: r.accepted,
      rejected: r.rejected,
      progress: total === 0 ? 0 : Math.min(1, done / total),
      error: r.error,
      createdAt: iso(r.created_at) ?? '',
      completedAt: iso(r.completed_at),
    };
  }

  async rejections(id: string, afterLine: number, limit: number): Promise<ImportRejection[]> {
    const rows = await this.#o.database.query<{ line: number; errors: ImportRejection['errors'] }>(
      `SELECT line, errors FROM ${this.#s}.import_rejections WHERE import_id = $1 AND line > $2 ORDER BY line LIMIT $3`,
      [id, afterLine, limit],
    );
    return rows.map((r) => ({ line: r.line, errors: r.errors }));
  }

  start(): void {
    this.#stopped = false;
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      let claimed: ImportRow | undefined;
      try {
        claimed = await this.#claim();
        if (claimed) await this.#process(claimed);
      } catch (err) {
        this.#o.logger.error(
          { err, importId: claimed?.import_id },
          'import batch failed; it resumes from its cursor',
        );
      }
      if (!claimed)
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, this.#o.pollMs ?? 500);
          this.#wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
    }
  }

  async #claim(): Promise<ImportRow | undefined> {
    const s = this.#s;
    const lease = this.#o.leaseMs ?? 15_000;
    await this.#o.database.query(
      `UPDATE ${s}.imports SET status = 'failed', error = 'the upload was interrupted'
        WHERE status = 'receiving' AND updated_at < now() - interval '10 minutes'`,
    );
    const rows = await this.#o.database.query<ImportRow>(
      `UPDATE ${s}.imports SET status = 'processing', lease_owner = $1,
              lease_until = now() + ($2::int * interval '1 millisecond'), updated_at = now()
        WHERE import_id = (
          SELECT import_id FROM ${s}.imports
           WHERE status IN ('queued', 'processing') AND (lease_until IS NULL OR lease_until < now())
           ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING *`,
      [this.#owner, lease],
    );
    return rows[0];
  }

  async *#chunks(id: string, from: number): AsyncGenerator<Buffer> {
    const s = this.#s;
    const first = await this.#o.database.query<{ chunk_no: number }>(
      `SELECT chunk_no FROM ${s}.import_chunks WHERE import_id = $1 AND start_offset <= $2 ORDER BY chunk_no DESC LIMIT 1`,
      [id, from],
    );
    let no = first[0]?.chunk_no ?? 0;
    for (;;) {
      const rows = await this.#o.database.query<{ start_offset: string; data: Buffer }>(
        `SELECT start_offset, data FROM ${s}.import_chunks WHERE import_id = $1 AND chunk_no = $2`,
        [id, no],
      );
      const row = rows[0];
      if (!row) return;
      const start = Number(row.start_offset);
      const data = Buffer.from(row.data);
      yield from > start ? data.subarray(from - start) : data;
      no++;
    }
  }

  async #process(row: ImportRow): Promise<void> {
    const id = row.import_id;
    const csv = row.format === 'csv';
    const header: CsvHeader | undefined =
      csv && row.header !== null
        ? (() => {
            const h = parseHeader(csvFields(row.header), row.source_system !== null);
            return h.ok ? h.header : undefined;
          })()
        : undefined;
    const batchRecords = this.#o.batchRecords ?? 1000;
    let group: { rows: CsvRow[]; raw: RawRecord[]; key: string } | undefined;
    let batch: {
      line: number;
      lines: number[];
      input: unknown;
      csvRows?: CsvRow[];
      rowErrors?: ImportRejection['errors'];
    }[] = [];
    let end = { offset: Number(row.cursor_offset), line: row.cursor_line };
    const closeGroup = () => {
      if (!group) return;
      const first = group.raw[0];
      const mapped = recordOf(group.rows, row.source_system);
      batch.push({
        line: first?.line ?? 0,
        lines: group.raw.map((r) => r.line),
        input: mapped.ok ? mapped.record : undefined,
        csvRows: group.rows,
        ...(mapped.ok
          ? {}
          : {
              rowErrors: mapped.errors.map((e) => ({
                pointer: '',
                line: e.line,
                column: e.column,
                detail: e.detail,
              })),
            }),
      });
      const last = group.raw[group.raw.length - 1];
      if (last) end = { offset: last.end, line: last.line + last.lines - 1 };
      group = undefined;
    };
    for await (const rec of readRecords(this.#chunks(id, Number(row.cursor_offset)), {
      csv,
      offset: Number(row.cursor_offset),
      line: row.cursor_line,
    })) {
      if (this.#stopped) return;
      if (csv && header) {
        const parsed = rowOf(header, csvFields(rec.text), rec.line);
        if ('detail' in parsed) {
          closeGroup();
          batch.push({
            line: rec.line,
            lines: [rec.line],
            input: undefined,
            rowErrors: [
              { pointer: '', line: rec.line, column: parsed.column, detail: parsed.detail },
            ],
          });
          end = { offset: rec.end, line: rec.line + rec.lines - 1 };
        } else {
          const key = groupKey(parsed, row.source_system);
          if (group && group.key !== key) closeGroup();
          if (batch.length >= batchRecords) {
            if (!(await this.#commit(id, batch, end))) return;
            batch = [];
          }
          group ??= { rows: [], raw: [], key };
          group.rows.push(parsed);
          group.raw.push(rec);
        }
      } else {
        let input: unknown;
        let bad: string | undefined;
        try {
          input = JSON.parse(rec.text);
        } catch {
          bad = 'is not valid JSON';
        }
        batch.push({
          line: rec.line,
          lines: [rec.line],
          input,
          ...(bad ? { rowErrors: [{ pointer: '', detail: bad }] } : {}),
        });
        end = { offset: rec.end, line: rec.line + rec.lines - 1 };
        if (batch.length >= batchRecords) {
          if (!(await this.#commit(id, batch, end))) return;
          batch = [];
        }
      }
    }
    closeGroup();
    if (!(await this.#commit(id, batch, end))) return;
    await this.#o.database.query(
      `UPDATE ${this.#s}.imports SET status = 'completed', completed_at = now(), updated_at = now(), lease_until = NULL
        WHERE import_id = $1 AND lease_owner = $2`,
      [id, this.#owner],
    );
    this.#o.logger.info({ importId: id }, 'import completed');
  }

  /** Produces the batch's valid records, then moves the cursor with the counts and rejections. */
  async #commit(
    id: string,
    batch: readonly {
      line: number;
      input: unknown;
      csvRows?: CsvRow[];
      rowErrors?: ImportRejection['errors'];
    }[],
    end: { offset: number; line: number },
  ): Promise<boolean> {
    const messages = [];
    const rejections: ImportRejection[] = [];
    for (const item of batch) {
      if (item.rowErrors) {
        rejections.push({ line: item.line, errors: item.rowErrors });
        continue;
      }
      const prepared = prepareRecord(item.input, this.#o.prepare);
      if (prepared.ok) {
        messages.push({
          key: prepared.record.key,
          value: JSON.stringify(prepared.record.input),
          headers: { [CORRELATION_HEADER]: `import:${id}` },
        });
      } else {
        const rows = item.csvRows;
        rejections.push({
          line: item.line,
          errors: prepared.errors.map((e) => (rows ? { ...e, ...cellOf(rows, e.pointer) } : e)),
        });
      }
    }
    for (let i = 0; i < messages.length; i += 500)
      await this.#o.producer.send(this.#o.topic, messages.slice(i, i + 500));
    const s = this.#s;
    const lease = this.#o.leaseMs ?? 15_000;
    return this.#o.database.transaction(async (tx) => {
      const moved = await tx.query(
        `UPDATE ${s}.imports SET cursor_offset = $3, cursor_line = $4, accepted = accepted + $5, rejected = rejected + $6,
                lease_until = now() + ($7::int * interval '1 millisecond'), updated_at = now()
          WHERE import_id = $1 AND lease_owner = $2 RETURNING 1`,
        [id, this.#owner, end.offset, end.line, messages.length, rejections.length, lease],
      );
      if (moved.length === 0) return false; // another instance took the import over
      if (rejections.length > 0)
        await tx.query(
          `INSERT INTO ${s}.import_rejections (import_id, line, errors)
             SELECT $1, r.line, r.errors FROM jsonb_to_recordset($2::jsonb) AS r(line int, errors jsonb)
           ON CONFLICT DO NOTHING`,
          [id, JSON.stringify(rejections)],
        );
      return true;
    });
  }
}

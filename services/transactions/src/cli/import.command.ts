import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { parseArgs } from 'node:util';
import {
  formatCount,
  formatDuration,
  plainLine,
  renderBar,
  type ProgressView,
} from './progress.js';

/** Where the CLI writes: a terminal gets a bar redrawn in place, anything else plain lines. */
export interface CliOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface ImportOptions {
  readonly file: string;
  /** The service's base URL, e.g. http://localhost:4003 */
  readonly url: string;
  /** A bearer token (with or without the `Bearer ` prefix). */
  readonly token: string;
  readonly format: 'csv' | 'ndjson';
  readonly sourceSystem?: string;
  /** How often the status resource is polled. */
  readonly intervalMs: number;
  /** Rejected lines printed at the end. */
  readonly show: number;
  /** Exit 3 when any line was rejected (default: report them, exit 0). */
  readonly failOnRejections: boolean;
  /** Give up after the service has not answered for this long while polling. */
  readonly unreachableMs: number;
}

export const EXIT = { ok: 0, failed: 1, usage: 2, rejected: 3, interrupted: 130 } as const;

export const USAGE = `Usage: maison-transactions import <file.csv|file.ndjson> --url <service> --token <bearer>

Uploads a backfill file to POST /v1/imports, follows the import's status resource with a progress
bar and prints the accepted and rejected counts and the first rejected lines with their reasons.

Options:
  --url <url>              the transactions service, e.g. http://localhost:4003 (env MAISON_TRANSACTIONS_URL)
  --token <token>          a bearer token with ingest:write (env MAISON_TOKEN)
  --format csv|ndjson      default: from the file extension (.csv; .ndjson or .jsonl)
  --source-system <name>   for files without a source_system column / sourceSystem field
  --interval <ms>          status polling interval (default 500)
  --show <n>               rejected lines to print (default 10)
  --fail-on-rejections     exit 3 if any line was rejected
  -h, --help

Exit codes: 0 completed, 1 failed (upload refused, import failed, service unreachable),
2 usage, 3 completed with rejections and --fail-on-rejections, 130 interrupted (the import goes on).`;

export type ParsedArgs =
  | { readonly ok: true; readonly options: ImportOptions }
  | { readonly ok: false; readonly help: boolean; readonly message: string };

export function parseImportArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        token: { type: 'string' },
        format: { type: 'string' },
        'source-system': { type: 'string' },
        interval: { type: 'string' },
        show: { type: 'string' },
        'fail-on-rejections': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    return { ok: false, help: false, message: err instanceof Error ? err.message : String(err) };
  }
  const { values, positionals } = parsed;
  if (values.help) return { ok: false, help: true, message: '' };
  const [command, file, ...extra] = positionals;
  if (command !== 'import') return { ok: false, help: false, message: 'unknown command' };
  if (!file || extra.length > 0)
    return { ok: false, help: false, message: 'give exactly one file to import' };
  const url = values.url ?? env.MAISON_TRANSACTIONS_URL;
  if (!url || !/^https?:\/\//.test(url))
    return { ok: false, help: false, message: '--url must be an http(s) URL' };
  const token = values.token ?? env.MAISON_TOKEN;
  if (!token) return { ok: false, help: false, message: '--token is required' };
  const ext = path.extname(file).toLowerCase();
  const format =
    values.format ??
    (ext === '.csv' ? 'csv' : ext === '.ndjson' || ext === '.jsonl' ? 'ndjson' : '');
  if (format !== 'csv' && format !== 'ndjson')
    return { ok: false, help: false, message: '--format must be csv or ndjson' };
  const int = (v: string | undefined, fallback: number, min: number): number | undefined => {
    if (v === undefined) return fallback;
    const n = Number(v);
    return Number.isInteger(n) && n >= min ? n : undefined;
  };
  const intervalMs = int(values.interval, 500, 50);
  const show = int(values.show, 10, 0);
  if (intervalMs === undefined)
    return { ok: false, help: false, message: '--interval must be an integer ≥ 50' };
  if (show === undefined) return { ok: false, help: false, message: '--show must be an integer' };
  return {
    ok: true,
    options: {
      file,
      url: url.replace(/\/+$/, ''),
      token,
      format,
      ...(values['source-system'] ? { sourceSystem: values['source-system'] } : {}),
      intervalMs,
      show,
      failOnRejections: values['fail-on-rejections'] === true,
      unreachableMs: 60_000,
    },
  };
}

interface ImportStatus {
  readonly importId: string;
  readonly status: 'receiving' | 'queued' | 'processing' | 'completed' | 'failed';
  readonly bytesTotal: number;
  readonly bytesProcessed: number;
  readonly linesProcessed: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly progress: number;
  readonly error: string | null;
}

interface Rejection {
  readonly line: number;
  readonly errors: readonly {
    readonly pointer?: string;
    readonly detail: string;
    readonly column?: string;
  }[];
}

/** Redraws one line on a terminal; on anything else prints a line when something moved enough. */
class Display {
  readonly #out: CliOutput;
  #lastPlain = '';
  #lastPct = -100;
  #drawn = false;

  constructor(out: CliOutput) {
    this.#out = out;
  }

  show(v: ProgressView): void {
    if (this.#out.isTTY) {
      this.#out.write(`\r\x1b[2K${renderBar(v, this.#out.columns ?? 80)}`);
      this.#drawn = true;
      return;
    }
    const pct = Math.floor(v.fraction * 100);
    const phaseChanged = !this.#lastPlain.startsWith(`${v.phase} `);
    if (!phaseChanged && pct - this.#lastPct < 10) return;
    const line = plainLine(v);
    this.#lastPlain = line;
    this.#lastPct = pct;
    this.#out.write(`${line}\n`);
  }

  /** Ends the bar's line before anything else is printed. */
  done(): void {
    if (this.#drawn) this.#out.write('\n');
    this.#drawn = false;
  }
}

async function problemText(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const p = JSON.parse(text) as {
      title?: string;
      detail?: string;
      errors?: { pointer?: string; detail?: string }[];
    };
    const errors = (p.errors ?? [])
      .slice(0, 5)
      .map((e) => `${e.pointer ?? ''} ${e.detail ?? ''}`.trim())
      .join('; ');
    const said = [p.title, p.detail, errors].filter((x) => x).join(' — ');
    return said === '' ? `HTTP ${String(res.status)}` : said;
  } catch {
    return `HTTP ${String(res.status)}`;
  }
}

function rejectionLine(r: Rejection): string {
  const reasons = r.errors
    .map(
      (e) =>
        `${e.column ?? (e.pointer === undefined || e.pointer === '' ? '(record)' : e.pointer)}: ${e.detail}`,
    )
    .join('; ');
  return `  line ${String(r.line)}: ${reasons}`;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });

/**
 * Uploads the file, follows the import to its end, prints the outcome; resolves to the exit code.
 * Polling survives a restart of the service (imports resume on the server): only a service
 * silent for `unreachableMs` ends it.
 */
export async function runImport(
  o: ImportOptions,
  io: { readonly out: CliOutput; readonly err: CliOutput; readonly signal?: AbortSignal },
): Promise<number> {
  const { out, err, signal } = io;
  const display = new Display(out);
  const authorization = /^bearer /i.test(o.token) ? o.token : `Bearer ${o.token}`;
  let size: number;
  try {
    size = statSync(o.file).size;
  } catch {
    err.write(`cannot read ${o.file}\n`);
    return EXIT.usage;
  }

  // upload, counting bytes as they leave
  const started = Date.now();
  let sent = 0;
  let lastDraw = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      sent += chunk.length;
      const now = Date.now();
      if (now - lastDraw >= 100) {
        lastDraw = now;
        const seconds = (now - started) / 1000;
        const rate = seconds > 0.2 ? sent / seconds : undefined;
        display.show({
          phase: 'uploading',
          fraction: size === 0 ? 1 : sent / size,
          bytesDone: sent,
          bytesTotal: size,
          lines: 0,
          accepted: 0,
          rejected: 0,
          ...(rate ? { rate, etaSeconds: (size - sent) / rate } : {}),
        });
      }
      done(null, chunk);
    },
  });
  const query = o.sourceSystem ? `?sourceSystem=${encodeURIComponent(o.sourceSystem)}` : '';
  let created: ImportStatus;
  try {
    const body = Readable.toWeb(createReadStream(o.file).pipe(counter));
    const res = await fetch(`${o.url}/v1/imports${query}`, {
      method: 'POST',
      headers: {
        authorization,
        'content-type': o.format === 'csv' ? 'text/csv' : 'application/x-ndjson',
      },
      body,
      duplex: 'half',
      ...(signal ? { signal } : {}),
    });
    display.done();
    if (res.status !== 202) {
      err.write(`upload refused (${String(res.status)}): ${await problemText(res)}\n`);
      return EXIT.failed;
    }
    created = (await res.json()) as ImportStatus;
  } catch (e) {
    display.done();
    if (signal?.aborted) return EXIT.interrupted;
    err.write(`upload failed: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT.failed;
  }
  const id = created.importId;
  out.write(`import ${id}: ${formatCount(size)} bytes uploaded, processing on the server\n`);

  // follow the status resource
  let status = created;
  let silentSince: number | undefined;
  const samples: { at: number; lines: number; bytes: number }[] = [];
  for (;;) {
    if (status.status === 'completed' || status.status === 'failed') break;
    await sleep(o.intervalMs, signal);
    if (signal?.aborted) {
      display.done();
      err.write(`interrupted: import ${id} goes on on the server (GET /v1/imports/${id})\n`);
      return EXIT.interrupted;
    }
    try {
      const res = await fetch(`${o.url}/v1/imports/${id}?rejections=0`, {
        headers: { authorization },
      });
      if (res.status !== 200) {
        if (res.status >= 500) throw new Error(`HTTP ${String(res.status)}`);
        display.done();
        err.write(`status refused (${String(res.status)}): ${await problemText(res)}\n`);
        return EXIT.failed;
      }
      status = (await res.json()) as ImportStatus;
      silentSince = undefined;
    } catch (e) {
      silentSince ??= Date.now();
      if (Date.now() - silentSince > o.unreachableMs) {
        display.done();
        err.write(
          `the service has not answered for ${formatDuration(o.unreachableMs / 1000)} ` +
            `(${e instanceof Error ? e.message : String(e)}); import ${id} may go on on the server\n`,
        );
        return EXIT.failed;
      }
      continue;
    }
    const now = Date.now();
    samples.push({ at: now, lines: status.linesProcessed, bytes: status.bytesProcessed });
    while (samples.length > 1 && now - (samples[0]?.at ?? now) > 5000) samples.shift();
    const first = samples[0];
    const span = first ? (now - first.at) / 1000 : 0;
    const rate = first && span > 0.5 ? (status.linesProcessed - first.lines) / span : undefined;
    const byteRate = first && span > 0.5 ? (status.bytesProcessed - first.bytes) / span : 0;
    display.show({
      phase: status.status,
      fraction: status.progress,
      bytesDone: status.bytesProcessed,
      bytesTotal: status.bytesTotal,
      lines: status.linesProcessed,
      accepted: status.accepted,
      rejected: status.rejected,
      ...(rate !== undefined ? { rate } : {}),
      ...(byteRate > 0
        ? { etaSeconds: (status.bytesTotal - status.bytesProcessed) / byteRate }
        : {}),
    });
  }
  display.done();
  const took = formatDuration((Date.now() - started) / 1000);
  if (status.status === 'failed') {
    err.write(`import ${id} failed after ${took}: ${status.error ?? 'no reason given'}\n`);
    return EXIT.failed;
  }
  out.write(
    `import ${id} completed in ${took}: ${formatCount(status.accepted)} accepted, ` +
      `${formatCount(status.rejected)} rejected (${formatCount(status.linesProcessed)} lines)\n`,
  );
  if (status.rejected > 0 && o.show > 0) {
    try {
      const res = await fetch(`${o.url}/v1/imports/${id}/rejections?limit=${String(o.show)}`, {
        headers: { authorization },
      });
      const page = (await res.json()) as { rejections: Rejection[] };
      out.write(`first rejected lines:\n${page.rejections.map(rejectionLine).join('\n')}\n`);
      if (status.rejected > page.rejections.length)
        out.write(
          `… ${formatCount(status.rejected - page.rejections.length)} more: GET /v1/imports/${id}/rejections\n`,
        );
    } catch (e) {
      err.write(`cannot list the rejected lines: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  }
  return status.rejected > 0 && o.failOnRejections ? EXIT.rejected : EXIT.ok;
}

// The import CLI against a served module: in process with a terminal-like output (the bar), and as
// the real command in a child process (plain lines, exit codes).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EXIT, runImport, type ImportOptions } from '../src/cli/import.command.js';
import { backfillBadRows, backfillCsv } from '../src/testing.js';
import { startHarness, transactionCount, until, type Harness } from './fixtures.js';

const ROWS = 3000;
const packageDir = path.resolve(import.meta.dirname, '..');
let h: Harness;
let dir: string;
let csvFile: string;

beforeAll(async () => {
  h = await startHarness({ transport: 'memory' });
  dir = mkdtempSync(path.join(os.tmpdir(), 'tx-cli-'));
  csvFile = path.join(dir, 'sales.csv');
  writeFileSync(csvFile, backfillCsv({ rows: ROWS, idPrefix: 'CLI-' }));
});

afterAll(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

function capture(isTTY: boolean) {
  let text = '';
  return {
    stream: {
      isTTY,
      columns: 100,
      write: (s: string) => {
        text += s;
        return true;
      },
    },
    text: () => text,
  };
}

const options = (over: Partial<ImportOptions> = {}): ImportOptions => ({
  file: csvFile,
  url: h.served.url,
  token: h.integration,
  format: 'csv',
  intervalMs: 50,
  show: 3,
  failOnRejections: false,
  unreachableMs: 5000,
  ...over,
});

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=@maison/source', 'src/cli/main.ts', ...args],
      { cwd: packageDir, env: { ...process.env, NODE_OPTIONS: '' } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

const bad = backfillBadRows({ rows: ROWS });

describe('import on a terminal', () => {
  it('draws a progress bar, then the counts and the first rejected lines with reasons', async () => {
    const out = capture(true);
    const err = capture(true);
    const code = await runImport(options(), { out: out.stream, err: err.stream });
    expect(err.text()).toBe('');
    expect(code).toBe(EXIT.ok);
    const text = out.text();
    // redrawn in place: carriage return + clear line, a bar, a percentage
    expect(text).toMatch(
      // eslint-disable-next-line no-control-regex
      /\r\x1b\[2K(uploading|receiving|queued|processing|completed) +\[[#-]+\] +\d+%/,
    );
    expect(text).toContain(`completed in`);
    expect(text).toContain(
      `: ${(ROWS - bad.length).toLocaleString('en-US')} accepted, ${String(bad.length)} rejected (${(ROWS + 1).toLocaleString('en-US')} lines)`,
    );
    expect(text).toContain('first rejected lines:');
    for (const b of bad.slice(0, 3))
      expect(text).toMatch(new RegExp(`  line ${String(b.line)}: ${b.column}: \\S`));
    expect(text).toContain(`… ${String(bad.length - 3)} more: GET /v1/imports/`);
    await until(
      async () =>
        (await transactionCount(h, `source_transaction_id LIKE 'CLI-%'`)) === ROWS - bad.length
          ? true
          : undefined,
      'the imported rows in the read model',
    );
  });
});

describe('the maison-transactions command', () => {
  it('prints plain progress lines off a terminal and exits 0 on completion', async () => {
    const r = await cli([
      'import',
      csvFile,
      '--url',
      h.served.url,
      '--token',
      h.integration,
      '--interval',
      '100',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // eslint-disable-next-line no-control-regex
    expect(r.stdout).not.toMatch(/[\r\u001b]/);
    expect(r.stdout).toMatch(/^import [0-9a-f-]{36}: [\d,]+ bytes uploaded/m);
    expect(r.stdout).toMatch(
      new RegExp(
        `completed in \\S+: ${(ROWS - bad.length).toLocaleString('en-US')} accepted, ${String(bad.length)} rejected`,
      ),
    );
    expect(r.stdout).toContain(`line ${String(bad[0]?.line)}: ${String(bad[0]?.column)}:`);
  }, 60_000);

  it('exits 3 with --fail-on-rejections when lines were rejected', async () => {
    const r = await cli([
      'import',
      csvFile,
      '--url',
      h.served.url,
      '--token',
      h.integration,
      '--fail-on-rejections',
      '--show',
      '0',
    ]);
    expect(r.code).toBe(3);
    expect(r.stdout).not.toContain('first rejected lines');
  }, 60_000);

  it('exits 1 when the service refuses the upload, naming why', async () => {
    const r = await cli(['import', csvFile, '--url', h.served.url, '--token', 'not-a-token']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^upload refused \(401\)/);
    const compliance = await h.env.auth.authorization({ role: 'compliance' });
    const forbidden = await cli(['import', csvFile, '--url', h.served.url, '--token', compliance]);
    expect([forbidden.code, forbidden.stderr.slice(0, 20)]).toEqual([1, 'upload refused (403)']);
  }, 60_000);

  it('exits 1 when the import fails on the server side (a CSV header it cannot read)', async () => {
    const file = path.join(dir, 'bad-header.csv');
    writeFileSync(file, 'nonsense,columns\n1,2\n');
    const r = await cli(['import', file, '--url', h.served.url, '--token', h.integration]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('upload refused (400)');
    expect(r.stderr).toContain('/header');
  }, 60_000);

  it('exits 2 on a usage error or a missing file', async () => {
    const usage = await cli(['import', csvFile, '--token', 't']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('Usage: maison-transactions import');
    const missing = await cli([
      'import',
      path.join(dir, 'nope.csv'),
      '--url',
      h.served.url,
      '--token',
      't',
    ]);
    expect([missing.code, missing.stderr.trim()]).toEqual([
      2,
      `cannot read ${path.join(dir, 'nope.csv')}`,
    ]);
  }, 60_000);
});

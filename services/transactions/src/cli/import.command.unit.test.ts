import { describe, expect, it } from '@jest/globals';
import { parseImportArgs } from './import.command.js';

const base = ['import', 'sales.csv', '--url', 'http://localhost:4003/', '--token', 't0k'];

describe('import arguments', () => {
  it('takes the file, the service and the token; the format from the extension', () => {
    const r = parseImportArgs(base);
    expect(r).toEqual({
      ok: true,
      options: {
        file: 'sales.csv',
        url: 'http://localhost:4003',
        token: 't0k',
        format: 'csv',
        intervalMs: 500,
        show: 10,
        failOnRejections: false,
        unreachableMs: 60_000,
      },
    });
    const nd = parseImportArgs(['import', 'x.jsonl', '--url', 'https://tx', '--token', 't']);
    expect(nd.ok && nd.options.format).toBe('ndjson');
  });

  it('reads the service and the token from the environment', () => {
    const r = parseImportArgs(['import', 'a.ndjson'], {
      MAISON_TRANSACTIONS_URL: 'http://svc',
      MAISON_TOKEN: 'abc',
    });
    expect(r.ok && [r.options.url, r.options.token, r.options.format]).toEqual([
      'http://svc',
      'abc',
      'ndjson',
    ]);
  });

  it('takes the options', () => {
    const r = parseImportArgs([
      ...base,
      '--format',
      'ndjson',
      '--source-system',
      'pos.xstore',
      '--interval',
      '100',
      '--show',
      '3',
      '--fail-on-rejections',
    ]);
    expect(r.ok && r.options).toMatchObject({
      format: 'ndjson',
      sourceSystem: 'pos.xstore',
      intervalMs: 100,
      show: 3,
      failOnRejections: true,
    });
  });

  it.each([
    [['export', 'a.csv', '--url', 'http://x', '--token', 't'], 'unknown command'],
    [['import', '--url', 'http://x', '--token', 't'], 'exactly one file'],
    [['import', 'a.csv', 'b.csv', '--url', 'http://x', '--token', 't'], 'exactly one file'],
    [['import', 'a.csv', '--token', 't'], '--url'],
    [['import', 'a.csv', '--url', 'ftp://x', '--token', 't'], '--url'],
    [['import', 'a.csv', '--url', 'http://x'], '--token'],
    [['import', 'a.txt', '--url', 'http://x', '--token', 't'], '--format'],
    [[...base, '--interval', '1'], '--interval'],
    [[...base, '--show', '-2'], '--show'],
    [[...base, '--bogus'], 'Unknown option'],
  ])('refuses %j', (argv, message) => {
    const r = parseImportArgs(argv);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain(message);
  });

  it('has a help', () => {
    expect(parseImportArgs(['--help'])).toEqual({ ok: false, help: true, message: '' });
  });
});

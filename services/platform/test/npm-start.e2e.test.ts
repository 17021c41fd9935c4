import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from '@jest/globals';

// `npm start` as a new user runs it: from the repository root, on a fresh data folder, with the
// default demo — then the sample query the banner prints, then Ctrl+C (SIGINT).
const root = path.resolve(import.meta.dirname, '..', '..', '..');

it('starts the whole platform with demo data, answers the sample query, and stops cleanly', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'maison-start-'));
  // A base port of its own, so a developer's `npm start` on 4000 never collides with the test.
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const child = spawn('npm', ['start'], {
    cwd: root,
    env: { ...process.env, MAISON_DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      resolve({ code, signal });
    }),
  );
  try {
    const started = Date.now();
    while (!out.includes('Maison is ready')) {
      if (Date.now() - started > 170_000)
        throw new Error(`not ready in time:\n${out.slice(-3000)}`);
      if (child.exitCode !== null) throw new Error(`npm start exited:\n${out.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const readyIn = Number(/ready in ([\d.]+) s/.exec(out)?.[1]);
    process.stdout.write(`npm start: ready in ${String(readyIn)} s\n`);
    // The sample query the banner prints, as a user would paste it.
    const token = /authorization: Bearer ([\w.-]+)/.exec(out)?.[1];
    const payload = /-d '(\{"query".*\})'/.exec(out)?.[1];
    expect(token).toBeDefined();
    expect(payload).toBeDefined();
    const res = await fetch(`http://127.0.0.1:${String(port)}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token ?? ''}` },
      body: payload ?? '',
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      data?: { client?: { id: string; transactions: { edges: unknown[] }; profile: unknown } };
      errors?: unknown;
    };
    expect(body.errors).toBeUndefined();
    expect(body.data?.client?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.data?.client?.transactions.edges.length).toBeGreaterThan(0);
    expect(body.data?.client?.profile).not.toBeNull();
    // Ctrl+C: the terminal signals the whole process group (npm and the platform under it).
    process.kill(-(child.pid ?? 0), 'SIGINT');
    const end = await exited;
    // npm re-raises the signal on itself once its script has ended; the platform must have
    // finished its shutdown with exit code 0 before that.
    expect(out).toContain('Maison stopped cleanly.');
    expect(end.code === 0 || end.signal === 'SIGINT').toBe(true);
  } finally {
    try {
      process.kill(-(child.pid ?? 0), 'SIGKILL');
    } catch {
      // already gone
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 240_000);

// Container health check of every Maison process: its own /readyz (each dependency probed with
// a timeout by service-kit), on the port it listens on. Node's fetch: the slim image has no curl.
const port = process.env.PORT ?? '8080';
try {
  const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(4000) });
  process.exit(res.status === 200 ? 0 : 1);
} catch {
  process.exit(1);
}

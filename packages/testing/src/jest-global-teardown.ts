// Stops whatever the global setup started with testcontainers (nothing when infra came from env
// or `npm run infra:up`, which the developer owns).
export default async function globalTeardown(): Promise<void> {
  const containers = globalThis.__maisonContainers ?? [];
  globalThis.__maisonContainers = undefined;
  await Promise.all(containers.map((c) => c.stop()));
}

import { generateDemoData } from '@maison/demo-data';
import type { RunningPlatform } from './platform.js';

/** The client view: everything an associate's screen shows, in one federated query. */
export const SAMPLE_QUERY = `query ClientView($id: ID!) {
  client(id: $id) {
    id
    identifiers { type masked }
    profile { name { native { full } latin { full } } languages homeStoreId }
    clientBook { primary { associateId storeId } }
    tier { level }
    spend { lifetime { amount currency } rolling12Months { amount currency } }
    transactions(first: 5) { edges { node { occurredAt storeId total { amount currency } } } }
    consents { purpose channel state }
    canContact(channel: EMAIL, purpose: MARKETING) { allowed reason }
    recommendations(first: 3) { personalised items { name reason } }
  }
}`;

/** A demo client of the Paris boutique with history, and the associate who looks after them. */
async function sampleClient(
  platform: RunningPlatform,
): Promise<{ clientId: string; associateId: string; storeId: string } | undefined> {
  const demo = generateDemoData({ clients: 40 });
  const client = demo.clients.find((c) => c.homeStoreId === 'PAR-01' && c.segment !== 'one_time');
  if (!client) return undefined;
  const token = await platform.embedded.issuer.mintToken({
    role: 'integration',
    subject: 'banner',
  });
  const res = await fetch(`${platform.urls.identity ?? ''}/v1/identify`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      identifiers: [{ type: 'email', value: client.email }],
      storeId: 'PAR-01',
      region: 'EU',
    }),
  });
  const body = (await res.json()) as { clientId?: string };
  return body.clientId
    ? {
        clientId: body.clientId,
        associateId: client.primaryAssociateId,
        storeId: client.homeStoreId,
      }
    : undefined;
}

export async function banner(platform: RunningPlatform, startedInMs: number): Promise<string> {
  const sample = await sampleClient(platform).catch(() => undefined);
  const token = sample
    ? await platform.embedded.issuer.mintToken({
        role: 'associate',
        subject: sample.associateId,
        associateId: sample.associateId,
        storeIds: [sample.storeId],
      })
    : undefined;
  const demo =
    platform.demo === 'skipped'
      ? 'no demo data (MAISON_DEMO=off)'
      : platform.demo === 'already-loaded'
        ? 'demo data already loaded in this data folder'
        : `the first ${String(platform.demo.clients)} demo clients are in (${String(platform.demo.transactions)} transactions, ${String(platform.demo.consents)} consents, ${String(platform.demo.notes)} notes); the rest of the demo house loads in the background`;
  const lines = [
    '',
    `Maison is ready in ${(startedInMs / 1000).toFixed(1)} s — ${demo}.`,
    '',
    `  GraphQL (gateway)   ${platform.graphqlUrl}`,
    `  Dev tokens          POST ${platform.urls.gateway ?? ''}/auth/dev/token  {"role":"associate","associateId":"par-01-a1","storeIds":["PAR-01"]}`,
    ...Object.entries(platform.urls)
      .filter(([name]) => name !== 'gateway')
      .map(([name, url]) => `  ${name.padEnd(18)}  ${url}  (REST /v1/…, OpenAPI /v1/openapi.yaml)`),
    '',
    'Try the client view as the client’s associate:',
    '',
    `  curl -s ${platform.graphqlUrl} -H 'content-type: application/json' \\`,
    `    -H 'authorization: Bearer ${token ?? '<token from /auth/dev/token>'}' \\`,
    `    -d '${JSON.stringify({ query: SAMPLE_QUERY.replace(/\s+/g, ' '), variables: { id: sample?.clientId ?? '<client id>' } })}'`,
    '',
    'Stop with Ctrl+C. The data stays in the data folder; delete it to start afresh.',
    '',
  ];
  return `${lines.join('\n')}\n`;
}

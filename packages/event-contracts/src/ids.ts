import { createHash, randomUUID } from 'node:crypto';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID_RE.test(value);
}

function uuidBytes(uuid: string): Buffer {
  if (!isUuid(uuid)) throw new TypeError(`not a UUID: ${uuid}`);
  return Buffer.from(uuid.replace(/-/g, ''), 'hex');
}

function formatUuid(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** RFC 9562 UUID version 5 (SHA-1 of namespace + name). */
export function uuidV5(name: string, namespace: string): string {
  const hash = createHash('sha1').update(uuidBytes(namespace)).update(name, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  return formatUuid(bytes);
}

/** The namespace of every Maison event id derived from an external fact. Never change it. */
export const MAISON_EVENT_NAMESPACE = '6f2b8a4e-3c1d-5e7f-9a0b-1c2d3e4f5a6b';

/**
 * The id of an event recording an ingested fact: the same source system, source id and event type
 * always give the same id, so a replayed file, a redelivered Kafka message or a retried webhook
 * dedupes on append.
 */
export function deterministicEventId(fact: {
  sourceSystem: string;
  sourceId: string;
  type: string;
}): string {
  for (const [k, v] of Object.entries(fact)) {
    if (v.length === 0) throw new TypeError(`deterministicEventId: ${k} must not be empty`);
  }
  // Length-prefixed parts, so ('a|b', 'c') and ('a', 'b|c') never collide.
  const name = [fact.sourceSystem, fact.sourceId, fact.type]
    .map((p) => `${String(p.length)}:${p}`)
    .join('|');
  return uuidV5(name, MAISON_EVENT_NAMESPACE);
}

/** A random (v4) id, for events that are decisions of our own rather than ingested facts. */
export function newEventId(): string {
  return randomUUID();
}

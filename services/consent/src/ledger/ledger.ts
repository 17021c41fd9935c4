import { REGIONS, type Region } from '@maison/event-contracts';
import type { RecordedEvent, EventStore } from '@maison/event-store';
import { startProjector, type Projector } from '@maison/event-store';
import { envelopeOf } from '@maison/messaging';
import { NotFoundError, ValidationError } from '@maison/service-kit';
import { quoteIdent, type SqlDatabase, type SqlQueryable } from '@maison/sql';
import type { LedgerBundle } from '../verifier/bundle.js';
import { buildBundle, type StoredLeaf } from './bundle-builder.js';
import { canonicalJson } from './canonical-json.js';
import {
  ledgerOrigin,
  type LedgerPublicKey,
  type LedgerSigner,
  type SignedCheckpoint,
} from './checkpoint.js';
import { consistencyProof, inclusionProof, leafHash, rootHash } from './merkle.js';

/**
 * The tamper-evident ledger: every event of the consent store (what is stored — PII is
 * ciphertext) becomes a leaf of its region's RFC 6962 tree, in the store's global order; signed
 * checkpoints commit to the tree; proofs and exports come from here. Erasure destroys keys, never
 * leaves, so the ledger verifies before and after.
 */
interface CheckpointRow {
  tree_size: string | number;
  root_hash: string;
  timestamp: string;
  key_id: string;
  signature: string;
  origin: string;
}

export class Ledger {
  readonly #db: SqlDatabase;
  readonly #s: string;
  readonly #signer: LedgerSigner;
  readonly #clock: () => Date;
  /** Leaf hashes per region, loaded incrementally (leaves are append-only). */
  readonly #hashes = new Map<Region, Buffer[]>();
  #projector: Projector | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: {
    database: SqlDatabase;
    schema: string;
    signer: LedgerSigner;
    clock: () => Date;
  }) {
    this.#db = options.database;
    this.#s = quoteIdent(options.schema);
    this.#signer = options.signer;
    this.#clock = options.clock;
  }

  get signer(): LedgerSigner {
    return this.#signer;
  }

  /** The bytes a leaf is over: the canonical JSON of the stored event (envelope fields only). */
  static leafBytes(event: RecordedEvent): Buffer {
    return Buffer.from(canonicalJson(envelopeOf(event)), 'utf8');
  }

  async start(store: EventStore, schema: string, onError: (error: unknown) => void): Promise<void> {
    await this.#db.query(
      `INSERT INTO ${this.#s}.ledger_keys (key_id, algorithm, public_key) VALUES ($1, $2, $3) ON CONFLICT (key_id) DO NOTHING`,
      [this.#signer.keyId, this.#signer.publicKey.algorithm, this.#signer.publicKey.publicKey],
    );
    const run = async (): Promise<void> => {
      this.#projector = await startProjector({
        name: 'consent.ledger',
        store,
        database: this.#db,
        schema,
        apply: (event, tx) => this.#sequence(event, tx),
      });
      // Resume from the checkpoint after a failure (the sequencer is exactly-once with it).
      this.#projector.subscription.done.catch((error: unknown) => {
        onError(error);
        if (!this.#stopped) setTimeout(() => void run().catch(onError), 1_000).unref();
      });
    };
    await run();
  }

  async live(): Promise<void> {
    await this.#projector?.live;
  }

  /** Signs a checkpoint every `intervalMs` when the tree grew. */
  startCheckpointing(intervalMs: number, onError: (error: unknown) => void): void {
    const tick = async () => {
      for (const region of await this.regions()) await this.checkpoint(region);
    };
    this.#timer = setInterval(() => {
      tick().catch(onError);
    }, intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#projector?.stop();
  }

  async #sequence(event: RecordedEvent, tx: SqlQueryable): Promise<void> {
    // One sequencer at a time (replicas take turns): seq numbers stay dense per region.
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('maison.consent.ledger'))`);
    const bytes = Ledger.leafBytes(event);
    await tx.query(
      `INSERT INTO ${this.#s}.ledger_leaves (region, seq, event_id, stream_id, event_type, leaf_hash, bytes, recorded_at)
       SELECT $1, coalesce(max(seq) + 1, 0), $2, $3, $4, $5, $6, $7 FROM ${this.#s}.ledger_leaves WHERE region = $1
       ON CONFLICT (event_id) DO NOTHING`,
      [
        event.region,
        event.id,
        event.streamId,
        event.type,
        leafHash(bytes),
        bytes.toString('utf8'),
        event.recordedAt,
      ],
    );
  }

  async regions(): Promise<Region[]> {
    const rows = await this.#db.query<{ region: Region }>(
      `SELECT DISTINCT region FROM ${this.#s}.ledger_leaves`,
    );
    return rows.map((r) => r.region);
  }

  static region(value: string): Region {
    if (!(REGIONS as readonly string[]).includes(value))
      throw new ValidationError(`Unknown region ${JSON.stringify(value).slice(0, 20)}.`, [
        { pointer: '/region', detail: `must be one of ${REGIONS.join(', ')}` },
      ]);
    return value as Region;
  }

  async #leafHashes(region: Region): Promise<Buffer[]> {
    const cached = this.#hashes.get(region) ?? [];
    const rows = await this.#db.query<{ leaf_hash: Buffer }>(
      `SELECT leaf_hash FROM ${this.#s}.ledger_leaves WHERE region = $1 AND seq >= $2 ORDER BY seq`,
      [region, cached.length],
    );
    const hashes = [...cached, ...rows.map((r) => Buffer.from(r.leaf_hash))];
    this.#hashes.set(region, hashes);
    return hashes;
  }

  async size(region: Region): Promise<number> {
    return (await this.#leafHashes(region)).length;
  }

  /** Signs a checkpoint over the whole tree now, unless the last one already covers it. */
  async checkpoint(region: Region): Promise<SignedCheckpoint | undefined> {
    const hashes = await this.#leafHashes(region);
    const latest = await this.latestCheckpoint(region);
    if (hashes.length === 0 || (latest !== undefined && latest.treeSize >= hashes.length))
      return latest;
    const signed = this.#signer.sign({
      origin: ledgerOrigin(region),
      treeSize: hashes.length,
      rootHash: rootHash(hashes).toString('hex'),
      timestamp: this.#clock().toISOString(),
    });
    await this.#db.query(
      `INSERT INTO ${this.#s}.ledger_checkpoints (region, tree_size, root_hash, timestamp, key_id, signature, origin)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (region, tree_size) DO NOTHING`,
      [
        region,
        signed.treeSize,
        signed.rootHash,
        signed.timestamp,
        signed.keyId,
        signed.signature,
        signed.origin,
      ],
    );
    return (await this.checkpointAt(region, signed.treeSize)) ?? signed;
  }

  static row(r: CheckpointRow): SignedCheckpoint {
    return Ledger.#rowOf(r);
  }

  static #rowOf(r: {
    tree_size: string | number;
    root_hash: string;
    timestamp: string;
    key_id: string;
    signature: string;
    origin: string;
  }): SignedCheckpoint {
    return {
      origin: r.origin,
      treeSize: Number(r.tree_size),
      rootHash: r.root_hash,
      timestamp: r.timestamp,
      keyId: r.key_id,
      signature: r.signature,
    };
  }

  async checkpoints(region: Region, limit = 100): Promise<SignedCheckpoint[]> {
    const rows = await this.#db.query<CheckpointRow>(
      `SELECT * FROM (SELECT * FROM ${this.#s}.ledger_checkpoints WHERE region = $1 ORDER BY tree_size DESC LIMIT $2) c ORDER BY tree_size`,
      [region, limit],
    );
    return rows.map((r) => Ledger.#rowOf(r));
  }

  async latestCheckpoint(region: Region): Promise<SignedCheckpoint | undefined> {
    return (await this.checkpoints(region, 1))[0];
  }

  async checkpointAt(region: Region, treeSize: number): Promise<SignedCheckpoint | undefined> {
    const rows = await this.#db.query<CheckpointRow>(
      `SELECT * FROM ${this.#s}.ledger_checkpoints WHERE region = $1 AND tree_size = $2`,
      [region, treeSize],
    );
    return rows[0] ? Ledger.#rowOf(rows[0]) : undefined;
  }

  async keys(): Promise<LedgerPublicKey[]> {
    const rows = await this.#db.query<{ key_id: string; public_key: string }>(
      `SELECT key_id, public_key FROM ${this.#s}.ledger_keys ORDER BY first_used_at`,
    );
    return rows.map((r) => ({ keyId: r.key_id, algorithm: 'Ed25519', publicKey: r.public_key }));
  }

  /** A checkpoint covering every leaf sequenced so far (signs one if needed). */
  async #head(region: Region): Promise<SignedCheckpoint> {
    const head = await this.checkpoint(region);
    if (head === undefined) throw new NotFoundError(`The ${region} ledger is empty.`);
    return head;
  }

  async leafOf(eventId: string): Promise<{ region: Region; seq: number } | undefined> {
    const rows = await this.#db.query<{ region: Region; seq: string }>(
      `SELECT region, seq FROM ${this.#s}.ledger_leaves WHERE event_id = $1`,
      [eventId],
    );
    return rows[0] ? { region: rows[0].region, seq: Number(rows[0].seq) } : undefined;
  }

  async inclusion(region: Region, seq: number, treeSize?: number) {
    const head =
      treeSize === undefined ? await this.#head(region) : await this.checkpointAt(region, treeSize);
    if (head === undefined)
      throw new NotFoundError(`No checkpoint of size ${String(treeSize)} in the ${region} ledger.`);
    if (!Number.isSafeInteger(seq) || seq < 0 || seq >= head.treeSize)
      throw new NotFoundError(
        `Leaf ${String(seq)} is not in the ${region} tree of size ${String(head.treeSize)}.`,
      );
    const hashes = await this.#leafHashes(region);
    return {
      region,
      seq,
      treeSize: head.treeSize,
      leafHash: (hashes[seq] ?? Buffer.alloc(0)).toString('hex'),
      proof: inclusionProof(hashes, seq, head.treeSize).map((b) => b.toString('hex')),
      checkpoint: head,
    };
  }

  async consistency(region: Region, from: number, to: number) {
    const [a, b] = [await this.checkpointAt(region, from), await this.checkpointAt(region, to)];
    if (a === undefined || b === undefined || from > to)
      throw new NotFoundError(
        `Consistency needs two checkpoints of the ${region} ledger with from ≤ to.`,
      );
    const hashes = await this.#leafHashes(region);
    return {
      region,
      fromSize: from,
      toSize: to,
      proof: consistencyProof(hashes, from, to).map((x) => x.toString('hex')),
      from: a,
      to: b,
    };
  }

  async #storedLeaves(where: string, params: unknown[]): Promise<StoredLeaf[]> {
    const rows = await this.#db.query<{ seq: string; event_id: string; bytes: string }>(
      `SELECT seq, event_id, bytes FROM ${this.#s}.ledger_leaves WHERE ${where} ORDER BY seq`,
      params,
    );
    return rows.map((r) => ({
      seq: Number(r.seq),
      eventId: r.event_id,
      bytes: Buffer.from(r.bytes, 'utf8'),
    }));
  }

  /** A range export (default: the whole tree at a fresh checkpoint), with the last `checkpoints` checkpoints. */
  async exportRange(
    region: Region,
    options: { fromSeq?: number; toSeq?: number; checkpoints?: number } = {},
  ): Promise<LedgerBundle> {
    const head = await this.#head(region);
    const fromSeq = Math.max(0, options.fromSeq ?? 0);
    const toSeq = Math.min(head.treeSize - 1, options.toSeq ?? head.treeSize - 1);
    const leaves = await this.#storedLeaves('region = $1 AND seq BETWEEN $2 AND $3', [
      region,
      fromSeq,
      toSeq,
    ]);
    return this.#bundle('range', region, head, leaves, fromSeq, toSeq, options.checkpoints ?? 10);
  }

  /** A selection export: the leaves of these streams and the notice versions they cite. */
  async exportStreams(
    region: Region,
    streamIds: readonly string[],
    noticeStreams: readonly string[],
  ): Promise<LedgerBundle> {
    const head = await this.#head(region);
    const leaves = await this.#storedLeaves(
      'region = $1 AND stream_id = ANY($2::text[]) AND seq < $3',
      [region, [...streamIds, ...noticeStreams], head.treeSize],
    );
    return this.#bundle('selection', region, head, leaves, 0, head.treeSize - 1, 1);
  }

  async #bundle(
    kind: 'range' | 'selection',
    region: Region,
    head: SignedCheckpoint,
    leaves: StoredLeaf[],
    fromSeq: number,
    toSeq: number,
    checkpointCount: number,
  ): Promise<LedgerBundle> {
    const hashes = await this.#leafHashes(region);
    const checkpoints = (await this.checkpoints(region, Math.max(1, checkpointCount))).filter(
      (c) => c.treeSize <= head.treeSize,
    );
    const usedKeys = new Set(checkpoints.map((c) => c.keyId));
    return buildBundle({
      kind,
      region,
      origin: ledgerOrigin(region),
      exportedAt: this.#clock().toISOString(),
      keys: (await this.keys()).filter((k) => usedKeys.has(k.keyId)),
      checkpoints,
      leafHashes: hashes,
      leaves,
      fromSeq,
      toSeq,
    });
  }
}

import { TOPICS } from '@maison/event-contracts';
import type { MessageProducer } from '@maison/messaging';
import type { ServiceContext } from '@maison/runtime';
import { UnauthorizedError, ValidationError, type Logger } from '@maison/service-kit';
import type { SqlDatabase } from '@maison/sql';
import type { Request, Response } from 'express';
import { prepareRecord, type PrepareContext } from '../ingest/prepare.js';
import {
  mapCustomer,
  mapOrder,
  mapRefund,
  ShopifyMappingError,
  verifyShopifyHmac,
  type Mapped,
  type ShopConfig,
} from '../shopify/shopify.mapping.js';
import { ingestHeaders } from './ingest.consumer.js';

export interface ShopifyDeps {
  readonly ctx: Pick<ServiceContext, 'names'>;
  readonly database: SqlDatabase;
  readonly schema: string;
  readonly producer: MessageProducer;
  readonly prepare: PrepareContext;
  readonly shops: readonly ShopConfig[];
  readonly logger: Logger;
}

const TOPIC_NAMES = [
  'orders/create',
  'orders/updated',
  'refunds/create',
  'customers/create',
  'customers/update',
] as const;
type ShopifyTopic = (typeof TOPIC_NAMES)[number];

/**
 * `POST /v1/webhooks/shopify`: authenticated by `X-Shopify-Hmac-Sha256` (the raw body signed with
 * the shop's secret, compared in constant time) instead of a bearer token; deduplicated by
 * `X-Shopify-Webhook-Id`, remembered in the database once the mapped record is in Kafka. Orders
 * and refunds become transaction records on `ingest.transactions.v1`; customers become customer
 * records on `ingest.profiles.v1` for the profiles service.
 */
export class ShopifyWebhooks {
  readonly #d: ShopifyDeps;
  readonly #shops: Map<string, ShopConfig>;

  constructor(deps: ShopifyDeps) {
    this.#d = deps;
    this.#shops = new Map(deps.shops.map((s) => [s.domain, s]));
  }

  async handle(req: Request, res: Response): Promise<void> {
    const domain = req.get('x-shopify-shop-domain') ?? '';
    const shop = this.#shops.get(domain.toLowerCase());
    const raw = req.rawBody;
    // the same answer for an unknown shop and a bad signature: nothing to learn from probing
    if (!shop || !raw || !verifyShopifyHmac(raw, req.get('x-shopify-hmac-sha256'), shop.secret))
      throw new UnauthorizedError('The webhook signature does not verify.');
    const topic = req.get('x-shopify-topic') ?? '';
    const webhookId = req.get('x-shopify-webhook-id') ?? '';
    if (!/^[A-Za-z0-9._:-]{1,200}$/.test(webhookId))
      throw new ValidationError('X-Shopify-Webhook-Id is missing.', [
        { pointer: '/headers/x-shopify-webhook-id', detail: 'is required' },
      ]);
    if (!(TOPIC_NAMES as readonly string[]).includes(topic)) {
      res.status(200).json({ status: 'ignored', reason: 'topic not handled' });
      return;
    }
    const s = this.#d.schema;
    const seen = await this.#d.database.query(
      `SELECT 1 FROM ${s}.shopify_webhooks WHERE webhook_id = $1`,
      [webhookId],
    );
    if (seen.length > 0) {
      res.status(200).json({ status: 'duplicate' });
      return;
    }
    let mapped: Mapped;
    try {
      mapped = this.#map(shop, topic as ShopifyTopic, req.body);
    } catch (err) {
      if (err instanceof ShopifyMappingError)
        throw new ValidationError('The Shopify payload cannot be mapped.', [
          { pointer: err.pointer, detail: err.message },
        ]);
      throw err;
    }
    const headers = ingestHeaders(`shopify:${webhookId}`);
    let answer: Record<string, unknown>;
    if (mapped.kind === 'transaction') {
      const prepared = prepareRecord(mapped.record, this.#d.prepare);
      if (!prepared.ok)
        throw new ValidationError(
          'The Shopify payload is not a valid transaction.',
          prepared.errors,
          { status: 422 },
        );
      await this.#d.producer.send(this.#d.ctx.names.topic(TOPICS.ingestTransactions), [
        { key: prepared.record.key, value: JSON.stringify(prepared.record.input), headers },
      ]);
      answer = {
        status: 'accepted',
        eventId: prepared.record.eventId,
        transactionId: prepared.record.transactionId,
      };
    } else if (mapped.kind === 'profile') {
      await this.#d.producer.send(this.#d.ctx.names.topic(TOPICS.ingestProfiles), [
        { key: mapped.record.sourceRecordId, value: JSON.stringify(mapped.record), headers },
      ]);
      answer = { status: 'accepted', sourceRecordId: mapped.record.sourceRecordId };
    } else answer = { status: 'ignored', reason: mapped.reason };
    await this.#d.database.query(
      `INSERT INTO ${s}.shopify_webhooks (webhook_id, shop, topic) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
      [webhookId, shop.domain, topic],
    );
    res.status(200).json(answer);
  }

  #map(shop: ShopConfig, topic: ShopifyTopic, body: unknown): Mapped {
    switch (topic) {
      case 'orders/create':
      case 'orders/updated':
        return mapOrder(shop, topic, body);
      case 'refunds/create':
        return mapRefund(shop, body);
      case 'customers/create':
      case 'customers/update':
        return mapCustomer(shop, body);
      default: {
        const never: never = topic;
        return never;
      }
    }
  }
}

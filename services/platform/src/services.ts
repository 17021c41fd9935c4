import { signerFromConfig, createConsentService } from '@maison/consent';
import type { ServiceName } from '@maison/event-contracts';
import { createIdentityService } from '@maison/identity';
import { createProfilesService } from '@maison/profiles';
import { createRecommendationsService } from '@maison/recommendations';
import { createTransactionsService, transactionsConfigFromEnv } from '@maison/transactions';
import type { ServiceFactory } from './embedded.js';

/** The demo's web shop: webhooks of this shop are accepted, signed with the data folder's secret. */
export const DEMO_SHOP_DOMAIN = 'maison-aurele.myshopify.com';

/**
 * The five services in start order (identity first: the others consume its decisions), each
 * given the embedded platform's settings instead of environment variables.
 */
export const EMBEDDED_SERVICES: readonly (readonly [ServiceName, ServiceFactory])[] = [
  ['identity', (ctx) => createIdentityService(ctx)],
  ['profiles', (ctx) => createProfilesService(ctx)],
  [
    'transactions',
    (ctx, { secrets }) =>
      createTransactionsService(ctx, {
        ...transactionsConfigFromEnv({}),
        shopifyShops: [
          {
            domain: DEMO_SHOP_DOMAIN,
            secret: secrets.shopifySecret,
            region: 'EU',
            country: 'FR',
            storeId: 'WEB-EU',
            taxesIncluded: true,
          },
        ],
      }),
  ],
  [
    'consent',
    (ctx, { secrets }) =>
      createConsentService(ctx, {
        signer: signerFromConfig(secrets.ledgerSigningKeyPem),
        shops: {},
      }),
  ],
  ['recommendations', (ctx) => createRecommendationsService(ctx)],
];

/** Where each subgraph listens (the committed supergraph records these). */
export const SUBGRAPH_PORTS: Readonly<Record<ServiceName, number>> = {
  identity: 4001,
  profiles: 4002,
  transactions: 4003,
  consent: 4004,
  recommendations: 4005,
};

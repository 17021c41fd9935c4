import { runStandalone } from '@maison/runtime';
import { createTransactionsService } from './app.js';
import { transactionsConfigFromEnv } from './config.js';

const config = transactionsConfigFromEnv();
await runStandalone({
  service: 'transactions',
  create: (ctx) => createTransactionsService(ctx, config),
});

import { runStandalone } from '@maison/runtime';
import { createConsentService } from './app.js';

await runStandalone({ service: 'consent', create: (ctx) => createConsentService(ctx) });

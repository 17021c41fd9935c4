import { runStandalone } from '@maison/runtime';
import { createRecommendationsService } from './app.js';
import { settingsFromEnv } from './config.js';

const settings = settingsFromEnv();
await runStandalone({
  service: 'recommendations',
  create: (ctx) => createRecommendationsService(ctx, settings),
});

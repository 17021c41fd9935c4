import { runStandalone } from '@maison/runtime';
import { createProfilesService } from './app.js';
import { configFromEnv } from './config.js';

const config = configFromEnv(process.env);
await runStandalone({
  service: 'profiles',
  create: (ctx) => createProfilesService(ctx, { config }),
});

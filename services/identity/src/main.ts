import { readFileSync } from 'node:fs';
import { runStandalone } from '@maison/runtime';
import { createIdentityService } from './app.js';
import { ruleSetSchema } from './rules/rule-set.js';

// IDENTITY_RULES_FILE: a JSON rule set (see src/rules/default.rules.ts) to run instead of the
// default one; invalid rules stop the service at start.
const rulesFile = process.env.IDENTITY_RULES_FILE;
const rules =
  rulesFile === undefined || rulesFile === ''
    ? undefined
    : ruleSetSchema.parse(JSON.parse(readFileSync(rulesFile, 'utf8')) as unknown);

await runStandalone({
  service: 'identity',
  create: (ctx) => createIdentityService(ctx, rules === undefined ? {} : { rules }),
});

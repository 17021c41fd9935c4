// The development token issuer in a process of its own (`npm run start:infra`, the `auth`
// container of docker compose): DEV_ISSUER_URL, DEV_ISSUER_AUDIENCE, DEV_ISSUER_KEY_DIR, PORT.
import { runService } from '@maison/service-kit';
import { devIssuerService } from './infra/dev-issuer.js';

await runService(devIssuerService(process.env));

// Standalone gateway: telemetry → config → engine → listen; SIGTERM drains HTTP, then stops the
// engine, then closes Redis. `GATEWAY_ENGINE=apollo` switches engine.
import { runService } from '@maison/service-kit';
import { gatewayConfig, gatewayOptionsFromConfig } from './config.js';
import { createGateway } from './gateway.js';

await runService({
  name: 'gateway',
  version: '0.1.0',
  config: gatewayConfig,
  async setup({ config, logger, readiness, shutdown }) {
    const wiring = gatewayOptionsFromConfig(config, logger);
    const gateway = await createGateway(wiring.options);
    for (const check of [...gateway.healthChecks, ...wiring.healthChecks])
      readiness.register(check);
    shutdown.on('consumers', 'engine', () => gateway.stop());
    shutdown.on('clients', 'redis', () => wiring.close());
    logger.info({ engine: gateway.engine, mode: gateway.mode }, 'gateway ready');
    return {
      routes: (app) => {
        gateway.routes(app);
      },
    };
  },
});

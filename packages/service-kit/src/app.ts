import { randomUUID } from 'node:crypto';
import express, {
  type ErrorRequestHandler,
  type Express,
  type Request,
  type RequestHandler,
} from 'express';
import type { Logger } from 'pino';
import { UnsupportedMediaTypeError } from './errors.js';
import { Readiness } from './health.js';
import { PROBLEM_CONTENT_TYPE, statusProblem, toProblem, type ProblemDetails } from './problem.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** The request id: the caller's `x-request-id` when sane, otherwise a fresh UUID. */
    id: string;
    /** Logger bound to this request (carries `requestId`). */
    log: Logger;
    /**
     * The exact bytes of a JSON body, kept for signature checks over the raw body (webhooks such
     * as Shopify's `X-Shopify-Hmac-Sha256`); undefined for other bodies.
     */
    rawBody?: Buffer;
  }
}

export const REQUEST_ID_HEADER = 'x-request-id';
// Bounded and free of whitespace or control characters, so it is safe in headers and logs.
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface AppOptions {
  readonly logger: Logger;
  /** Dependencies probed by `/readyz`; without it `/readyz` always answers ready. */
  readonly readiness?: Readiness;
  /** Largest accepted request body (bytes or a string like `'256kb'`). */
  readonly bodyLimit?: number | string;
  /**
   * Media types accepted for request bodies; other types get a 415. JSON types are parsed into
   * `req.body`; add e.g. `application/x-ndjson` here and read the stream yourself.
   */
  readonly bodyTypes?: readonly string[];
  /** Mounts the service's routes; they run after request ids, logging and body parsing. */
  readonly routes?: (app: Express) => void;
}

const JSON_TYPES = ['application/json', 'application/*+json'];

function pathOf(req: Request): string {
  return req.originalUrl.split('?', 1)[0] ?? '/';
}

function sendProblem(res: express.Response, problem: ProblemDetails): void {
  res.status(problem.status).type(PROBLEM_CONTENT_TYPE).json(problem);
}

function requestContext(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get(REQUEST_ID_HEADER);
    req.id = incoming !== undefined && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    req.log = logger.child({ requestId: req.id });
    res.setHeader(REQUEST_ID_HEADER, req.id);

    const started = performance.now();
    const probe = req.path === '/healthz' || req.path === '/readyz';
    // Method, path and status only: headers, query strings and bodies may carry personal data.
    const line = () => ({
      method: req.method,
      path: pathOf(req),
      status: res.statusCode,
      durationMs: Math.round(performance.now() - started),
    });
    res.on('finish', () => {
      if (probe) req.log.debug(line(), 'request completed');
      else req.log.info(line(), 'request completed');
    });
    res.on('close', () => {
      if (!res.writableFinished)
        req.log.warn(line(), 'request aborted before the response completed');
    });
    next();
  };
}

function hasBody(req: Request): boolean {
  const length = req.get('content-length');
  return req.get('transfer-encoding') !== undefined || (length !== undefined && length !== '0');
}

function requireBodyType(types: readonly string[]): RequestHandler {
  return (req, _res, next) => {
    if (hasBody(req) && !req.is([...types])) {
      const got = req.get('content-type');
      throw new UnsupportedMediaTypeError(
        `Request bodies must be one of ${types.join(', ')}; got ${got === undefined ? 'no content type' : JSON.stringify(got)}.`,
      );
    }
    next();
  };
}

const problemHandler: ErrorRequestHandler = (error: unknown, req, res, next) => {
  if (res.headersSent) {
    // Too late for a problem response; express' default handler closes the connection.
    next(error);
    return;
  }
  const { problem, unexpected } = toProblem(error, { instance: pathOf(req), requestId: req.id });
  if (unexpected) req.log.error({ err: error }, 'unexpected error while handling a request');
  sendProblem(res, problem);
};

/**
 * An express app with request ids, safe request logging, body limits, `/healthz`, `/readyz`,
 * problem+json errors and a problem+json 404. It does not listen; `startService` does.
 */
export function createApp(options: AppOptions): Express {
  const bodyTypes = options.bodyTypes ?? JSON_TYPES;
  const readiness = options.readiness ?? new Readiness();
  const app = express();
  app.disable('x-powered-by');

  app.use(requestContext(options.logger));

  // Liveness checks nothing external: restarting the process would not fix a database outage.
  app.get('/healthz', (_req, res) => {
    res.set('cache-control', 'no-store').json({ status: 'ok' });
  });
  app.get('/readyz', async (req, res) => {
    const report = await readiness.report();
    if (report.status === 'unready') req.log.warn({ readiness: report }, 'not ready');
    res
      .status(report.status === 'ready' ? 200 : 503)
      .set('cache-control', 'no-store')
      .json(report);
  });

  app.use(requireBodyType(bodyTypes));
  const jsonTypes = bodyTypes.filter((t) => JSON_TYPES.includes(t) || t.endsWith('+json'));
  if (jsonTypes.length > 0)
    app.use(
      express.json({
        limit: options.bodyLimit ?? '256kb',
        type: jsonTypes,
        verify: (req, _res, buf) => {
          (req as express.Request).rawBody = buf;
        },
      }),
    );

  options.routes?.(app);

  app.use((req, res) => {
    sendProblem(res, {
      ...statusProblem(404, `No route for ${req.method} ${pathOf(req)}.`),
      instance: pathOf(req),
      requestId: req.id,
    });
  });
  app.use(problemHandler);
  return app;
}

import { describe, expect, it } from '@jest/globals';
import { ConcurrencyError } from '@maison/event-store';
import { z } from 'zod';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  parseInput,
  PayloadTooLargeError,
  toProblem,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
} from './index.js';

const context = { instance: '/clients/c-1', requestId: 'req-1' };

describe('toProblem', () => {
  it.each([
    [new NotFoundError('Client c-1 does not exist.'), 404, 'not-found', 'Not found'],
    [new ConflictError('The identifier is already linked.'), 409, 'conflict', 'Conflict'],
    [new ForbiddenError('Not your client book.'), 403, 'forbidden', 'Forbidden'],
    [new UnauthorizedError('Missing bearer token.'), 401, 'unauthorized', 'Unauthorized'],
    [new PayloadTooLargeError('Too big.'), 413, 'payload-too-large', 'Payload too large'],
    [
      new UnsupportedMediaTypeError('JSON only.'),
      415,
      'unsupported-media-type',
      'Unsupported media type',
    ],
  ])('maps %p to %i', (error, status, kind, title) => {
    expect(toProblem(error, context)).toEqual({
      problem: {
        type: `urn:maison:problem:${kind}`,
        title,
        status,
        detail: error.message,
        instance: '/clients/c-1',
        requestId: 'req-1',
      },
      unexpected: false,
    });
  });

  it('keeps field errors of a ValidationError and its 400/422 choice', () => {
    const errors = [{ pointer: '/email', detail: 'Invalid email address' }];
    expect(toProblem(new ValidationError('Invalid client.', errors)).problem).toMatchObject({
      status: 400,
      type: 'urn:maison:problem:validation',
      errors,
    });
    expect(
      toProblem(new ValidationError('Tier cannot go down.', [], { status: 422 })).problem.status,
    ).toBe(422);
  });

  it("reports the revisions of the event store's ConcurrencyError", () => {
    expect(toProblem(new ConcurrencyError('client-c1', 3, 5), context)).toEqual({
      problem: {
        type: 'urn:maison:problem:concurrency',
        title: 'Concurrent modification',
        status: 409,
        detail: 'The resource changed since it was read; reload it and retry.',
        expectedRevision: '3',
        actualRevision: '5',
        instance: '/clients/c-1',
        requestId: 'req-1',
      },
      unexpected: false,
    });
    expect(toProblem(new ConcurrencyError('client-c1', 'no_stream', 2)).problem).toMatchObject({
      expectedRevision: 'no_stream',
      actualRevision: '2',
    });
  });

  it('hides everything about an unexpected error', () => {
    const error = new Error('connection to db-primary.internal:5432 refused; jane@example.com');
    const { problem, unexpected } = toProblem(error, context);
    expect(unexpected).toBe(true);
    expect(problem).toMatchObject({
      type: 'urn:maison:problem:internal',
      status: 500,
      requestId: 'req-1',
    });
    expect(JSON.stringify(problem)).not.toMatch(/db-primary|jane|stack|at /);
  });

  it('treats a thrown non-error and a 5xx http error as unexpected', () => {
    expect(toProblem('boom').unexpected).toBe(true);
    expect(toProblem({ status: 503, message: 'upstream down', expose: false }).problem.status).toBe(
      500,
    );
  });

  it('maps body parser errors without quoting the body', () => {
    const parse = toProblem({
      status: 400,
      type: 'entity.parse.failed',
      expose: true,
      message: 'Unexpected token in JSON: {"email":"jane@example.com"',
    }).problem;
    expect(parse).toMatchObject({ status: 400, type: 'urn:maison:problem:malformed-body' });
    expect(JSON.stringify(parse)).not.toContain('jane');

    expect(
      toProblem({ status: 413, type: 'entity.too.large', limit: 1024, expose: true }).problem,
    ).toMatchObject({
      status: 413,
      type: 'urn:maison:problem:payload-too-large',
      detail: 'The request body exceeds the limit of 1024 bytes.',
    });
    expect(
      toProblem({
        status: 415,
        type: 'charset.unsupported',
        expose: true,
        message: 'unsupported charset "UTF-7"',
      }).problem,
    ).toMatchObject({ status: 415, type: 'urn:maison:problem:unsupported-media-type' });
  });

  it('maps other client errors to about:blank with the status title', () => {
    expect(
      toProblem({ status: 400, expose: true, message: 'Failed to decode param' }).problem,
    ).toEqual({
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      detail: 'Failed to decode param',
    });
    expect(
      toProblem({ statusCode: 405, expose: false, message: 'internal detail' }).problem,
    ).toEqual({
      type: 'about:blank',
      title: 'Method Not Allowed',
      status: 405,
    });
  });
});

describe('parseInput', () => {
  const schema = z.object({
    email: z.email(),
    addresses: z.array(z.object({ 'city/town': z.string() })),
  });

  it('returns the parsed value', () => {
    expect(parseInput(schema, { email: 'a@b.co', addresses: [] })).toEqual({
      email: 'a@b.co',
      addresses: [],
    });
  });

  it('throws a ValidationError with a JSON pointer per problem', () => {
    let thrown: unknown;
    try {
      parseInput(schema, { email: 'nope', addresses: [{}] }, { status: 422 });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    const error = thrown as ValidationError;
    expect(error.status).toBe(422);
    expect(error.errors.map((e) => e.pointer)).toEqual(['/email', '/addresses/0/city~1town']);
  });
});

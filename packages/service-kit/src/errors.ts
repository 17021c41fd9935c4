// Small typed errors thrown by domain and application code. They carry no HTTP types, so deciders
// and handlers can throw them freely; the HTTP edge (and later the GraphQL edge) maps them once.

/** A problem with one input field, in RFC 9457 style: a JSON Pointer into the request body. */
export interface FieldError {
  readonly pointer: string;
  readonly detail: string;
}

/** Base class of the errors the edges know how to map to a client-facing response. */
export abstract class ApplicationError extends Error {
  /** Stable machine-readable kind; becomes the problem `type` (`urn:maison:problem:<kind>`). */
  abstract readonly kind: string;
  abstract readonly status: number;
  /** Short, human-readable summary of the kind; the same for every occurrence. */
  abstract readonly title: string;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * Input the caller can fix. Use 400 for a request that does not match its schema and 422 for one
 * that is well-formed but breaks a business rule.
 */
export class ValidationError extends ApplicationError {
  readonly kind = 'validation';
  readonly title = 'Validation failed';
  readonly status: 400 | 422;
  readonly errors: readonly FieldError[];

  constructor(
    message: string,
    errors: readonly FieldError[] = [],
    options: ErrorOptions & { status?: 400 | 422 } = {},
  ) {
    super(message, options);
    this.status = options.status ?? 400;
    this.errors = errors;
  }
}

export class NotFoundError extends ApplicationError {
  readonly kind = 'not-found';
  readonly title = 'Not found';
  readonly status = 404;
}

/** The request conflicts with the current state (a duplicate, a closed workflow, …). */
export class ConflictError extends ApplicationError {
  readonly kind: string = 'conflict';
  readonly title: string = 'Conflict';
  readonly status = 409;
}

/** Authenticated, but not allowed to do this. */
export class ForbiddenError extends ApplicationError {
  readonly kind = 'forbidden';
  readonly title = 'Forbidden';
  readonly status = 403;
}

/** Missing or invalid credentials. */
export class UnauthorizedError extends ApplicationError {
  readonly kind = 'unauthorized';
  readonly title = 'Unauthorized';
  readonly status = 401;
}

export class PayloadTooLargeError extends ApplicationError {
  readonly kind = 'payload-too-large';
  readonly title = 'Payload too large';
  readonly status = 413;
}

export class UnsupportedMediaTypeError extends ApplicationError {
  readonly kind = 'unsupported-media-type';
  readonly title = 'Unsupported media type';
  readonly status = 415;
}

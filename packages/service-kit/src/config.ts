// Typed configuration from environment variables, validated once at start. A service either
// starts with a complete, valid config or refuses to start and says everything that is wrong.
import { z } from 'zod';

/** Environment variable name → schema of its value. */
export type ConfigShape = Record<string, z.ZodType>;
export type Config<S extends ConfigShape> = z.output<z.ZodObject<S>>;

const secrets = z.registry();

/** Flags a setting as secret: its value is never printed, in errors or in `describeConfig`. */
export function secret<T extends z.ZodType>(schema: T): T {
  secrets.add(schema);
  return schema;
}

/** True when the schema, or one it wraps (`.optional()`, `.default()`, …), was flagged secret. */
export function isSecret(schema: z.core.$ZodType): boolean {
  let current: z.core.$ZodType | undefined = schema;
  while (current) {
    if (secrets.has(current)) return true;
    const def: z.core.$ZodTypeDef & { innerType?: z.core.$ZodType; in?: z.core.$ZodType } =
      current._zod.def;
    current = def.innerType ?? def.in;
  }
  return false;
}

export interface ConfigProblem {
  readonly key: string;
  readonly message: string;
  readonly secret: boolean;
}

export function formatProblem(problem: ConfigProblem): string {
  return `${problem.key}${problem.secret ? ' (secret)' : ''}: ${problem.message}`;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(
      `Invalid configuration (${count}):\n${problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}`,
    );
    this.problems = problems;
  }
}

function shown(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
}

/** Settings every service has; `runService` merges them into the service's own shape. */
export const baseConfig = {
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Budget for the whole graceful shutdown; keep it below the orchestrator's kill timeout. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(20_000),
  /** Default per-dependency timeout of `/readyz`. */
  READINESS_TIMEOUT_MS: z.coerce.number().int().positive().default(2_000),
} satisfies ConfigShape;

/**
 * Reads and validates the settings. Empty strings count as unset, so `FOO=` in an env file falls
 * back to the default (or is reported missing). Throws a `ConfigError` listing every problem.
 */
export function loadConfig<S extends ConfigShape>(
  shape: S,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Config<S> {
  const input: Record<string, string> = {};
  for (const key of Object.keys(shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const result = z.object(shape).safeParse(input);
  if (result.success) return result.data;

  const problems = result.error.issues.map((issue): ConfigProblem => {
    const key = String(issue.path[0] ?? '(config)');
    const schema = shape[key];
    const flagged = schema !== undefined && isSecret(schema);
    const value = input[key];
    let message: string;
    if (value === undefined) message = 'required but not set';
    else if (flagged) message = `${issue.message} (value hidden)`;
    else message = `${issue.message} (got ${shown(value)})`;
    return { key, message, secret: flagged };
  });
  throw new ConfigError(problems);
}

/** The config with secrets masked, for a start-up log line. */
export function describeConfig<S extends ConfigShape>(
  shape: S,
  config: Config<S>,
): Record<string, unknown> {
  const config_: Record<string, unknown> = config;
  return Object.fromEntries(
    Object.keys(shape).map((key) => {
      const schema = shape[key];
      const value = config_[key];
      return [key, schema && isSecret(schema) && value !== undefined ? '[secret]' : value];
    }),
  );
}

import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

const REDACTED = '[redacted]';

// Field names whose values are credentials wherever they appear (request headers, AWS SDK objects, errors).
// The ExternalId of the member role is a shared secret against the confused-deputy problem: whoever knows
// it (and the role ARN) can make a third party's AWS principal assume the role for them.
const SECRET_FIELD =
  /^(authorization|cookie|set-cookie|x-api-key|password|passwd|pgpassword|redis_password|postgres_password|secret|secretaccesskey|sessiontoken|accesskeysecret|apikey|api_key|key|token|credentials?|aws_secret_access_key|aws_session_token|externalid|external_id|rootwatch_external_id)$/i;

// Credential-shaped text inside otherwise harmless strings (messages, URLs, error text).
const SECRET_PATTERNS: RegExp[] = [
  /\brw_[0-9a-f]{12}_[A-Za-z0-9_-]{20,}/g, // Rootwatch API keys
  /\bBearer\s+[A-Za-z0-9._~+/=-]+/gi,
  /\b(?:IQoJb3JpZ2lu|FwoGZXIvYXdz|FQoGZXIvYXdz)[A-Za-z0-9+/=]{16,}/g, // STS session tokens
  /(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{40}(?![A-Za-z0-9+/=])/g, // 40-character AWS secret access keys
  /(?<=(?:secret|token|password|externalid|external_id)["'=:\s]{1,4})[^\s"',;&]+/gi,
  // The password of a connection URL (postgres://user:pw@host, redis://:pw@host), whatever the scheme.
  /(?<=\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:)[^\s/@]+(?=@)/gi,
];

/** Replaces credential-shaped substrings; exported so other processes' log pipelines can reuse it. */
export function scrubText(text: string): string {
  let out = text;
  for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, REDACTED);
  return out;
}

/** Deep copy with every credential-named field and credential-shaped string redacted. */
export function scrubValue(input: unknown, depth = 0): unknown {
  let value = input;
  if (depth > 8) return value;
  if (typeof value === 'string') return scrubText(value);
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, depth + 1));
  if (value instanceof Error) {
    return {
      type: value.name,
      message: scrubText(value.message),
      ...('code' in value ? { code: (value as { code?: unknown }).code } : {}),
      ...(value.stack ? { stack: scrubText(value.stack) } : {}),
    };
  }
  if (value !== null && typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      // Serializer outputs (pino's req/res) keep their fields on getters; JSON is what gets written anyway.
      try {
        const plain = JSON.parse(JSON.stringify(value)) as unknown;
        if (plain === null || typeof plain !== 'object') return scrubValue(plain, depth);
        value = plain;
      } catch {
        return '[unserializable]';
      }
    }
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
      out[key] =
        SECRET_FIELD.test(key) && inner != null && inner !== '' ? REDACTED : scrubValue(inner, depth + 1);
    }
    return out;
  }
  return value;
}

export type CreateLoggerOptions = {
  level?: string;
  /** Where lines go (tests capture them); stdout when absent. */
  destination?: DestinationStream;
  name?: string;
};

/** The service logger: JSON lines, authorization headers and anything credential-shaped redacted. */
export function createLogger({
  level = 'info',
  destination,
  name = 'rootwatch-api',
}: CreateLoggerOptions = {}): Logger {
  return pino(
    {
      name,
      level,
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization'],
        censor: REDACTED,
      },
      serializers: {
        req: (req: { method?: string; url?: string; ip?: string; routeOptions?: { url?: string } }) =>
          scrubValue({
            method: req.method,
            url: req.url,
            route: req.routeOptions?.url,
            remoteAddress: req.ip,
          }),
        res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
        err: (err: Error) => scrubValue(pino.stdSerializers.err(err)),
      },
      formatters: {
        // req/res/err are left to the serializers above, which see the live objects.
        log: (object) =>
          Object.fromEntries(
            Object.entries(object).map(([key, value]) => [
              key,
              key === 'req' || key === 'res' || key === 'err'
                ? value
                : SECRET_FIELD.test(key) && value != null && value !== ''
                  ? REDACTED
                  : scrubValue(value),
            ]),
          ),
      },
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((arg) => (typeof arg === 'string' ? scrubText(arg) : arg)) as Parameters<typeof method>,
          );
        },
      },
    },
    destination,
  );
}

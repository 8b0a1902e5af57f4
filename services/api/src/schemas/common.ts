import { CONTROL_STATUSES, SEVERITIES } from '@rootwatch/core';
import { type Static, type TSchema, Type } from 'typebox';

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable machine-readable code, e.g. invalid_cursor.' }),
      message: Type.String(),
      details: Type.Optional(Type.Unknown()),
    }),
  },
  { title: 'Error' },
);

/**
 * `T | null`. Scalars use `type: [t, 'null']`: fast-json-stringify serializes that directly, whereas an anyOf makes
 * it validate every value against each branch (10x slower on 500-item feed pages).
 */
export const Nullable = <T extends TSchema>(schema: T) => {
  const type = (schema as { type?: unknown }).type;
  return typeof type === 'string' && type !== 'object' && type !== 'array'
    ? Type.Unsafe<Static<T> | null>({ ...schema, type: [type, 'null'] })
    : Type.Union([schema, Type.Null()]);
};

export const Timestamp = Type.String({ format: 'date-time', description: 'ISO-8601 UTC' });
export const NullableTimestamp = Nullable(Timestamp);

export const AccountId = Type.String({ pattern: '^[0-9]{12}$', description: '12-digit AWS account id' });
export const OrgId = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$', maxLength: 64 });
export const ControlIdParam = Type.String({ pattern: '^[a-z]+\\.[a-z0-9-]{1,60}$', maxLength: 64 });
export const SeverityValue = Type.Enum(SEVERITIES);
export const ControlStatusValue = Type.Enum(CONTROL_STATUSES);
export const Cursor = Type.String({
  minLength: 1,
  maxLength: 1024,
  pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$',
  description: 'Opaque cursor returned by this API.',
});
/** Free text: no control characters (Postgres text cannot hold NUL, and none belongs in a search). */
export const FreeText = (options: { maxLength: number; minLength?: number; description?: string }) =>
  Type.String({ pattern: '^[^\\u0000-\\u001f\\u007f]*$', ...options });
export const Limit = Type.Integer({ minimum: 1, maximum: 1000, default: 100 });

/** Status codes every authenticated JSON route can answer with, besides its own success code. */
export const errorResponses = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  429: ErrorResponse,
  500: ErrorResponse,
  503: ErrorResponse,
};

export const ListOf = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), next_cursor: Nullable(Type.String()) });

/**
 * A ListOf response around a JSON array of items already written (as the 200 serializer would write it), both as
 * parts of text in order: the response buffer is written from them, without first joining a page into one more
 * string.
 */
export const listJson = (items: readonly string[], nextCursor: string | null) => [
  '{"items":',
  ...items,
  `,"next_cursor":${JSON.stringify(nextCursor)}}`,
];

export const FeedOf = <T extends TSchema>(item: T) =>
  Type.Object({
    items: Type.Array(item),
    next_cursor: Nullable(
      Type.String({
        description:
          'Store this and pass it back as after/updated_after to resume; null only when nothing was ever returned.',
      }),
    ),
    has_more: Type.Boolean({ description: 'More items are available right now.' }),
  });

/** A FeedOf response around a JSON array of items already written, as parts in order (see listJson). */
export const feedJson = (items: readonly string[], nextCursor: string | null, hasMore: boolean) => [
  '{"items":',
  ...items,
  `,"next_cursor":${JSON.stringify(nextCursor)},"has_more":${hasMore}}`,
];

export const iso = (date: Date) => date.toISOString();
export const isoOrNull = (date: Date | null | undefined) => (date ? date.toISOString() : null);

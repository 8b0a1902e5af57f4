import { ERROR_CODES, RootwatchError } from '@rootwatch/core';
import { createApiKeysRepository, type Db } from '@rootwatch/db';
import { API_KEY_SCOPES, generateApiKey, isApiKeyScope } from './api-keys';

export class ApiKeyInputError extends RootwatchError {
  constructor(message: string) {
    super({ code: ERROR_CODES.apiKeyInvalid, message });
    this.name = 'ApiKeyInputError';
  }
}

/** What `list` shows about a key: never the key or its hash. */
export type ApiKeyInfo = {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  owner: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
};

const NAME = /^[\w .:@-]{1,100}$/;

/** API key management for the CLI (`rootwatch api-keys create|list|revoke`) and tests. */
export function createApiKeysUsecases({ db }: { db: Db }) {
  const repository = createApiKeysRepository({ db });
  const info = (row: ApiKeyInfo): ApiKeyInfo => ({
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    owner: row.owner,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    revokedAt: row.revokedAt,
  });
  return {
    /** Creates a key; `key` is returned once and cannot be recovered afterwards. */
    async createApiKey({
      name,
      scopes,
      owner,
    }: {
      name: string;
      scopes: string[];
      /** Who holds the key (a team, a person): a label shown by `list`. */
      owner?: string;
    }): Promise<ApiKeyInfo & { key: string }> {
      if (!NAME.test(name)) throw new ApiKeyInputError('name: 1-100 letters, digits, spaces or . : @ - _');
      if (owner !== undefined && !NAME.test(owner))
        throw new ApiKeyInputError('owner: 1-100 letters, digits, spaces or . : @ - _');
      const unique = [...new Set(scopes)];
      if (unique.length === 0)
        throw new ApiKeyInputError(`at least one scope is required (${API_KEY_SCOPES.join(', ')})`);
      const valid = unique.filter(isApiKeyScope);
      const invalid = unique.filter((scope) => !isApiKeyScope(scope));
      if (invalid.length > 0) {
        throw new ApiKeyInputError(
          `unknown scope ${invalid.join(', ')}; expected one of ${API_KEY_SCOPES.join(', ')}`,
        );
      }
      const { key, prefix, hash } = generateApiKey();
      const row = await repository.create({
        name,
        prefix,
        hash,
        scopes: valid,
        owner: owner ?? null,
      });
      return { ...info(row), key };
    },

    async listApiKeys({ includeRevoked = true }: { includeRevoked?: boolean } = {}): Promise<ApiKeyInfo[]> {
      return (await repository.list({ includeRevoked })).map(info);
    },

    /** Revokes by id (uuid) or prefix; null when no active key matches. */
    async revokeApiKey({ idOrPrefix }: { idOrPrefix: string }): Promise<ApiKeyInfo | null> {
      const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrPrefix);
      const row = isUuid
        ? await repository.revoke({ id: idOrPrefix })
        : /^[0-9a-f]{12}$/.test(idOrPrefix)
          ? await repository.revoke({ prefix: idOrPrefix })
          : null;
      return row ? info(row) : null;
    },
  };
}

export type ApiKeysUsecases = ReturnType<typeof createApiKeysUsecases>;

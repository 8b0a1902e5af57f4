export type Query = Record<string, string | number | boolean | undefined | null>;

/** An answer of the API that is not a success, with the API's stable error code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export type Conditional<T> = { notModified: true } | { notModified: false; data: T; etag: string | null };

export interface ApiClient {
  get<T>(path: string, query?: Query): Promise<T>;
  /** GET with `If-None-Match`: a 304 costs the server nothing to render and us nothing to parse. */
  getIfChanged<T>(path: string, query: Query | undefined, etag: string | null): Promise<Conditional<T>>;
  post<T>(path: string, body: unknown): Promise<T>;
  patch<T>(path: string, body: unknown): Promise<T>;
  delete<T>(path: string): Promise<T>;
  getBlob(path: string, query?: Query): Promise<Blob>;
}

export function buildPath(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined || v === null || v === '') continue;
    params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

async function toError(res: Response): Promise<ApiError> {
  let code = `http_${res.status}`;
  let message = res.statusText || `HTTP ${res.status}`;
  let details: unknown;
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string; details?: unknown } };
    if (body.error?.code) code = body.error.code;
    if (body.error?.message) message = body.error.message;
    details = body.error?.details;
  } catch {
    // Not JSON (a proxy's error page): keep the status line.
  }
  return new ApiError(res.status, code, message, details);
}

export function createApiClient(deps: {
  getKey: () => string | null;
  /** Called on 401 so the app can ask for a key again. */
  onUnauthorized: (error: ApiError) => void;
}): ApiClient {
  async function send(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    const key = deps.getKey();
    if (key) headers.set('authorization', `Bearer ${key}`);
    // The HTTP cache would answer 304s for us and hide them; conditional requests are handled here.
    const res = await fetch(path, { ...init, headers, cache: 'no-store' });
    if (res.status === 401) {
      const error = await toError(res);
      deps.onUnauthorized(error);
      throw error;
    }
    return res;
  }

  return {
    async get<T>(path: string, query?: Query): Promise<T> {
      const res = await send(buildPath(path, query), { headers: { accept: 'application/json' } });
      if (!res.ok) throw await toError(res);
      return (await res.json()) as T;
    },
    async getIfChanged<T>(
      path: string,
      query: Query | undefined,
      etag: string | null,
    ): Promise<Conditional<T>> {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (etag) headers['if-none-match'] = etag;
      const res = await send(buildPath(path, query), { headers });
      if (res.status === 304) return { notModified: true };
      if (!res.ok) throw await toError(res);
      return { notModified: false, data: (await res.json()) as T, etag: res.headers.get('etag') };
    },
    async post<T>(path: string, body: unknown): Promise<T> {
      const res = await send(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw await toError(res);
      return (await res.json()) as T;
    },
    async patch<T>(path: string, body: unknown): Promise<T> {
      const res = await send(path, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw await toError(res);
      return (await res.json()) as T;
    },
    async delete<T>(path: string): Promise<T> {
      const res = await send(path, { method: 'DELETE', headers: { accept: 'application/json' } });
      if (!res.ok) throw await toError(res);
      return (await res.json()) as T;
    },
    async getBlob(path: string, query?: Query): Promise<Blob> {
      const res = await send(buildPath(path, query));
      if (!res.ok) throw await toError(res);
      return await res.blob();
    },
  };
}

/** A sentence for the user about a failed request. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 401) return 'The API key was rejected (401). Enter a valid key.';
    if (error.status === 403) return `This API key is not allowed to do that (403): ${error.message}`;
    if (error.status === 429)
      return 'Too many requests (429): the API rate limit was reached; retrying shortly.';
    // Validation errors say which parameter was wrong: show the first, e.g. "querystring/ou must match pattern".
    const first = Array.isArray(error.details)
      ? (error.details[0] as { path?: string; message?: string })
      : undefined;
    const detail = first?.message ? `: ${first.path ? `${first.path} ` : ''}${first.message}` : '';
    return `${error.message}${detail} (${error.status} ${error.code})`;
  }
  if (error instanceof Error) return `The API could not be reached: ${error.message}`;
  return 'Something went wrong.';
}

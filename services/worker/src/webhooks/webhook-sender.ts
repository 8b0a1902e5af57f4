import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { type LookupAll, resolveWebhookTarget, WebhookTargetError } from '@rootwatch/core';

/** Response bodies are kept for the delivery log up to this many bytes (the rest is read and dropped). */
export const RESPONSE_BODY_BYTES = 1024;
/** A receiver answering more than this is cut off: nothing beyond the first KB is kept anyway. */
const MAX_READ_BYTES = 64 * 1024;

export type WebhookSendResult = {
  /** null when no HTTP status was received (refused address, DNS, connection, timeout). */
  statusCode: number | null;
  latencyMs: number;
  responseBody: string | null;
  error: string | null;
};

export type WebhookSender = {
  send(request: { url: string; headers: Record<string, string>; body: string }): Promise<WebhookSendResult>;
};

export type WebhookSenderOptions = {
  /** ROOTWATCH_WEBHOOK_ALLOW_PRIVATE: every address and http:// too. */
  allowPrivate: boolean;
  /** Whole request, connection to last response byte (10 s). */
  timeoutMs?: number;
  lookup?: LookupAll;
};

const systemLookup: LookupAll = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/**
 * POSTs one signed event. The host is resolved and checked on every call (a name may point elsewhere since
 * the webhook was created), and the socket connects to that checked address: the request's own lookup
 * returns it, so nothing resolves the name a second time between check and connect (DNS rebinding). TLS
 * still verifies the certificate against the URL's host name. No keep-alive agent, for the same reason.
 * Redirects are not followed: a 3xx is a failure like any other non-2xx.
 */
export function createWebhookSender({
  allowPrivate,
  timeoutMs = 10_000,
  lookup = systemLookup,
}: WebhookSenderOptions): WebhookSender {
  return {
    async send({ url, headers, body }) {
      const started = performance.now();
      const elapsed = () => Math.round(performance.now() - started);
      let target: Awaited<ReturnType<typeof resolveWebhookTarget>>;
      try {
        target = await resolveWebhookTarget(url, { allowPrivate, lookup });
      } catch (error) {
        const message = error instanceof WebhookTargetError ? error.message : (error as Error).message;
        return { statusCode: null, latencyMs: elapsed(), responseBody: null, error: message };
      }
      const pinned: LookupFunction = (_hostname, options, callback) => {
        if (options.all) callback(null, [{ address: target.address, family: target.family }]);
        else callback(null, target.address, target.family);
      };
      const transport = target.url.protocol === 'https:' ? https : http;
      return new Promise<WebhookSendResult>((resolve) => {
        let settled = false;
        const finish = (result: Omit<WebhookSendResult, 'latencyMs'>) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ ...result, latencyMs: elapsed() });
        };
        const request = transport.request(target.url, {
          method: 'POST',
          agent: false,
          lookup: pinned,
          headers: {
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(body)),
            'user-agent': 'Rootwatch-Webhooks/1',
            ...headers,
          },
        });
        const timer = setTimeout(() => {
          request.destroy(new Error(`no complete response within ${timeoutMs} ms`));
        }, timeoutMs);
        request.on('error', (error) =>
          finish({ statusCode: null, responseBody: null, error: describeError(error) }),
        );
        request.on('response', (response) => {
          const chunks: Buffer[] = [];
          let read = 0;
          const done = () =>
            finish({
              statusCode: response.statusCode ?? null,
              responseBody: storedBody(Buffer.concat(chunks)),
              error: null,
            });
          response.on('data', (chunk: Buffer) => {
            if (read < RESPONSE_BODY_BYTES) chunks.push(chunk.subarray(0, RESPONSE_BODY_BYTES - read));
            read += chunk.length;
            if (read > MAX_READ_BYTES) {
              done();
              response.destroy();
            }
          });
          response.on('end', done);
          response.on('error', (error) =>
            finish({
              statusCode: response.statusCode ?? null,
              responseBody: null,
              error: describeError(error),
            }),
          );
        });
        request.end(body);
      });
    },
  };
}

/** At most 1 KB of UTF-8 text without NUL (Postgres text cannot hold it); a cut character is dropped. */
function storedBody(bytes: Buffer): string | null {
  if (bytes.length === 0) return null;
  let text = bytes.toString('utf8').replaceAll('\u0000', '');
  while (Buffer.byteLength(text) > RESPONSE_BODY_BYTES) text = text.slice(0, -1);
  return text;
}

function describeError(error: Error & { code?: string }): string {
  return error.code ? `${error.code}: ${error.message}` : error.message;
}

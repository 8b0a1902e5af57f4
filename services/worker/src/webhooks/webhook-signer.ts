import { Webhook } from 'standardwebhooks';

export type WebhookHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

/**
 * Standard Webhooks headers (standardwebhooks.com): the signature is `v1,` and the base64 HMAC-SHA256, under
 * the base64-decoded secret after `whsec_`, of `id.timestamp.body`. Signed by the specification's own
 * library so receivers can verify with any implementation of it.
 */
export function signWebhook({
  secret,
  msgId,
  at,
  body,
}: {
  secret: string;
  msgId: string;
  at: Date;
  body: string;
}): WebhookHeaders {
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(msgId, at, body),
  };
}

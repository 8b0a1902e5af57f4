import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Name of the install secret (install_secrets) that encrypts webhook signing secrets. */
export const WEBHOOK_SECRET_KEY_NAME = 'webhook-secret-key';

/**
 * AES-256-GCM of a webhook's signing secret, bound to its webhook id (associated data), so a ciphertext
 * copied onto another webhook row does not decrypt. Layout: 12-byte IV | 16-byte tag | ciphertext.
 */
export function createWebhookSecretBox(key: Buffer) {
  if (key.length !== 32) throw new Error('the webhook secret key must be 32 bytes');
  return {
    seal(secret: string, webhookId: string): Buffer {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(webhookId));
      const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]);
    },
    open(sealed: Buffer, webhookId: string): string {
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
      decipher.setAAD(Buffer.from(webhookId));
      decipher.setAuthTag(sealed.subarray(12, 28));
      return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}

export type WebhookSecretBox = ReturnType<typeof createWebhookSecretBox>;

/** A Standard Webhooks secret: `whsec_` and base64 of 32 random bytes. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

import type { SimRootUser } from './org-definition.types';

export const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Stable pseudo ids (AIDA…, AROA…, AKIA…) derived from an account id and a label. */
export function derivedId(prefix: string, accountId: string, label: string, length = 17): string {
  let h = 2166136261;
  const input = `${accountId}/${label}`;
  let s = '';
  while (s.length < length) {
    for (let i = 0; i < input.length; i++) h = Math.imul(h ^ input.charCodeAt(i), 16777619) >>> 0;
    h = Math.imul(h ^ s.length, 16777619) >>> 0;
    s += KEY_ALPHABET[h % 32];
  }
  return `${prefix}${s}`;
}

/**
 * Root access keys and certificates without an `id` get one derived from the account id and their
 * position, fixed when the account is read: deleting one credential never renames the others.
 */
export function fixCredentialIds(root: SimRootUser, accountId: string): void {
  root.accessKeys.forEach((key, i) => {
    key.id ??= derivedId('AKIA', accountId, `root-key-${i}`, 16);
  });
  root.signingCertificates.forEach((cert, i) => {
    cert.id ??= derivedId('', accountId, `cert-${i}`, 32);
  });
}

/** ISO-8601 UTC without milliseconds, as IAM and STS write timestamps. */
export function isoSeconds(value: number | string): string {
  return new Date(value).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Credential reports write `+00:00` instead of `Z`. */
export function reportTime(value: string): string {
  return `${new Date(value).toISOString().slice(0, 19)}+00:00`;
}

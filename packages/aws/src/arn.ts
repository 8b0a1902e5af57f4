/** `arn:<partition>:iam::<accountId>:role/<roleName>` (roleName may carry a path: `path/Name`). */
export function auditRoleArn(partition: string, accountId: string, roleName: string): string {
  return `arn:${partition}:iam::${accountId}:role/${roleName.replace(/^\/+/, '')}`;
}

/** STS RoleSessionName allows 2–64 characters of `[\w+=,.@-]`. */
export function sanitizeSessionName(name: string): string {
  let s = name.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
  while (s.length < 2) s += '-';
  return s;
}

/** `arn:aws:organizations::111111111111:organization/o-…` → `aws`. */
export function partitionOfArn(arn: string | undefined): string | undefined {
  const parts = arn?.split(':');
  return parts && parts.length >= 6 && parts[0] === 'arn' ? parts[1] : undefined;
}

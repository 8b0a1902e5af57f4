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

/** The partition of a region (`us-gov-west-1` → `aws-us-gov`, `cn-north-1` → `aws-cn`). */
export function partitionOfRegion(region: string): string {
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('eu-isoe-')) return 'aws-iso-e';
  if (region.startsWith('us-isof-')) return 'aws-iso-f';
  return 'aws';
}

/** `arn:aws:organizations::111111111111:organization/o-…` → `aws`. */
export function partitionOfArn(arn: string | undefined): string | undefined {
  const parts = arn?.split(':');
  return parts && parts.length >= 6 && parts[0] === 'arn' ? parts[1] : undefined;
}

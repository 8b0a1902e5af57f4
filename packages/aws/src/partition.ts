/**
 * AWS partitions: which partition a region belongs to, and the partition's default region.
 * The one place Rootwatch maps regions to partitions (ARNs, STS fallback, evidence).
 *
 * Source: the SDK's own partition table, `@aws-sdk/core` `util-endpoints/lib/aws/partitions.js`
 * (`regionRegex` and `outputs.implicitGlobalRegion` of each partition), which the endpoint resolver
 * uses for the same question. `aws` is last: its pattern (`^(us|eu|…)-\w+-\d+$`) does not match the
 * others' regions anyway (`us-gov-west-1` has three words before the number), and it is the fallback.
 */
export interface Partition {
  id: string;
  regionRegex: RegExp;
  /** Always enabled (never opt-in): where STS is retried when a region's endpoint is disabled. */
  defaultRegion: string;
}

export const PARTITIONS: readonly Partition[] = [
  { id: 'aws-cn', regionRegex: /^cn-\w+-\d+$/, defaultRegion: 'cn-northwest-1' },
  { id: 'aws-us-gov', regionRegex: /^us-gov-\w+-\d+$/, defaultRegion: 'us-gov-west-1' },
  // AWS European Sovereign Cloud (first region eusc-de-east-1, Brandenburg).
  { id: 'aws-eusc', regionRegex: /^eusc-(de)-\w+-\d+$/, defaultRegion: 'eusc-de-east-1' },
  { id: 'aws-iso', regionRegex: /^us-iso-\w+-\d+$/, defaultRegion: 'us-iso-east-1' },
  { id: 'aws-iso-b', regionRegex: /^us-isob-\w+-\d+$/, defaultRegion: 'us-isob-east-1' },
  { id: 'aws-iso-e', regionRegex: /^eu-isoe-\w+-\d+$/, defaultRegion: 'eu-isoe-west-1' },
  { id: 'aws-iso-f', regionRegex: /^us-isof-\w+-\d+$/, defaultRegion: 'us-isof-south-1' },
  { id: 'aws', regionRegex: /^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$/, defaultRegion: 'us-east-1' },
];

const AWS = PARTITIONS[PARTITIONS.length - 1]!;

function partitionOf(region: string): Partition {
  return PARTITIONS.find((p) => p.regionRegex.test(region)) ?? AWS;
}

/** `us-gov-west-1` → `aws-us-gov`, `cn-north-1` → `aws-cn`, `eusc-de-east-1` → `aws-eusc`; unknown → `aws`. */
export function partitionOfRegion(region: string): string {
  return partitionOf(region).id;
}

/** The default region of a partition id (`aws-cn` → `cn-northwest-1`); unknown → `us-east-1`. */
export function defaultRegionOfPartition(partition: string): string {
  return (PARTITIONS.find((p) => p.id === partition) ?? AWS).defaultRegion;
}

/** The default region of the partition `region` belongs to (`ap-east-1` → `us-east-1`). */
export function defaultRegionOf(region: string): string {
  return partitionOf(region).defaultRegion;
}

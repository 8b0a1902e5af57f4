import type { DiscoveredOrganization, DiscoveryStream } from './scan-source';

type Handed =
  | { kind: 'organization'; org: Omit<DiscoveredOrganization, 'accounts'> }
  | { kind: 'accounts'; page: DiscoveredOrganization['accounts'] };

export interface DiscoveryRelay {
  /** Give this to the discovery started ahead of its consumer. */
  stream: DiscoveryStream;
  /** Hands the consumer what was handed out so far, in order, then forwards the rest as it comes. */
  attach(consumer: DiscoveryStream): Promise<void>;
}

/**
 * A DiscoveryStream for a discovery started before the one who consumes it exists (`scan --once` discovers
 * while its database opens): what the discovery hands out is kept until `attach`, replayed, then forwarded.
 * Until then the discovery does not wait for anyone; after, it waits for the consumer as usual.
 */
export function createDiscoveryRelay(): DiscoveryRelay {
  const kept: Handed[] = [];
  let consumer: DiscoveryStream | null = null;
  const deliver = (to: DiscoveryStream, handed: Handed) =>
    handed.kind === 'organization' ? to.organization(handed.org) : to.accounts(handed.page);
  const hand = async (handed: Handed) => {
    if (consumer) await deliver(consumer, handed);
    else kept.push(handed);
  };
  return {
    stream: {
      organization: (org) => hand({ kind: 'organization', org }),
      accounts: (page) => hand({ kind: 'accounts', page }),
    },
    async attach(to) {
      // What arrives during the replay is kept too, and replayed in turn: order is preserved.
      while (kept.length > 0) await deliver(to, kept.shift()!);
      consumer = to;
    },
  };
}

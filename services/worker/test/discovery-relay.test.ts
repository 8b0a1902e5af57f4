import { describe, expect, it } from 'vitest';
import { createDiscoveryRelay } from '../src/index';
import type { DiscoveryStream } from '../src/scan-source';

const org = { awsOrgId: 'o-1', managementAccountId: '1', partition: 'aws', features: [], scpEnabled: true };
const account = (id: string) => ({
  id,
  name: id,
  email: `${id}@example.com`,
  state: 'ACTIVE' as const,
  ouPath: [],
  joinedAt: null,
});

function recorder(log: string[], gate?: Promise<void>): DiscoveryStream {
  return {
    organization: async () => {
      log.push('org');
    },
    accounts: async (page) => {
      await gate;
      log.push(page.map((a) => a.id).join(','));
    },
  };
}

describe('discovery relay (a discovery started before its consumer)', () => {
  it('replays what was handed out before attach, in order, then forwards and waits for the consumer', async () => {
    const relay = createDiscoveryRelay();
    await relay.stream.organization(org);
    await relay.stream.accounts([account('a'), account('b')]);
    const log: string[] = [];
    let open!: () => void;
    const gate = new Promise<void>((r) => {
      open = r;
    });
    const attached = relay.attach(recorder(log, gate));
    // Handed out during the replay: kept, and replayed after what came before.
    const during = relay.stream.accounts([account('c')]);
    open();
    await attached;
    await during;
    await relay.stream.accounts([account('d')]);
    expect(log).toEqual(['org', 'a,b', 'c', 'd']);
  });

  it("lets a consumer's failure reach the one who attached", async () => {
    const relay = createDiscoveryRelay();
    await relay.stream.accounts([account('a')]);
    const failing: DiscoveryStream = {
      organization: async () => {},
      accounts: async () => {
        throw new Error('database down');
      },
    };
    await expect(relay.attach(failing)).rejects.toThrow('database down');
  });
});

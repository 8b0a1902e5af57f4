import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';

export type TcpProxy = {
  port: number;
  /** The same database URL, through the proxy. */
  rewrite(url: string): string;
  /**
   * A silent partition: nothing is forwarded any more, but no socket is closed or reset, so neither end
   * learns anything (the fault a query timeout exists for). Bytes and closes are held, not dropped, as TCP
   * retransmission would deliver them once the network is back.
   */
  silence(): void;
  /** The network is back: what was held is delivered in order, and forwarding resumes. */
  heal(): void;
  /** A loud outage: every open connection is dropped and new ones are refused, until restore(). */
  cut(): void;
  restore(): void;
  stop(): Promise<void>;
};

/** A TCP proxy (test support) between a client and Postgres that a test can partition silently. */
export async function startTcpProxy({
  host = '127.0.0.1',
  port = 5432,
}: {
  host?: string;
  port?: number;
} = {}): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const held: Array<() => void> = [];
  let silent = false;
  let refusing = false;
  const deliver = (action: () => void) => (silent ? held.push(action) : action());

  const server: Server = createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = connect({ host, port });
    const link = (from: Socket, to: Socket) => {
      sockets.add(from);
      from.on('data', (chunk) => deliver(() => to.destroyed || to.write(chunk)));
      // The peer hears of a close only when the network lets it through.
      from.on('close', () => {
        sockets.delete(from);
        deliver(() => to.destroy());
      });
      from.on('error', () => {});
    };
    link(client, upstream);
    link(upstream, client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const proxyPort = (server.address() as { port: number }).port;
  return {
    port: proxyPort,
    rewrite(url) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(proxyPort);
      return u.toString();
    },
    silence() {
      silent = true;
    },
    heal() {
      silent = false;
      for (const action of held.splice(0)) action();
    },
    cut() {
      refusing = true;
      silent = false;
      held.length = 0;
      for (const s of sockets) s.destroy();
    },
    restore() {
      refusing = false;
    },
    async stop() {
      silent = false;
      held.length = 0;
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

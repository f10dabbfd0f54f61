import { once } from "node:events";
import { type Server, type Socket, connect, createServer } from "node:net";

import { track } from "./teardown.js";

/** A loopback TCP proxy that a test can cut and restore, to simulate an outage of what is behind it. */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly frozen = new Set<Socket>();

  constructor(
    readonly port: number,
    private readonly targetPort: number,
  ) {}

  async open(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.targetPort, "127.0.0.1");
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    this.server.listen(this.port, "127.0.0.1");
    await once(this.server, "listening");
    this.server.once("close", track(`TCP proxy :${this.port}`, () => this.cut()));
  }

  /**
   * The connections open now stop carrying data, without being closed (as
   * behind a firewall that lost their state, or a frozen peer); new
   * connections pass.
   */
  freezeExisting(): void {
    for (const s of this.sockets) {
      s.unpipe();
      s.pause();
      s.removeAllListeners("data");
      this.frozen.add(s);
    }
    this.sockets.clear();
  }

  /** Drops every connection and refuses new ones until `open` is called again. */
  async cut(): Promise<void> {
    const closed = new Promise((r) => this.server?.close(r));
    for (const s of [...this.sockets, ...this.frozen]) s.destroy();
    this.frozen.clear();
    await closed;
  }
}

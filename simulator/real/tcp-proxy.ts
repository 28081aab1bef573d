/**
 * A TCP proxy in front of the real PostgreSQL server, one per link, that
 * makes network faults real: it can delay every chunk, black-hole traffic
 * (and drop the connection once a client would have noticed), reset every
 * connection, or refuse new ones while the "server" is down.
 */
import net from "node:net";

export interface ProxyTiming {
  /** Real milliseconds for a virtual millisecond. */
  realMsPerVirtualMs: number;
  /** Virtual ms after which a black-holed connection is dropped (a client's timeout noticing). */
  dropDetectMs: number;
}

type Mode = { kind: "ok" } | { kind: "delay"; extraLatencyMs: number } | { kind: "drop" } | { kind: "reset" };

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
  dropTimer: NodeJS.Timeout | undefined;
}

export class TcpProxy {
  private server: net.Server | undefined;
  private readonly pairs = new Set<Pair>();
  private mode: Mode = { kind: "ok" };
  private refusing = false;
  port = 0;

  constructor(
    readonly name: string,
    private readonly target: { host: string; port: number },
    private readonly timing: ProxyTiming,
  ) {}

  async listen(): Promise<void> {
    this.server = net.createServer((client) => this.accept(client));
    this.server.on("error", () => {});
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  setMode(mode: Mode): void {
    this.mode = mode;
    if (mode.kind === "reset") this.breakAll();
    if (mode.kind === "drop") for (const pair of this.pairs) this.armDropTimer(pair);
    if (mode.kind !== "drop") for (const pair of this.pairs) this.disarmDropTimer(pair);
  }

  /** Refuse (reset) new connections while the simulated server is down. */
  setRefusing(refusing: boolean): void {
    this.refusing = refusing;
  }

  breakAll(): void {
    for (const pair of [...this.pairs]) this.destroy(pair);
  }

  async close(): Promise<void> {
    this.breakAll();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(client: net.Socket): void {
    if (this.refusing || this.mode.kind === "reset") {
      client.destroy();
      return;
    }
    const upstream = net.connect(this.target.port, this.target.host);
    const pair: Pair = { client, upstream, dropTimer: undefined };
    this.pairs.add(pair);
    for (const socket of [client, upstream]) {
      socket.setNoDelay(true);
      socket.on("error", () => this.destroy(pair));
      socket.on("close", () => this.destroy(pair));
    }
    this.forward(client, upstream);
    this.forward(upstream, client);
    if (this.mode.kind === "drop") this.armDropTimer(pair);
  }

  /** Copy one direction, as the current mode allows; delayed chunks keep their order. */
  private forward(from: net.Socket, to: net.Socket): void {
    let lastDueAt = 0;
    from.on("data", (chunk: Buffer) => {
      const mode = this.mode;
      if (mode.kind === "drop" || mode.kind === "reset") return; // black-holed
      if (mode.kind === "ok") {
        if (!to.destroyed) to.write(chunk);
        return;
      }
      const dueAt = Math.max(performance.now() + mode.extraLatencyMs * this.timing.realMsPerVirtualMs, lastDueAt);
      lastDueAt = dueAt;
      setTimeout(() => {
        if (!to.destroyed) to.write(chunk);
      }, dueAt - performance.now());
    });
  }

  private armDropTimer(pair: Pair): void {
    if (pair.dropTimer) return;
    pair.dropTimer = setTimeout(() => this.destroy(pair), this.timing.dropDetectMs * this.timing.realMsPerVirtualMs);
  }

  private disarmDropTimer(pair: Pair): void {
    if (pair.dropTimer) clearTimeout(pair.dropTimer);
    pair.dropTimer = undefined;
  }

  private destroy(pair: Pair): void {
    if (!this.pairs.delete(pair)) return;
    this.disarmDropTimer(pair);
    pair.client.destroy();
    pair.upstream.destroy();
  }
}

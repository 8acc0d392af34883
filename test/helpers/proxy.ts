// A TCP proxy in front of a redis-server for fault tests. It passes everything
// through, and on the test's request it drops the reply to one command (cutting the
// connection, as a network failure does), cuts a connection right after forwarding a
// command, delays replies, or cuts every connection. It pairs each reply with its
// request by reading RESP boundaries, so a fault can target e.g. the next EVALSHA.
import { connect, createServer, type Server, type Socket } from "node:net";
import { afterStores } from "./redis.js";
import { requestArgs, valueEnd } from "./resp.js";

export interface ProxiedRequest {
  /** The command name, upper case (`EVALSHA`). */
  readonly command: string;
  /** Every argument after the name. */
  readonly args: readonly string[];
  /** Which client connection of the proxy sent it (1, 2, ...). */
  readonly connection: number;
}

export type RequestMatch = (request: ProxiedRequest) => boolean;

/** Matches a script call (FCALL, EVALSHA or EVAL: the batch scripts' commands). */
export const scriptCall: RequestMatch = (request) => request.command === "EVALSHA" || request.command === "EVAL" || request.command === "FCALL";

interface Armed {
  readonly match: RequestMatch;
  readonly resolve: (request: ProxiedRequest) => void;
}

interface Delay {
  /** Infinity: held until releaseReplies(). */
  readonly ms: number;
  readonly match: RequestMatch;
}

// After one of these a connection carries no request-reply pairs any more.
const PUSH_MODE = new Set(["SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "MONITOR"]);

class Link {
  private requests: Buffer = Buffer.alloc(0);
  private replies: Buffer = Buffer.alloc(0);
  private readonly awaiting: ProxiedRequest[] = [];
  private paired = true;
  private readonly outbox: { at: number; bytes: Buffer }[] = [];
  private timer: NodeJS.Timeout | undefined;
  closed = false;

  constructor(
    readonly id: number,
    private readonly client: Socket,
    private readonly server: Socket,
    private readonly proxy: FaultProxy,
  ) {
    client.on("data", (chunk) => this.fromClient(chunk));
    server.on("data", (chunk) => this.fromServer(chunk));
    for (const socket of [client, server]) {
      socket.on("error", () => this.cut());
      socket.on("close", () => this.cut());
    }
  }

  private fromClient(chunk: Buffer): void {
    if (this.closed) return;
    this.requests = this.requests.length === 0 ? chunk : Buffer.concat([this.requests, chunk]);
    let at = 0;
    for (;;) {
      const end = valueEnd(this.requests, at);
      if (end < 0) break;
      const [name = "", ...args] = requestArgs(this.requests, at, end);
      const request: ProxiedRequest = { command: name.toUpperCase(), args, connection: this.id };
      this.proxy.log.push(request);
      if (PUSH_MODE.has(request.command)) this.paired = false;
      const cut = this.proxy.takeArmed("cut", request);
      if (cut) {
        // The server gets the request (and runs it before it sees the end of the stream); the client gets nothing more.
        this.server.end(this.requests.subarray(0, end));
        this.cut();
        cut.resolve(request);
        return;
      }
      if (this.paired) this.awaiting.push(request);
      at = end;
    }
    if (at > 0) {
      this.server.write(this.requests.subarray(0, at));
      this.requests = this.requests.subarray(at);
    }
  }

  private fromServer(chunk: Buffer): void {
    if (this.closed) return;
    this.replies = this.replies.length === 0 ? chunk : Buffer.concat([this.replies, chunk]);
    let at = 0;
    for (;;) {
      const end = valueEnd(this.replies, at);
      if (end < 0) break;
      const bytes = this.replies.subarray(at, end);
      at = end;
      const request = this.paired ? this.awaiting.shift() : undefined;
      const drop = request && this.proxy.takeArmed("drop", request);
      if (drop && request) {
        // The server ran the command; the client loses its reply with the connection.
        this.cut();
        drop.resolve(request);
        return;
      }
      const delay = request ? this.proxy.delayFor(request) : 0;
      this.send(bytes, delay);
    }
    this.replies = this.replies.subarray(at);
  }

  /** Forwards a reply after `delay` ms, never before an earlier reply of this connection. */
  private send(bytes: Buffer, delay: number): void {
    const previous = this.outbox.at(-1)?.at ?? 0;
    if (delay === 0 && this.outbox.length === 0) {
      this.client.write(bytes);
      return;
    }
    this.outbox.push({ at: Math.max(Date.now() + delay, previous), bytes: Buffer.from(bytes) });
    this.schedule();
  }

  get held(): number {
    return this.outbox.filter((item) => item.at === Infinity).length;
  }

  /** Held replies go out now (in order). */
  release(): void {
    const now = Date.now();
    for (const item of this.outbox) if (item.at === Infinity) item.at = now;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    const head = this.outbox[0];
    if (!head || head.at === Infinity) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const now = Date.now();
      while (this.outbox[0] && this.outbox[0].at <= now) this.client.write(this.outbox.shift()!.bytes);
      this.schedule();
    }, Math.max(0, head.at - Date.now()));
  }

  cut(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.client.destroy();
    // `end` rather than `destroy`: a request written just before is still delivered.
    this.server.end();
    this.proxy.forget(this);
  }
}

export class FaultProxy {
  /** Every request seen, in order (all connections). */
  readonly log: ProxiedRequest[] = [];
  private readonly links = new Set<Link>();
  private readonly armed: { drop: Armed[]; cut: Armed[] } = { drop: [], cut: [] };
  private delays: Delay[] = [];
  private nextId = 1;
  private opened = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly target: URL,
  ) {}

  /** Starts a proxy on a free loopback port in front of the server at `targetUrl`; it is closed after the file's tests (once its stores are closed). */
  static async start(targetUrl: string): Promise<FaultProxy> {
    const target = new URL(targetUrl);
    let proxy: FaultProxy | undefined;
    const server = createServer({ noDelay: true }, (client) => proxy!.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const address = server.address();
    proxy = new FaultProxy(server, typeof address === "object" && address ? address.port : 0, target);
    afterStores(() => proxy!.close());
    return proxy;
  }

  /** The target's URL (credentials, database) with the proxy's address. */
  get url(): string {
    const url = new URL(this.target.href);
    url.hostname = "127.0.0.1";
    url.port = String(this.port);
    return url.href;
  }

  /** Client connections open now. */
  get connections(): number {
    return this.links.size;
  }

  /** Client connections accepted since the start (a reconnect adds one). */
  get accepted(): number {
    return this.opened;
  }

  private accept(client: Socket): void {
    const upstream = connect({ host: this.target.hostname, port: Number(this.target.port || 6379), noDelay: true });
    this.opened += 1;
    const link = new Link(this.nextId++, client, upstream, this);
    this.links.add(link);
  }

  /**
   * The reply to the next request that `match` accepts is swallowed and its connection
   * cut when that reply arrives: the server ran the command, the client never learns.
   * Resolves with the request once it happened.
   */
  dropReply(match: RequestMatch = scriptCall): Promise<ProxiedRequest> {
    return new Promise((resolve) => this.armed.drop.push({ match, resolve }));
  }

  /**
   * The next request that `match` accepts is forwarded, then its connection is cut at
   * once, before any reply (later requests pipelined behind it are not forwarded).
   */
  cutAfterRequest(match: RequestMatch = scriptCall): Promise<ProxiedRequest> {
    return new Promise((resolve) => this.armed.cut.push({ match, resolve }));
  }

  /** Holds every reply to a request that `match` accepts for `ms` before forwarding it (order kept); `ms = 0` stops. */
  delayReplies(ms: number, match: RequestMatch = () => true): void {
    this.delays = ms > 0 ? [{ ms, match }] : [];
  }

  /**
   * Holds every reply to a request that `match` accepts (and, to keep their order, the
   * replies behind it on its connection) until `releaseReplies()`.
   */
  holdReplies(match: RequestMatch = scriptCall): void {
    this.delays = [{ ms: Infinity, match }];
  }

  /** Replies held by holdReplies() now (all connections). */
  get heldReplies(): number {
    let count = 0;
    for (const link of this.links) count += link.held;
    return count;
  }

  /** Forwards the held replies and stops holding. */
  releaseReplies(): void {
    this.delays = [];
    for (const link of this.links) link.release();
  }

  /** Forgets faults armed with dropReply()/cutAfterRequest() that did not happen (their promises never resolve). */
  disarm(): void {
    this.armed.drop.length = 0;
    this.armed.cut.length = 0;
  }

  /** Cuts every open connection (a network blip); clients reconnect through the proxy. */
  cutAll(): void {
    for (const link of [...this.links]) link.cut();
  }

  /** Requests seen so far that `match` accepts. */
  seen(match: RequestMatch = scriptCall): ProxiedRequest[] {
    return this.log.filter(match);
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** @internal */
  takeArmed(kind: "drop" | "cut", request: ProxiedRequest): Armed | undefined {
    const list = this.armed[kind];
    const index = list.findIndex((armed) => armed.match(request));
    return index < 0 ? undefined : list.splice(index, 1)[0];
  }

  /** @internal */
  delayFor(request: ProxiedRequest): number {
    return this.delays.find((delay) => delay.match(request))?.ms ?? 0;
  }

  /** @internal */
  forget(link: Link): void {
    this.links.delete(link);
  }
}

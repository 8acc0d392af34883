// The change feed's transport: one subscriber connection per Redis target (a
// server, a Sentinel-managed primary, or a whole Cluster: classic PUBLISH reaches
// subscribers on any node of a Cluster), carrying the log channels `<ns>:log` of
// every live store of the process on it. Listeners hear each message, and when the
// connection goes down and comes back (with every channel subscribed again).
import { isCluster, type Connection, type Redis } from "./backend.js";
import { feedConnection } from "./connect.js";
import { newId } from "./ids.js";

export interface ChannelListener {
  /** A message published on the channel (a log entry). */
  message(text: string): void;
  /** The connection was lost: messages may be missed from now on. */
  down(): void;
  /** Subscribed again after a loss: what was published meanwhile was missed. */
  up(): void;
  /** The primaries changed (a failover): writes the log showed may have been lost with the old one. */
  resync(): void;
}

/** Channels per SUBSCRIBE command when subscribing again after a reconnect. */
const SUBSCRIBE_CHUNK = 1_000;

/** A channel's SUBSCRIBE on one connection: `ok` once Redis confirmed it. */
interface Subscription {
  readonly done: Promise<boolean>;
  ok: boolean;
}

export class Subscriber {
  /** The connection's name in CLIENT LIST. */
  readonly name = `redis-memory:feed:${newId()}`;
  private readonly channels = new Map<string, Set<ChannelListener>>();
  private connection: Redis | undefined;
  /** Channels by connection: subscribed on it, confirmed or in flight. */
  private subscribedOn = new WeakMap<Redis, Map<string, Subscription>>();
  private isUp = false;
  private wasUp = false;
  private closed = false;
  private waiting: (() => void)[] = [];
  private nodeTurn = 0;

  private readonly onTopology = (): void => {
    for (const set of this.channels.values()) for (const listener of [...set]) listener.resync();
  };
  private commandsWereUp = false;
  private readonly onCommandsReady = (): void => {
    if (this.commandsWereUp) this.onTopology();
    this.commandsWereUp = true;
  };

  constructor(private readonly commands: Connection) {
    // A Cluster client learns a failover when it refreshes its slots; a single-server
    // (or Sentinel) client when its command connection comes back, maybe to a new primary.
    if (isCluster(commands)) {
      commands.on("-node", this.onTopology);
    } else {
      this.commandsWereUp = commands.status === "ready";
      commands.on("ready", this.onCommandsReady);
    }
    this.open();
  }

  /** Subscribes `listener` to `channel`; resolves once the server has confirmed the subscription. */
  async listen(channel: string, listener: ChannelListener): Promise<void> {
    let set = this.channels.get(channel);
    if (!set) this.channels.set(channel, (set = new Set()));
    set.add(listener);
    for (;;) {
      if (this.closed) return;
      const connection = this.connection;
      if (this.isUp && connection) {
        const done = this.subscribe(connection, [channel]);
        // A connection lost meanwhile subscribes every channel again once it is back.
        if (await done) return;
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  /** How many listeners of this process the channel has. */
  listenerCount(channel: string): number {
    return this.channels.get(channel)?.size ?? 0;
  }

  /** Whether Redis has confirmed the channel's subscription on the connection that is up now. */
  confirmed(channel: string): boolean {
    const connection = this.connection;
    return this.isUp && connection !== undefined && this.subscribedOn.get(connection)?.get(channel)?.ok === true;
  }

  /** Removes `listener`; the channel is unsubscribed when nobody listens to it any more. */
  unlisten(channel: string, listener: ChannelListener): void {
    const set = this.channels.get(channel);
    if (!set) return;
    set.delete(listener);
    if (set.size > 0) return;
    this.channels.delete(channel);
    const connection = this.connection;
    if (!connection) return;
    this.subscribedOn.get(connection)?.delete(channel);
    if (this.isUp) connection.unsubscribe(channel).catch(() => {});
  }

  close(): void {
    this.closed = true;
    this.commands.off("-node", this.onTopology);
    this.commands.off("ready", this.onCommandsReady);
    this.connection?.disconnect();
    this.connection = undefined;
    for (const resolve of this.waiting.splice(0)) resolve();
  }

  /** Subscribes `channels` on `connection`; false when the connection failed first. */
  private async subscribe(connection: Redis, channels: readonly string[]): Promise<boolean> {
    let mine = this.subscribedOn.get(connection);
    if (!mine) this.subscribedOn.set(connection, (mine = new Map()));
    const subscriptions = mine;
    const wanted = channels.filter((channel) => !subscriptions.has(channel));
    if (wanted.length > 0) {
      // One confirmation for every caller: a second listener of a channel whose SUBSCRIBE
      // is still on the wire waits for it too (it must not load before Redis has it).
      const done = (async () => {
        try {
          for (let i = 0; i < wanted.length; i += SUBSCRIBE_CHUNK) await connection.subscribe(...wanted.slice(i, i + SUBSCRIBE_CHUNK));
          return true;
        } catch {
          return false;
        }
      })();
      for (const channel of wanted) {
        const subscription: Subscription = { done, ok: false };
        subscriptions.set(channel, subscription);
        void done.then((ok) => {
          if (ok) subscription.ok = true;
          else if (subscriptions.get(channel) === subscription) subscriptions.delete(channel);
        });
      }
    }
    const results = await Promise.all(channels.map((channel) => subscriptions.get(channel)?.done ?? Promise.resolve(true)));
    return results.every(Boolean);
  }

  private open(): void {
    if (this.closed) return;
    const connection = feedConnection(this.commands, this.name, this.nodeTurn++);
    this.connection = connection;
    connection.on("error", () => {});
    connection.on("message", (channel: string, text: string) => {
      const set = this.channels.get(channel);
      if (set) for (const listener of [...set]) listener.message(text);
    });
    connection.on("ready", () => void this.ready(connection));
    connection.on("close", () => this.lost(connection));
    connection.on("end", () => {
      // A Cluster node that stayed away: subscribe on another node of the Cluster.
      if (this.connection !== connection || this.closed) return;
      setTimeout(() => this.open(), 100);
    });
    connection.connect().catch(() => {});
  }

  private async ready(connection: Redis): Promise<void> {
    this.subscribedOn.set(connection, new Map());
    if (!(await this.subscribe(connection, [...this.channels.keys()]))) return;
    if (this.connection !== connection || this.closed) return;
    this.isUp = true;
    const again = this.wasUp;
    this.wasUp = true;
    for (const resolve of this.waiting.splice(0)) resolve();
    if (again) for (const set of this.channels.values()) for (const listener of [...set]) listener.up();
  }

  private lost(connection: Redis): void {
    if (this.connection !== connection || !this.isUp) return;
    this.isUp = false;
    if (this.closed) return;
    for (const set of this.channels.values()) for (const listener of [...set]) listener.down();
  }
}

// The change feed's transport: one subscriber connection per Redis target (a
// server, a Sentinel-managed primary, or a whole Cluster: classic PUBLISH reaches
// subscribers on any node of a Cluster), carrying the log channels `<ns>:log` of
// every live store of the process on it. Listeners hear each message, and when the
// connection goes down and comes back (with every channel subscribed again).
import { isCluster, type Connection, type Redis } from "./backend.js";
import { feedConnection, serverReply } from "./connect.js";
import { RedisCommandError, bareCause } from "./errors.js";
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
  /** Redis refused to subscribe the channel again after a reconnect (NOPERM: its permission was revoked). */
  refused(error: RedisCommandError): void;
}

/** Channels per SUBSCRIBE command when subscribing again after a reconnect. */
const SUBSCRIBE_CHUNK = 1_000;

/** A channel's SUBSCRIBE on one connection: `ok` once Redis confirmed it. */
interface Subscription {
  /** true once confirmed; false when the connection failed first; the error when Redis refused it. */
  readonly done: Promise<boolean | RedisCommandError>;
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
  /** What the server answered when it refused the connection's set-up (AUTH, HELLO, the ready check), until it is up. */
  private refusal: RedisCommandError | undefined;

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

  /**
   * Subscribes `listener` to `channel`; resolves once the server has confirmed the
   * subscription. Rejects (and forgets the listener) when Redis refuses it or the
   * connection's set-up: a server error is an answer, waiting longer changes nothing.
   */
  async listen(channel: string, listener: ChannelListener): Promise<void> {
    let set = this.channels.get(channel);
    if (!set) this.channels.set(channel, (set = new Set()));
    set.add(listener);
    for (;;) {
      if (this.closed) return;
      const connection = this.connection;
      if (this.isUp && connection) {
        const done = await this.subscribe(connection, [channel]);
        if (done instanceof RedisCommandError) {
          this.unlisten(channel, listener);
          throw done;
        }
        // A connection lost meanwhile subscribes every channel again once it is back.
        if (done) return;
      } else if (this.refusal) {
        this.unlisten(channel, listener);
        throw new RedisCommandError(channel, this.refusal.command, this.refusal.cause as Error);
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

  /** Subscribes `channels` on `connection`; false when the connection failed first, the error when Redis refused. */
  private async subscribe(connection: Redis, channels: readonly string[]): Promise<boolean | RedisCommandError> {
    let mine = this.subscribedOn.get(connection);
    if (!mine) this.subscribedOn.set(connection, (mine = new Map()));
    const subscriptions = mine;
    const wanted = channels.filter((channel) => !subscriptions.has(channel));
    if (wanted.length > 0) {
      // One confirmation for every caller: a second listener of a channel whose SUBSCRIBE
      // is still on the wire waits for it too (it must not load before Redis has it).
      const done = (async (): Promise<boolean | RedisCommandError> => {
        let chunk: string[] = [];
        try {
          for (let i = 0; i < wanted.length; i += SUBSCRIBE_CHUNK) {
            chunk = wanted.slice(i, i + SUBSCRIBE_CHUNK);
            await connection.subscribe(...chunk);
          }
          return true;
        } catch (error) {
          // NOPERM (the user may not use the channel) is an answer; a lost connection is not.
          return serverReply(error) ? new RedisCommandError(chunk.length === 1 ? chunk[0]! : `${chunk.length} channels`, "SUBSCRIBE", bareCause(error) as Error) : false;
        }
      })();
      for (const channel of wanted) {
        const subscription: Subscription = { done, ok: false };
        subscriptions.set(channel, subscription);
        void done.then((ok) => {
          if (ok === true) subscription.ok = true;
          else if (subscriptions.get(channel) === subscription) subscriptions.delete(channel);
        });
      }
    }
    const results = await Promise.all(channels.map((channel) => subscriptions.get(channel)?.done ?? Promise.resolve(true)));
    return results.find((result) => result instanceof RedisCommandError) ?? results.every((result) => result === true);
  }

  private open(): void {
    if (this.closed) return;
    const connection = feedConnection(this.commands, this.name, this.nodeTurn++);
    this.connection = connection;
    connection.on("error", (error: unknown) => {
      // A refused set-up (a wrong password, a disabled user, no right to INFO for the
      // ready check) repeats on every reconnect: listeners waiting for it are told.
      const reply = serverReply(error) ?? serverReply((error as { lastNodeError?: unknown }).lastNodeError);
      if (!reply && !/^(Ready check failed|NOAUTH|WRONGPASS|NOPERM)/.test(error instanceof Error ? error.message : "")) return;
      const command = reply?.command ?? (/^Ready check failed/.test((error as Error).message) ? "INFO" : "AUTH");
      this.refusal = new RedisCommandError("the change feed's connection", command, bareCause(error) as Error);
      for (const resolve of this.waiting.splice(0)) resolve();
    });
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
    this.refusal = undefined;
    this.subscribedOn.set(connection, new Map());
    const done = await this.subscribe(connection, [...this.channels.keys()]);
    if (done instanceof RedisCommandError) {
      // Every channel again after a reconnect, and Redis refused (a permission revoked meanwhile).
      this.refusal = done;
      for (const resolve of this.waiting.splice(0)) resolve();
      for (const set of this.channels.values()) for (const listener of [...set]) listener.refused(done);
      return;
    }
    if (!done) return;
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

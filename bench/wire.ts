// Bytes a client sends to Redis, from the server's own count (INFO stats
// total_net_input_bytes). The meter reads it on a connection of its own and
// subtracts what its own INFO commands add, so a delta is the measured code's
// bytes alone, provided nothing else talks to the server meanwhile.
import { Redis } from "ioredis";

function inputBytes(info: string): number {
  const match = /total_net_input_bytes:(\d+)/.exec(info);
  if (!match) throw new Error("INFO stats has no total_net_input_bytes");
  return Number(match[1]);
}

export class WireMeter {
  private ownCost = 0;

  private constructor(private readonly redis: Redis) {}

  static async open(url: string): Promise<WireMeter> {
    const meter = new WireMeter(new Redis(url));
    await meter.calibrate();
    return meter;
  }

  /** The bytes one INFO command itself adds to the counter. */
  private async calibrate(): Promise<void> {
    const readings: number[] = [];
    for (let i = 0; i < 5; i++) readings.push(await this.read());
    const deltas = readings.slice(1).map((r, i) => r - readings[i]!);
    this.ownCost = Math.min(...deltas);
  }

  private async read(): Promise<number> {
    return inputBytes(await this.redis.info("stats"));
  }

  /** Bytes sent to the server while `fn` ran (its own INFO excluded). */
  async measure(fn: () => Promise<void>): Promise<number> {
    const before = await this.read();
    await fn();
    const after = await this.read();
    return after - before - this.ownCost;
  }

  async close(): Promise<void> {
    await this.redis.quit();
  }
}

// What the global setup provides to tests (`inject("redisUrl")`).
import "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

// What an app's module looks like to `redis-memory migrate`: it exports the store class
// and registers its migrations when imported.
import { Board } from "./stores/v2/board.js";
import { toV2 } from "./board-migrations.js";

Board.migrations({ 2: toV2 });

export { Board };

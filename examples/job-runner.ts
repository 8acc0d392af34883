// A job runner's state in one store: producers enqueue jobs, workers claim them with
// `$transaction` (a job is claimed by exactly one worker, however many race for it),
// report progress on the job's record and count outcomes with `$incr`. The board
// expires a day after its last write (`ttl`). Run: `npm run build && node dist/examples/job-runner.js`.
import { fileURLToPath } from "node:url";
import { JobBoard } from "../generated/index.js";
import { runExample } from "./run.js";

const DAY = 24 * 60 * 60_000;

export async function enqueue(board: JobBoard, id: string, kind: string, input: Record<string, unknown>): Promise<void> {
  board.jobs.update({ [id]: { kind, input, status: "queued", worker: null, attempts: 0, progress: 0 } });
  board.queue.push(id); // the same tick: one atomic batch with the record
  await board.$flush();
}

/**
 * Claims the oldest queued job for `worker`, or resolves to undefined when the queue is
 * empty. A transaction runs again whenever anyone wrote the board meanwhile (other
 * workers' progress included), so claims on a busy board get more attempts than the
 * default 10.
 */
export function claim(board: JobBoard, worker: string): Promise<string | undefined> {
  return board.$transaction((b) => {
    const id = b.queue.shift();
    if (id === undefined) return undefined;
    const job = b.jobs[id];
    if (job === undefined) return undefined;
    job.status = "running";
    job.worker = worker;
    job.attempts += 1;
    return id;
  }, { attempts: 100 });
}

export async function work(board: JobBoard, worker: string, run: (input: Record<string, unknown>) => string): Promise<number> {
  let finished = 0;
  for (let id = await claim(board, worker); id !== undefined; id = await claim(board, worker)) {
    const job = board.jobs[id]!;
    job.progress = 50;
    try {
      job.result = run(job.input?.asdict() ?? {});
      job.status = "done";
      job.progress = 100;
      await board.$incr("done");
    } catch (error) {
      job.status = "failed";
      job.error = String(error);
      await board.$incr("failed");
    }
    finished++;
  }
  await board.$flush();
  return finished;
}

export async function jobRunner(redis: string, queue: string, jobs = 20, workers = 3): Promise<{ perWorker: number[] }> {
  const producer = await JobBoard.open({ redis, id: queue, ttl: DAY });
  for (let n = 0; n < jobs; n++) await enqueue(producer, `job-${n}`, "square", { n });
  const boards = await Promise.all(Array.from({ length: workers }, () => JobBoard.open({ redis, id: queue, ttl: DAY })));
  const perWorker = await Promise.all(boards.map((board, w) => work(board, `worker-${w}`, (input) => String(Number(input["n"]) ** 2))));
  await Promise.all([producer, ...boards].map((board) => board.$close()));
  return { perWorker };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await runExample(async (redis) => {
    const queue = `jobs-${process.pid}`;
    console.log(await jobRunner(redis, queue));
    await using board = await JobBoard.open({ redis, id: queue, live: false });
    console.log(`done ${board.done}, failed ${board.failed}, expires in ${Math.round(((await board.$ttl()) ?? 0) / 60_000)} min`);
    await board.$delete();
  });
}

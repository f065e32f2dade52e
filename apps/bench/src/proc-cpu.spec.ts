import { Worker } from 'node:worker_threads';
import { mainThreadCpuSeconds, processCpuSeconds } from './proc-cpu';

/** A fixed amount of work (about 0.1–0.3 s of CPU here), whatever the scheduler does meanwhile. */
const WORK = 'let x = 0; for (let i = 0; i < 3e8; i++) x = (x + i) | 0; x;';

const snapshot = () => ({ main: mainThreadCpuSeconds(process.pid), all: processCpuSeconds(process.pid) });

describe('proc-cpu', () => {
  it("counts the main thread's CPU apart from the other threads'", async () => {
    const a = snapshot();
    const worker = new Worker(WORK, { eval: true });
    await new Promise((resolve, reject) => worker.once('exit', resolve).once('error', reject));
    const b = snapshot();
    new Function(WORK)();
    const c = snapshot();
    const inWorker = { main: b.main - a.main, others: b.all - b.main - (a.all - a.main) };
    const onMain = { main: c.main - b.main, others: c.all - c.main - (b.all - b.main) };
    // the worker's work shows in the process but not in its main thread, which only waited
    expect(inWorker.others).toBeGreaterThan(0.05);
    expect(inWorker.main).toBeLessThan(inWorker.others / 2);
    // the same work on the main thread shows there
    expect(onMain.main).toBeGreaterThan(0.05);
    expect(onMain.others).toBeLessThan(onMain.main / 2);
  });
});

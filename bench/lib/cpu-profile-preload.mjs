// Preloaded into a server by bench/profile.js (NODE_OPTIONS=--import): the first SIGWINCH
// starts sampling the CPU (after the warm-up), the second writes the profile to
// BENCH_CPU_PROFILE. Node's own --cpu-prof only writes at a normal exit, which Nest's
// signal-driven shutdown never reaches; SIGUSR1 belongs to Node's debugger and
// Nest's shutdown hooks close the app on SIGUSR2, so the harmless SIGWINCH toggles it.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const out = process.env.BENCH_CPU_PROFILE;
if (out) {
  const session = new Session();
  session.connect();
  const post = (method, params) =>
    new Promise((resolve, reject) => session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 200 });
  let sampling = false;
  process.on('SIGWINCH', () => {
    if (!sampling) {
      sampling = true;
      void post('Profiler.start');
      return;
    }
    sampling = false;
    void post('Profiler.stop').then(({ profile }) => {
      writeFileSync(out, JSON.stringify(profile));
      process.stdout.write(`cpu profile written to ${out}\n`);
    });
  });
}

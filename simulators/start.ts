import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startLocalSimulators } from './local.ts';

/**
 * `npm run simulators`: only the two platform simulators, for trying the `provisioner platform …` checks
 * by hand. Writes their settings to `.local/simulators.env` for the shell to load.
 */
const { values } = parseArgs({
  options: {
    'cloopen-port': { type: 'string', default: '18883' },
    'baijiayun-port': { type: 'string', default: '18884' },
    seed: { type: 'string', default: '3' },
    format: { type: 'string', default: 'json' },
  },
});
const format = values.format === 'xml' ? 'xml' : 'json';
const simulators = await startLocalSimulators({
  ports: { cloopen: Number(values['cloopen-port']), baijiayun: Number(values['baijiayun-port']) },
  seed: Number(values.seed),
  cloopenFormat: format,
});
const envFile = fileURLToPath(new URL('../.local/simulators.env', import.meta.url));
mkdirSync(fileURLToPath(new URL('../.local/', import.meta.url)), { recursive: true });
const lines = Object.entries(simulators.env).map(([k, v]) => `${k}=${v}`);
writeFileSync(envFile, `${lines.join('\n')}\n`);

console.log(`Cloopen simulator:   ${simulators.cloopen.baseUrl}`);
console.log(`Baijiayun simulator: ${simulators.baijiayun.baseUrl}`);
console.log(`Settings written to .local/simulators.env; in another shell:`);
console.log('  set -a; . .local/simulators.env; set +a');
console.log('  npx provisioner platform cloopen account-info');
console.log('Fault injection: POST /__sim/faults on either URL; Ctrl-C stops.');

const stop = async () => {
  rmSync(envFile, { force: true });
  await simulators.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

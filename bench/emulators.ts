import { startLocalStack } from '../local/stack.ts';
import { createTables } from '../local/wiring.ts';
import { startLocalSimulators } from '../simulators/local.ts';

/**
 * The emulators of one pipeline run in a process of their own: dynalite, fauxqs with the run's queues,
 * both simulators. In AWS the consumer never shares a CPU with DynamoDB, SQS or the vendor; here the
 * emulators get their own process (so, on a machine with two cores, their own core), and what the bench
 * compares is the consumers. Prints the stack's environment and state as one JSON line on stdout, then
 * runs until it is sent SIGTERM.
 *
 * Usage: `node bench/emulators.ts <tag>`.
 *
 * @module
 */

const tag = process.argv[2] ?? 'bench';
const stack = await startLocalStack({
  stateFile: false,
  createTables,
  startSimulators: async (ports) => {
    const simulators = await startLocalSimulators({ firstPort: ports.firstPort });
    return { env: simulators.env, close: () => simulators.close() };
  },
  queues: { queueName: `bench-${tag}.fifo`, dlqName: `bench-${tag}-dlq.fifo` },
});
process.stdout.write(`${JSON.stringify({ env: stack.env, info: stack.info })}\n`);
process.once('SIGTERM', () => {
  void stack.stop().finally(() => process.exit(0));
});

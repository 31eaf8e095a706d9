import { baijiayunLocalSimulator } from './baijiayun/local.ts';
import { cloopenLocalSimulator } from './cloopen/local.ts';

/**
 * The simulator of every registered platform (`shared/platforms/registry.ts`), as `npm start` and the tests
 * run them: one line each. Each starts on a port (any free one when absent) and reports the settings that
 * point that platform's client at it.
 */
export const simulatorModules = {
  cloopen: cloopenLocalSimulator,
  baijiayun: baijiayunLocalSimulator,
} as const;

import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** The service name every function logs and measures under. */
export const SERVICE = 'provisioner';

/** The Powertools logger of this execution environment, shared by every function module. */
export const logger = new Logger({ serviceName: SERVICE });

/** The Powertools metrics of this execution environment (namespace `Provisioner`). */
export const metrics = new Metrics({ namespace: 'Provisioner', serviceName: SERVICE });
